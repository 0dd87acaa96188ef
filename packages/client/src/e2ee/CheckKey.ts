// A verifier's check's own keys (B7) in an end-to-end encrypted meeting. The newcomer is not in
// the MLS group yet, so neither side can use the meeting's keys; instead the two run one
// ephemeral ECDH P-256 exchange through the server and derive, with HKDF over the shared secret
// and the whole transcript, an SFrame base key and a safety code. The server only relays the
// public halves. A server that put itself in between would hold two exchanges with two different
// codes, which the newcomer reading the code aloud to the verifier exposes.
//
// A plain class on WebCrypto only: the E2EE worker routes messages to it, Node tests use it directly.
import { NK } from './sframe/SFrame.js';
import { safetyCode } from './SafetyCode.js';

export type CheckRole = 'newcomer' | 'verifier';

/** Who the check is between: bound into the key, so a key relayed into another check fails. */
export interface CheckContext {
  meetingId: string;
  newcomerId: string;
  verifierId: string;
}

/** An uncompressed P-256 point. */
export const CHECK_PUBLIC_KEY_BYTES = 65;

const enc = new TextEncoder();
const LABEL = enc.encode('Kaigi check v1\0');
const BASE_KEY_INFO = enc.encode('Kaigi check SFrame base key');
const CODE_INFO = enc.encode('Kaigi check safety code');

export class CheckKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckKeyError';
  }
}

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/** Length-prefixed fields, so no two different transcripts serialise alike. */
function transcript(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const size = LABEL.length + parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(LABEL);
  let at = LABEL.length;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface CheckSecrets {
  /** The check's SFrame base key (Nk bytes); the caller hands it to the cryptor, which zeroes it. */
  baseKey: Uint8Array<ArrayBuffer>;
  /** 20 digits both sides show; equal codes mean nobody is in between. */
  safetyCode: string;
}

export class CheckKey {
  private derived = false;

  private constructor(
    readonly role: CheckRole,
    readonly context: CheckContext,
    private readonly keyPair: CryptoKeyPair,
    /** Ours, to send to the other side. */
    readonly publicKey: Uint8Array<ArrayBuffer>,
  ) {}

  /** A fresh key pair for one check; the private key cannot be exported. */
  static async create(role: CheckRole, context: CheckContext): Promise<CheckKey> {
    if (!context.meetingId || !context.newcomerId || !context.verifierId || context.newcomerId === context.verifierId) {
      throw new CheckKeyError('a check needs a meeting and two different people');
    }
    const keyPair = (await subtle().generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await subtle().exportKey('raw', keyPair.publicKey));
    return new CheckKey(role, { ...context }, keyPair, publicKey);
  }

  /**
   * The check's secrets from the other side's public key. Once only: a second key for the same
   * check (a swap after the codes were compared) is refused.
   */
  async derive(peerPublicKey: Uint8Array): Promise<CheckSecrets> {
    if (this.derived) throw new CheckKeyError('this check has its keys already');
    if (peerPublicKey.length !== CHECK_PUBLIC_KEY_BYTES || peerPublicKey[0] !== 0x04) throw new CheckKeyError('not an uncompressed P-256 public key');
    if (sameBytes(peerPublicKey, this.publicKey)) throw new CheckKeyError('the other side sent our own key back');
    let peer: CryptoKey;
    try {
      // WebCrypto refuses points off the curve here.
      peer = await subtle().importKey('raw', new Uint8Array(peerPublicKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    } catch {
      throw new CheckKeyError('not a valid P-256 public key');
    }
    this.derived = true;
    const shared = new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peer }, this.keyPair.privateKey, 256));
    const [newcomerKey, verifierKey] = this.role === 'newcomer' ? [this.publicKey, peerPublicKey] : [peerPublicKey, this.publicKey];
    const t = transcript([
      enc.encode(this.context.meetingId),
      enc.encode(this.context.newcomerId),
      enc.encode(this.context.verifierId),
      newcomerKey,
      verifierKey,
    ]);
    const salt = new Uint8Array(await subtle().digest('SHA-256', t));
    const ikm = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveBits']);
    shared.fill(0);
    const [base, code] = await Promise.all([
      subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: BASE_KEY_INFO }, ikm, NK * 8),
      subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: CODE_INFO }, ikm, 256),
    ]);
    const codeBytes = new Uint8Array(code);
    const out = { baseKey: new Uint8Array(base), safetyCode: await safetyCode(codeBytes) };
    codeBytes.fill(0);
    return out;
  }
}
