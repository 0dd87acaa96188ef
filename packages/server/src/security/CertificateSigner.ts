import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as ecdsaSign, verify as ecdsaVerify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Deletion certificates (E3): the server signs, with an ECDSA P-256 key kept in
 * data/keys/certificates.pem, what it destroyed, when, by whom and why. Anyone holding
 * data/keys/certificates.pub.pem (or the key embedded in the certificate, which proves only
 * integrity) can check one with `kaigi certificate verify FILE` or verifyCertificate().
 *
 * The signature is ECDSA-SHA256 in ASN.1 DER (as OpenSSL writes it), base64, over the canonical
 * JSON (keys sorted, no whitespace) of every field except `signature`.
 *
 * Version 2 names what it destroyed by object ID and the SHA-256 of its stored bytes only: a file
 * name is meeting content (D2), and a certificate outlives the data it proves gone (E3). Version 1
 * certificates also carried `name`; their signature covers it, so they still verify as issued.
 */
export const CERTIFICATE_TYPE = 'kaigi-deletion-certificate';
export const CERTIFICATE_VERSION = 2;

export interface DeletionFacts {
  objectId: string;
  meetingId: string;
  kind: string;
  size: number;
  ciphertextSha256: string;
  protection: 'server' | 'e2ee';
  deletedAt: string;
  deletedBy: string;
  reason: string;
  node: string;
  region: string;
  /** False for e2ee objects: the server never held a key for them. */
  keyDestroyed: boolean;
  bytesDestroyed: true;
}

export interface DeletionCertificate extends DeletionFacts {
  type: typeof CERTIFICATE_TYPE;
  /** 1 only in certificates issued before names left them (they also hold `name`). */
  version: typeof CERTIFICATE_VERSION | 1;
  /** SPKI PEM of the signing key. */
  publicKey: string;
  /** base64 of the DER ECDSA-SHA256 signature over canonicalJson(every other field). */
  signature: string;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

const signedBytes = (cert: Omit<DeletionCertificate, 'signature'>): Buffer => {
  const { signature: _omit, ...rest } = cert as DeletionCertificate;
  return Buffer.from(canonicalJson(rest), 'utf8');
};

export const certificateKeyPath = (dataDir: string): string => path.join(dataDir, 'keys', 'certificates.pem');
export const certificatePublicKeyPath = (dataDir: string): string => path.join(dataDir, 'keys', 'certificates.pub.pem');

/** The server's certificate public key (SPKI PEM) when this data folder has one. */
export function readCertificatePublicKey(dataDir: string): string | null {
  try {
    return fs.readFileSync(certificatePublicKeyPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates FILE with its whole content at once, or leaves an existing FILE alone. */
function createOnce(file: string, content: string, mode: number): void {
  const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  fs.writeFileSync(tmp, content, { mode, flag: 'wx' });
  try {
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.linkSync(tmp, file); // atomic: a second process racing us gets EEXIST and uses ours
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export class CertificateSigner {
  readonly publicKeyPem: string;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Loads the signing key from data/keys, creating it (and its public key file) on first use. */
  static open(dataDir: string): CertificateSigner {
    const dir = path.join(dataDir, 'keys');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = certificateKeyPath(dataDir);
    if (!fs.existsSync(keyFile)) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      createOnce(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    }
    const key = createPrivateKey(fs.readFileSync(keyFile));
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`${keyFile} must hold an ECDSA P-256 private key`);
    }
    const signer = new CertificateSigner(key);
    const pubFile = certificatePublicKeyPath(dataDir);
    createOnce(pubFile, signer.publicKeyPem, 0o644);
    if (!sameKey(fs.readFileSync(pubFile, 'utf8'), signer.publicKeyPem)) {
      throw new Error(`${pubFile} does not match ${keyFile}`);
    }
    return signer;
  }

  sign(facts: DeletionFacts): DeletionCertificate {
    const unsigned = { ...facts, type: CERTIFICATE_TYPE, version: CERTIFICATE_VERSION, publicKey: this.publicKeyPem } as const;
    const signature = ecdsaSign('sha256', signedBytes(unsigned), this.privateKey).toString('base64');
    return { ...unsigned, signature };
  }

  /**
   * Signs another kind of document with the same key: audit checkpoints (H2), so that one
   * pinned public key checks both. Every document names its own `type` inside what is signed,
   * and verifyCertificate accepts only CERTIFICATE_TYPE, so one kind never passes for another.
   * Returns base64 of the DER ECDSA-SHA256 signature over canonicalJson(doc).
   */
  signDocument(doc: { type: string } & Record<string, unknown>): string {
    if (doc.type === CERTIFICATE_TYPE) throw new Error('deletion certificates are signed with sign()');
    return ecdsaSign('sha256', Buffer.from(canonicalJson(doc), 'utf8'), this.privateKey).toString('base64');
  }
}

function spkiDer(pem: string): Buffer {
  return createPublicKey(pem).export({ type: 'spki', format: 'der' });
}

function sameKey(a: string, b: string): boolean {
  try {
    return spkiDer(a).equals(spkiDer(b));
  } catch {
    return false;
  }
}

const FIELDS: Record<keyof DeletionCertificate, 'string' | 'number' | 'boolean'> = {
  type: 'string',
  version: 'number',
  objectId: 'string',
  meetingId: 'string',
  kind: 'string',
  size: 'number',
  ciphertextSha256: 'string',
  protection: 'string',
  deletedAt: 'string',
  deletedBy: 'string',
  reason: 'string',
  node: 'string',
  region: 'string',
  keyDestroyed: 'boolean',
  bytesDestroyed: 'boolean',
  publicKey: 'string',
  signature: 'string',
};

/** The fields of each version: version 1 also had the object's name. */
const FIELDS_OF: Record<number, Record<string, 'string' | 'number' | 'boolean'>> = {
  1: { ...FIELDS, name: 'string' },
  [CERTIFICATE_VERSION]: FIELDS,
};

export type CertificateVerdict =
  | { valid: true; certificate: DeletionCertificate; checkedAgainst: 'given key' | 'embedded key' }
  | { valid: false; reason: string };

/**
 * Checks a deletion certificate. With publicKeyPem (the server's certificates.pub.pem) the
 * certificate must have been signed by that key; without it, only by the key it embeds, which
 * shows it was not edited but not who made it.
 */
export function verifyCertificate(cert: unknown, publicKeyPem?: string): CertificateVerdict {
  const bad = (reason: string): CertificateVerdict => ({ valid: false, reason });
  if (cert === null || typeof cert !== 'object' || Array.isArray(cert)) return bad('not a JSON object');
  const c = cert as Record<string, unknown>;
  const fields = typeof c.version === 'number' ? FIELDS_OF[c.version] : undefined;
  if (!fields) return bad(`unsupported version ${String(c.version)}`);
  for (const k of Object.keys(c)) if (!(k in fields)) return bad(`unexpected field "${k}"`);
  for (const [k, t] of Object.entries(fields)) {
    if (typeof c[k] !== t) return bad(`field "${k}" is missing or not a ${t}`);
  }
  if (c.type !== CERTIFICATE_TYPE) return bad(`type is not ${CERTIFICATE_TYPE}`);
  const typed = c as unknown as DeletionCertificate;
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem ?? typed.publicKey);
  } catch {
    return bad(publicKeyPem ? 'the given public key cannot be read' : 'the embedded public key cannot be read');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return bad('the signing key is not ECDSA P-256');
  }
  if (publicKeyPem && !sameKey(typed.publicKey, publicKeyPem)) {
    return bad("signed by a different key than this server's certificate key");
  }
  const signature = Buffer.from(typed.signature, 'base64');
  if (signature.length === 0 || signature.toString('base64') !== typed.signature) return bad('the signature is not base64');
  let ok: boolean;
  try {
    ok = ecdsaVerify('sha256', signedBytes(typed), key, signature);
  } catch {
    ok = false;
  }
  if (!ok) return bad('the signature does not match the contents');
  return { valid: true, certificate: typed, checkedAgainst: publicKeyPem ? 'given key' : 'embedded key' };
}
