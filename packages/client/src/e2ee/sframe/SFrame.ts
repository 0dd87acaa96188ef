// SFrame (RFC 9605) with cipher suite 0x0004 AES_128_GCM_SHA256_128, on WebCrypto only, so the
// same code runs in the browser's E2EE worker and in Node tests. Keys never leave WebCrypto: the
// base key is imported as a non-extractable HKDF key and each sframe_key is derived straight into
// a non-extractable AES-GCM key. Only the 12-byte sframe_salt is held as bytes (it is needed to
// form nonces and is worthless without the key).

export const CIPHER_SUITE = 0x0004;
export const NK = 16; // AEAD.Nk
export const NN = 12; // AEAD.Nn
export const NT = 16; // AEAD.Nt

export type Bytes = Uint8Array<ArrayBuffer>;

const MAX_U64 = (1n << 64n) - 1n;
const enc = new TextEncoder();
const KEY_LABEL = enc.encode('SFrame 1.0 Secret key ');
const SALT_LABEL = enc.encode('SFrame 1.0 Secret salt ');

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/** Minimal big-endian bytes of v (v > 0). */
function minimalBytes(v: bigint): number[] {
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

function checkU64(v: bigint, what: string): void {
  if (v < 0n || v > MAX_U64) throw new RangeError(`${what} must be an unsigned 64-bit integer`);
}

/** §4.3: config byte |X|K K K|Y|C C C| then KID then CTR, each in minimal big-endian form. */
export function encodeHeader(kid: bigint, ctr: bigint): Bytes {
  checkU64(kid, 'KID');
  checkU64(ctr, 'CTR');
  let config = 0;
  const tail: number[] = [];
  if (kid < 8n) {
    config |= Number(kid) << 4;
  } else {
    const b = minimalBytes(kid);
    config |= 0x80 | ((b.length - 1) << 4);
    tail.push(...b);
  }
  if (ctr < 8n) {
    config |= Number(ctr);
  } else {
    const b = minimalBytes(ctr);
    config |= 0x08 | (b.length - 1);
    tail.push(...b);
  }
  return Uint8Array.from([config, ...tail]);
}

export interface SFrameHeader {
  kid: bigint;
  ctr: bigint;
  /** Encoded length in bytes (config byte included). */
  length: number;
}

function readUint(buf: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[at + i] ?? 0);
  return v;
}

/** Parses a header at `offset`; null when the bytes are too short or not minimally encoded. */
export function decodeHeader(buf: Uint8Array, offset = 0): SFrameHeader | null {
  const config = buf[offset];
  if (config === undefined) return null;
  let at = offset + 1;
  let kid: bigint;
  let ctr: bigint;
  const kBits = (config >> 4) & 0x07;
  const cBits = config & 0x07;
  if (config & 0x80) {
    const n = kBits + 1;
    if (at + n > buf.length) return null;
    kid = readUint(buf, at, n);
    at += n;
    // A non-minimal form would give one frame two valid encodings; §4.3 says MUST be minimal.
    if (kid < 8n || (n > 1 && buf[offset + 1] === 0)) return null;
  } else {
    kid = BigInt(kBits);
  }
  if (config & 0x08) {
    const n = cBits + 1;
    if (at + n > buf.length) return null;
    const first = buf[at];
    ctr = readUint(buf, at, n);
    at += n;
    if (ctr < 8n || (n > 1 && first === 0)) return null;
  } else {
    ctr = BigInt(cBits);
  }
  return { kid, ctr, length: at - offset };
}

function be64(v: bigint): Bytes {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

function concat(...parts: Uint8Array[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** §4.4.2 labels: "SFrame 1.0 Secret key " / "... salt " + KID (8 bytes BE) + cipher suite (2 bytes BE). */
export function derivationLabels(kid: bigint): { key: Bytes; salt: Bytes } {
  checkU64(kid, 'KID');
  const suite = Uint8Array.from([CIPHER_SUITE >> 8, CIPHER_SUITE & 0xff]);
  const k = be64(kid);
  return { key: concat(KEY_LABEL, k, suite), salt: concat(SALT_LABEL, k, suite) };
}

/**
 * Imports a base key (e.g. the MLS exporter output) as a non-extractable HKDF key and zeroes the
 * caller's bytes at once; the private copy is zeroed once WebCrypto has taken it.
 */
export async function importBaseKey(raw: Uint8Array): Promise<CryptoKey> {
  const copy = new Uint8Array(raw);
  raw.fill(0);
  try {
    if (copy.length !== NK) throw new RangeError(`base key must be ${NK} bytes`);
    return await subtle().importKey('raw', copy, 'HKDF', false, ['deriveKey', 'deriveBits']);
  } finally {
    copy.fill(0);
  }
}

export type KeyUse = 'encrypt' | 'decrypt';

export interface SFrameKey {
  readonly kid: bigint;
  readonly use: KeyUse;
  readonly key: CryptoKey;
  readonly salt: Bytes;
}

/**
 * derive_key_salt (§4.4.2). WebCrypto's HKDF does Extract then Expand; an empty salt is the RFC's
 * HKDF-Extract("", base_key). Each key is marked for one use only, as §4.4.1 requires.
 */
export async function deriveKeySalt(baseKey: CryptoKey, kid: bigint, use: KeyUse): Promise<SFrameKey> {
  const labels = derivationLabels(kid);
  const empty = new Uint8Array(0);
  const [key, saltBits] = await Promise.all([
    subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: empty, info: labels.key },
      baseKey,
      { name: 'AES-GCM', length: NK * 8 },
      false,
      [use],
    ),
    subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: empty, info: labels.salt }, baseKey, NN * 8),
  ]);
  return { kid, use, key, salt: new Uint8Array(saltBits) };
}

/** nonce = sframe_salt XOR encode_big_endian(CTR, Nn). */
export function makeNonce(salt: Uint8Array, ctr: bigint): Bytes {
  checkU64(ctr, 'CTR');
  const nonce = new Uint8Array(salt);
  const c = be64(ctr);
  for (let i = 0; i < 8; i++) nonce[NN - 8 + i]! ^= c[i]!;
  return nonce;
}

/** Encrypts one frame: returns the header and AEAD ciphertext (tag included) separately so the
 * caller can lay out clear bytes || header || ciphertext with a single copy. */
export async function seal(
  k: SFrameKey,
  ctr: bigint,
  metadata: Uint8Array<ArrayBuffer>,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<{ header: Bytes; ciphertext: Bytes }> {
  if (k.use !== 'encrypt') throw new TypeError('key is for decryption only');
  const header = encodeHeader(k.kid, ctr);
  const ct = await subtle().encrypt(
    { name: 'AES-GCM', iv: makeNonce(k.salt, ctr), additionalData: concat(header, metadata), tagLength: NT * 8 },
    k.key,
    plaintext,
  );
  return { header, ciphertext: new Uint8Array(ct) };
}

/** RFC form: header || ciphertext. */
export async function encrypt(
  k: SFrameKey,
  ctr: bigint,
  metadata: Uint8Array<ArrayBuffer>,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<Bytes> {
  const { header, ciphertext } = await seal(k, ctr, metadata, plaintext);
  return concat(header, ciphertext);
}

/** Decrypts ciphertext (tag included) whose header bytes and parsed CTR are given; rejects on
 * any authentication failure. */
export async function open(
  k: SFrameKey,
  header: Uint8Array,
  ctr: bigint,
  metadata: Uint8Array,
  ciphertext: Uint8Array<ArrayBuffer>,
): Promise<ArrayBuffer> {
  if (k.use !== 'decrypt') throw new TypeError('key is for encryption only');
  if (ciphertext.length < NT) throw new RangeError('ciphertext shorter than the tag');
  return subtle().decrypt(
    { name: 'AES-GCM', iv: makeNonce(k.salt, ctr), additionalData: concat(header, metadata), tagLength: NT * 8 },
    k.key,
    ciphertext,
  );
}

/** RFC form of decrypt(metadata, sframe_ciphertext). The key must match the header's KID. */
export async function decrypt(k: SFrameKey, metadata: Uint8Array, sframeCiphertext: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  const h = decodeHeader(sframeCiphertext);
  if (!h) throw new RangeError('malformed SFrame header');
  if (h.kid !== k.kid) throw new RangeError('KID does not match the key');
  return open(k, sframeCiphertext.subarray(0, h.length), h.ctr, metadata, sframeCiphertext.subarray(h.length));
}
