import { z } from 'zod';
import { fromBase64Url, plain, randomBytes, subtle, toBase64Url } from './webcrypto.js';

// A recording made in the host's browser (E2EE meetings, A5 with D4): encrypted there, as it is
// recorded, to public keys (the host's, and the organisation's escrow key where one is set), so
// the server stores ciphertext it cannot open. The browser opens it with the host's private key
// and the CLI with the escrow key; both use this code (WebCrypto only).
//
// Layout (integers big-endian):
//   "KGREC1"                 6 bytes, magic
//   header length            u32
//   header                   JSON, RecordingHeader below
//   records, until the end:  u32 (top bit: final record; low 31 bits: length L), L bytes
//
// Each record is one AES-256-GCM encryption under the recording's content key, a random key used
// for nothing else, with nonce 0x00000000 || u64 index and additional data SHA-256(header) ||
// u64 index || final flag. Reordering, dropping or truncating records, or editing the header,
// fails the tag; exactly the last record is final, so a cut-off upload is refused. The framing
// (lengths and the final bit) is in the clear so the server can check an upload is an envelope
// and not a plaintext file, without any key.
//
// The content key reaches each recipient as ECIES over P-256: an ephemeral key pair, ECDH with
// the recipient's key, HKDF-SHA256 (info: label, ephemeral point, recipient key ID) to an AES-256-
// GCM key that encrypts the 32-byte content key.

export const RECORDING_MAGIC = 'KGREC1';
const MAGIC = new TextEncoder().encode(RECORDING_MAGIC);
const FINAL_BIT = 0x8000_0000;
const TAG_BYTES = 16;
const WRAP_INFO = 'kaigi recording key wrap v1';
const WRAP_AAD = new TextEncoder().encode('kaigi recording content key');

export const RECORDING_LIMITS = {
  headerMax: 16 * 1024,
  /** Plaintext bytes per record; MediaRecorder hands over about a second at a time. */
  recordMax: 8 * 1024 * 1024,
  recipientsMax: 4,
  /** One uploaded part (the browser starts a new part well before this). */
  uploadMax: 128 * 1024 * 1024,
} as const;

const B64Url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url');

/** SHA-256 of the key's SubjectPublicKeyInfo (DER), base64url: how a key is named. */
export const RecordingKeyId = B64Url(43, 43);

export const RecordingRecipient = z
  .object({
    role: z.enum(['host', 'escrow']),
    keyId: RecordingKeyId,
    /** The ephemeral P-256 public key, uncompressed point (65 bytes). */
    epk: B64Url(87, 87),
    /** 12-byte nonce || AES-256-GCM(content key) with its tag: 60 bytes. */
    wrapped: B64Url(80, 80),
  })
  .strict();
export type RecordingRecipient = z.infer<typeof RecordingRecipient>;

export const RecordingHeader = z
  .object({
    v: z.literal(1),
    meetingId: z.string().min(1).max(100),
    /** Numbered from 1: a long recording is uploaded in parts, each a playable file of its own. */
    part: z.number().int().min(1).max(10_000),
    /** What the plaintext is, as MediaRecorder named it (e.g. video/webm;codecs=vp8,opus). */
    mimeType: z
      .string()
      .max(100)
      .regex(/^[a-z]+\/[a-z0-9.+-]+(;[ a-z0-9=,.+"-]*)?$/i),
    startedAt: z.iso.datetime(),
    recipients: z.array(RecordingRecipient).min(1).max(RECORDING_LIMITS.recipientsMax),
  })
  .strict();
export type RecordingHeader = z.infer<typeof RecordingHeader>;

export type RecordingEnvelopeErrorCode = 'NOT_AN_ENVELOPE' | 'DAMAGED' | 'TRUNCATED' | 'NO_KEY' | 'INVALID_INPUT';

export class RecordingEnvelopeError extends Error {
  constructor(
    readonly code: RecordingEnvelopeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecordingEnvelopeError';
  }
}

/** A recipient's public key, as a WebCrypto key or SubjectPublicKeyInfo DER bytes. */
export interface RecipientKey {
  role: RecordingRecipient['role'];
  publicKey: CryptoKey | Uint8Array;
}

const EC = { name: 'ECDH', namedCurve: 'P-256' } as const;

async function spkiOf(key: CryptoKey | Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return key instanceof Uint8Array ? plain(key) : new Uint8Array(await subtle().exportKey('spki', key));
}

/** The key ID of a public key: SHA-256 of its SubjectPublicKeyInfo, base64url. */
export async function recordingKeyId(publicKey: CryptoKey | Uint8Array): Promise<string> {
  return toBase64Url(new Uint8Array(await subtle().digest('SHA-256', await spkiOf(publicKey))));
}

/** Imports a P-256 public key (SPKI DER) for recording, refusing any other curve or kind. */
export async function importRecordingPublicKey(spki: Uint8Array): Promise<CryptoKey> {
  try {
    return await subtle().importKey('spki', plain(spki), EC, true, []);
  } catch {
    throw new RecordingEnvelopeError('INVALID_INPUT', 'not a P-256 public key');
  }
}

async function wrapKeyFor(epk: Uint8Array<ArrayBuffer>, keyId: string, shared: ArrayBuffer): Promise<CryptoKey> {
  const s = subtle();
  const ikm = await s.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const info = concat(new TextEncoder().encode(WRAP_INFO), epk, new TextEncoder().encode(keyId));
  return s.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info }, ikm, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

async function wrapFor(recipient: RecipientKey, contentKey: Uint8Array<ArrayBuffer>): Promise<RecordingRecipient> {
  const s = subtle();
  const publicKey = recipient.publicKey instanceof Uint8Array ? await importRecordingPublicKey(recipient.publicKey) : recipient.publicKey;
  const keyId = await recordingKeyId(publicKey);
  const eph = (await s.generateKey(EC, true, ['deriveBits'])) as CryptoKeyPair;
  const epk = new Uint8Array(await s.exportKey('raw', eph.publicKey));
  const shared = await s.deriveBits({ name: 'ECDH', public: publicKey }, eph.privateKey, 256);
  const kek = await wrapKeyFor(epk, keyId, shared);
  const iv = randomBytes(12);
  const sealed = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv, additionalData: WRAP_AAD }, kek, contentKey));
  return { role: recipient.role, keyId, epk: toBase64Url(epk), wrapped: toBase64Url(concat(iv, sealed)) };
}

async function unwrap(r: RecordingRecipient, privateKey: CryptoKey): Promise<Uint8Array<ArrayBuffer> | null> {
  const s = subtle();
  try {
    const epk = fromBase64Url(r.epk);
    const eph = await s.importKey('raw', epk, EC, false, []);
    const shared = await s.deriveBits({ name: 'ECDH', public: eph }, privateKey, 256);
    const kek = await wrapKeyFor(epk, r.keyId, shared);
    const w = fromBase64Url(r.wrapped);
    return new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv: w.subarray(0, 12), additionalData: WRAP_AAD }, kek, w.subarray(12)));
  } catch {
    return null;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function u32(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

function nonce(index: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setBigUint64(4, BigInt(index));
  return b;
}

function recordAad(headerHash: Uint8Array, index: number, final: boolean): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(headerHash.byteLength + 9);
  b.set(headerHash);
  const v = new DataView(b.buffer);
  v.setBigUint64(headerHash.byteLength, BigInt(index));
  v.setUint8(headerHash.byteLength + 8, final ? 1 : 0);
  return b;
}

/**
 * Encrypts one recording part as it is produced: `header` first, then `seal()` for each chunk,
 * the last with final = true. Only ciphertext leaves; the content key is not extractable.
 */
export class RecordingSealer {
  private index = 0;
  private done = false;

  private constructor(
    readonly header: RecordingHeader,
    /** Magic, length and header JSON: the first bytes of the envelope. */
    readonly head: Uint8Array<ArrayBuffer>,
    private readonly headerHash: Uint8Array<ArrayBuffer>,
    private readonly key: CryptoKey,
  ) {}

  static async create(input: Omit<RecordingHeader, 'v' | 'recipients'> & { recipients: RecipientKey[] }): Promise<RecordingSealer> {
    if (!input.recipients.some((r) => r.role === 'host')) throw new RecordingEnvelopeError('INVALID_INPUT', 'a recording needs the host as a recipient');
    const raw = randomBytes(32);
    const recipients = await Promise.all(input.recipients.map((r) => wrapFor(r, raw)));
    const key = await subtle().importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt']);
    raw.fill(0);
    const parsed = RecordingHeader.safeParse({ v: 1, meetingId: input.meetingId, part: input.part, mimeType: input.mimeType, startedAt: input.startedAt, recipients });
    if (!parsed.success) throw new RecordingEnvelopeError('INVALID_INPUT', parsed.error.issues[0]?.message ?? 'invalid header');
    const json = new TextEncoder().encode(JSON.stringify(parsed.data));
    const hash = new Uint8Array(await subtle().digest('SHA-256', json));
    return new RecordingSealer(parsed.data, concat(MAGIC, u32(json.byteLength), json), hash, key);
  }

  /** One record: its framing and ciphertext. */
  async seal(chunk: Uint8Array, final = false): Promise<Uint8Array<ArrayBuffer>> {
    if (this.done) throw new RecordingEnvelopeError('INVALID_INPUT', 'the recording part is already final');
    if (chunk.byteLength > RECORDING_LIMITS.recordMax) throw new RecordingEnvelopeError('INVALID_INPUT', 'chunk too large');
    const index = this.index++;
    this.done = final;
    const ct = new Uint8Array(
      await subtle().encrypt({ name: 'AES-GCM', iv: nonce(index), additionalData: recordAad(this.headerHash, index, final) }, this.key, plain(chunk)),
    );
    return concat(u32((final ? FINAL_BIT : 0) | ct.byteLength), ct);
  }
}

export interface EnvelopeLayout {
  header: RecordingHeader;
  headerBytes: Uint8Array;
  /** Offset and length of each record's ciphertext, and whether it is final. */
  records: { offset: number; length: number; final: boolean }[];
}

/**
 * Checks the framing without a key: magic, a valid header, records that fill the bytes exactly,
 * and exactly one final record, the last. What the server runs on an upload.
 */
export function readRecordingEnvelope(bytes: Uint8Array): EnvelopeLayout {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new RecordingEnvelopeError('NOT_AN_ENVELOPE', 'not an encrypted Kaigi recording');
  }
  const headerLength = v.getUint32(MAGIC.length);
  const start = MAGIC.length + 4;
  if (headerLength > RECORDING_LIMITS.headerMax || start + headerLength > bytes.byteLength) {
    throw new RecordingEnvelopeError('NOT_AN_ENVELOPE', 'the recording header is too long or cut off');
  }
  const headerBytes = bytes.subarray(start, start + headerLength);
  let header: RecordingHeader;
  try {
    header = RecordingHeader.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes)));
  } catch {
    throw new RecordingEnvelopeError('NOT_AN_ENVELOPE', 'the recording header is not valid');
  }
  const records: EnvelopeLayout['records'] = [];
  let at = start + headerLength;
  let final = false;
  while (at < bytes.byteLength) {
    if (final) throw new RecordingEnvelopeError('DAMAGED', 'data after the final record');
    if (at + 4 > bytes.byteLength) throw new RecordingEnvelopeError('TRUNCATED', 'the recording is cut off');
    const word = v.getUint32(at);
    const length = word & ~FINAL_BIT;
    final = (word & FINAL_BIT) !== 0;
    if (length < TAG_BYTES || length > RECORDING_LIMITS.recordMax + TAG_BYTES) throw new RecordingEnvelopeError('DAMAGED', 'a record has an impossible length');
    if (at + 4 + length > bytes.byteLength) throw new RecordingEnvelopeError('TRUNCATED', 'the recording is cut off');
    records.push({ offset: at + 4, length, final });
    at += 4 + length;
  }
  if (!final) throw new RecordingEnvelopeError('TRUNCATED', 'the recording has no final record');
  return { header, headerBytes, records };
}

export interface OpenedRecording {
  header: RecordingHeader;
  /** Which recipient the key opened. */
  recipient: RecordingRecipient;
  data: Uint8Array<ArrayBuffer>;
}

/** Opens an envelope with a recipient's ECDH private key (the host's in the browser, escrow in the CLI). */
export async function openRecordingEnvelope(bytes: Uint8Array, privateKey: CryptoKey, keyId?: string): Promise<OpenedRecording> {
  const layout = readRecordingEnvelope(bytes);
  const candidates = layout.header.recipients.filter((r) => keyId === undefined || r.keyId === keyId);
  let raw: Uint8Array<ArrayBuffer> | null = null;
  let recipient: RecordingRecipient | undefined;
  for (const r of candidates) {
    raw = await unwrap(r, privateKey);
    if (raw) {
      recipient = r;
      break;
    }
  }
  if (!raw || !recipient) throw new RecordingEnvelopeError('NO_KEY', 'this key cannot open the recording');
  const s = subtle();
  const key = await s.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  raw.fill(0);
  const hash = new Uint8Array(await s.digest('SHA-256', plain(layout.headerBytes)));
  const out: Uint8Array[] = [];
  for (const [index, r] of layout.records.entries()) {
    try {
      const pt = await s.decrypt(
        { name: 'AES-GCM', iv: nonce(index), additionalData: recordAad(hash, index, r.final) },
        key,
        plain(bytes.subarray(r.offset, r.offset + r.length)),
      );
      out.push(new Uint8Array(pt));
    } catch {
      throw new RecordingEnvelopeError('DAMAGED', `record ${index} does not decrypt: the recording was changed`);
    }
  }
  return { header: layout.header, recipient, data: concat(...out) };
}
