import { z } from 'zod';
import { FILE_MAX_BYTES, FileName } from '@kaigi/protocol';

// Files shared in an E2EE meeting (A4, D2). The browser encrypts each file with a fresh
// AES-256-GCM key before it leaves the page; the server stores ciphertext it cannot open. The key
// goes to the group as an MLS application message on the chat path, never to the server in the
// clear. Keys are never logged.
//
// Sealed file (version 2): 12-byte random IV, then the AES-256-GCM ciphertext with its 128-bit
// tag. The plaintext starts with a small header, the file's name: u16 big-endian length, then its
// UTF-8 bytes; the file's bytes follow. The name travels only inside the ciphertext (and in the
// MLS key message), so the server sees an opaque ID and a size, never a name (D2). The additional
// data is a fixed label naming the version, so a sealed file cannot be mistaken for another kind
// of ciphertext made with the same key (a key is used for exactly one file anyway), nor opened
// under another layout.

/** A chat plaintext starting with this is a file key, not a chat message. */
export const FILE_KEY_PREFIX = '\u0000kaigi:file:';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const NAME_LENGTH_BYTES = 2;
const AAD = new TextEncoder().encode('kaigi file v2');

/** How many bytes encryption adds to a file with this name. */
export const fileCryptoOverhead = (name: string): number => IV_BYTES + TAG_BYTES + NAME_LENGTH_BYTES + new TextEncoder().encode(name).byteLength;

/** What a member sends the group for one encrypted file. */
export const FileKey = z
  .object({
    /** The server's object ID of the uploaded ciphertext. */
    id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
    name: FileName,
    /** The raw 256-bit AES key, base64. */
    key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
    /** Plaintext size in bytes. */
    size: z.number().int().nonnegative().max(FILE_MAX_BYTES),
    /** SHA-256 of the plaintext, 64 lower-case hex digits. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type FileKey = z.infer<typeof FileKey>;

export type FileCryptoErrorCode = 'FILE_DAMAGED';

/** Decryption failed (wrong key, changed bytes) or the result is not the file the key describes. */
export class FileCryptoError extends Error {
  readonly code: FileCryptoErrorCode = 'FILE_DAMAGED';
  constructor(message: string) {
    super(message);
    this.name = 'FileCryptoError';
  }
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto is not available (a browser needs https)');
  return s;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** A view WebCrypto takes: the bytes themselves when backed by an ArrayBuffer, else a copy. */
function plain(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (data.buffer instanceof ArrayBuffer) return data as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(data.byteLength);
  out.set(data);
  return out;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await subtle().digest('SHA-256', plain(data)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function importKey(raw: Uint8Array<ArrayBuffer>, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, [usage]);
}

export interface SealedFile {
  /** IV followed by the ciphertext and tag: what is uploaded. */
  sealed: Uint8Array<ArrayBuffer>;
  /** The fresh key, base64: shared with the group only. */
  key: string;
  /** SHA-256 of the plaintext. */
  sha256: string;
}

/** The plaintext that is sealed: the name header, then the file. */
function withNameHeader(name: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const encodedName = new TextEncoder().encode(FileName.parse(name));
  const out = new Uint8Array(NAME_LENGTH_BYTES + encodedName.byteLength + data.byteLength);
  new DataView(out.buffer).setUint16(0, encodedName.byteLength);
  out.set(encodedName, NAME_LENGTH_BYTES);
  out.set(data, NAME_LENGTH_BYTES + encodedName.byteLength);
  return out;
}

/** Encrypts a file, its name inside, under a fresh random key. */
export async function encryptFile(name: string, data: Uint8Array): Promise<SealedFile> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await importKey(raw, 'encrypt');
  const encoded = toBase64(raw);
  raw.fill(0);
  const inner = withNameHeader(name, data);
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: AAD, tagLength: 128 }, key, inner));
  inner.fill(0);
  const sealed = new Uint8Array(IV_BYTES + ct.byteLength);
  sealed.set(iv, 0);
  sealed.set(ct, IV_BYTES);
  return { sealed, key: encoded, sha256: await sha256Hex(data) };
}

/** A file as its sender sealed it: the name it carries inside and its bytes. */
export interface OpenedFile {
  name: string;
  data: Uint8Array<ArrayBuffer>;
}

/** Splits the decrypted plaintext into the name header and the file. */
function splitNameHeader(inner: Uint8Array<ArrayBuffer>): OpenedFile {
  if (inner.byteLength < NAME_LENGTH_BYTES) throw new FileCryptoError('the file has no name header');
  const length = new DataView(inner.buffer, inner.byteOffset).getUint16(0);
  if (inner.byteLength < NAME_LENGTH_BYTES + length) throw new FileCryptoError('the name header is cut short');
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(inner.subarray(NAME_LENGTH_BYTES, NAME_LENGTH_BYTES + length));
  } catch {
    throw new FileCryptoError('the name is not UTF-8');
  }
  const parsed = FileName.safeParse(name);
  if (!parsed.success || parsed.data !== name) throw new FileCryptoError('the name is not allowed');
  return { name, data: inner.slice(NAME_LENGTH_BYTES + length) };
}

/** Decrypts a sealed file; throws FileCryptoError when the key is wrong or any byte changed. */
export async function decryptFile(sealed: Uint8Array, keyBase64: string): Promise<OpenedFile> {
  if (sealed.byteLength < IV_BYTES + TAG_BYTES) throw new FileCryptoError('the file is too short');
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(keyBase64);
  } catch {
    throw new FileCryptoError('the key is not base64');
  }
  if (raw.byteLength !== 32) throw new FileCryptoError('the key is not 256 bits');
  const key = await importKey(raw, 'decrypt');
  raw.fill(0);
  const bytes = plain(sealed);
  let inner: Uint8Array<ArrayBuffer>;
  try {
    inner = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: AAD, tagLength: 128 },
        key,
        bytes.subarray(IV_BYTES),
      ),
    );
  } catch {
    throw new FileCryptoError('the file does not decrypt with this key');
  }
  return splitNameHeader(inner);
}

/**
 * Decrypts a shared file and checks it is the one the key message describes: size, SHA-256 and
 * the name sealed inside.
 */
export async function openSharedFile(sealed: Uint8Array, fileKey: FileKey): Promise<OpenedFile> {
  const opened = await decryptFile(sealed, fileKey.key);
  if (opened.name !== fileKey.name || opened.data.byteLength !== fileKey.size || (await sha256Hex(opened.data)) !== fileKey.sha256) {
    throw new FileCryptoError('the file is not the one the key was shared for');
  }
  return opened;
}

/** The chat plaintext that carries a file key to the group. */
export function encodeFileKey(k: FileKey): string {
  return FILE_KEY_PREFIX + JSON.stringify(FileKey.parse(k));
}

export function isFileKeyText(text: string): boolean {
  return text.startsWith(FILE_KEY_PREFIX);
}

/** The file key in a chat plaintext, or null when it is not exactly a valid one. */
export function parseFileKey(text: string): FileKey | null {
  if (!isFileKeyText(text)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(FILE_KEY_PREFIX.length));
  } catch {
    return null;
  }
  const r = FileKey.safeParse(raw);
  return r.success ? r.data : null;
}
