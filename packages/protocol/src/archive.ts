// Kaigi export archive (E5): one file holding a meeting's data (chat, files, recordings,
// attendance, audit entries), encrypted with a passphrase. The Kaigi CLI (Node 20) and the
// browser open it with the same code: WebCrypto only (globalThis.crypto.subtle), no Node APIs.
//
// File layout (all integers big-endian):
//
//   offset  size  field
//   0       8     magic "KAIGIARC" (ASCII)
//   8       1     format version, 1
//   9       16    salt, random
//   25      4     PBKDF2 iteration count (u32; 600 000 by default; an opener accepts
//                 100 000 … 10 000 000)
//   29      12    AES-GCM nonce, random
//   41      n+16  AES-256-GCM ciphertext of the payload followed by its 128-bit tag
//
// Key: PBKDF2-HMAC-SHA256(passphrase as UTF-8 of its NFC form, salt, iterations) → 256-bit
// AES-GCM key (non-extractable). Additional authenticated data: the 41 header bytes, so the
// magic, version, salt, iteration count and nonce cannot be changed without the tag failing.
// A fresh salt and nonce are drawn for every archive, so a key and nonce pair is never reused.
//
// Payload (the plaintext):
//
//   offset  size  field
//   0       4     m, length in bytes of the manifest (u32)
//   4       m     manifest: UTF-8 JSON
//                 {"version":1,"meetingId":…,"title":…,"createdAt":…,
//                  "entries":[{"name":…,"size":…,"sha256":…,"kind":…}, …]}
//                 size in bytes; sha256 as 64 lower-case hex digits of the entry's bytes
//   4+m     …     the entries' bytes, concatenated in manifest order, nothing between them;
//                 the sizes add up to exactly the rest of the payload
//
// Entry names are bare file names, safe to write into a folder on any common system: 1 to 200
// UTF-16 code units, NFC, no "/" "\" ":", no "..", not ".", no control, zero-width or bidi
// override characters, no leading or trailing space, and unique ignoring case. Kinds are short
// labels ("chat", "file", "recording", "attendance", "audit", …) of letters, digits, . _ - /.
//
// Opening a hostile file does bounded work: the iteration count is range-checked before any key
// derivation, the sizes in the manifest must add up to the bytes actually present, and the
// number of entries and the manifest's length are capped.

import { plain, sha256Hex, subtle } from './webcrypto.js';

export const ARCHIVE_MAGIC = 'KAIGIARC';
export const ARCHIVE_VERSION = 1;

export const ARCHIVE_LIMITS = {
  defaultIterations: 600_000,
  minIterations: 100_000,
  maxIterations: 10_000_000,
  /** Sealing refuses shorter passphrases (counted in Unicode code points, after NFC). */
  passphraseMin: 12,
  passphraseMax: 1024,
  entryNameMax: 200,
  entryKindMax: 64,
  maxEntries: 10_000,
  maxManifestBytes: 8 * 1024 * 1024,
  /** Largest archive file: one AES-GCM call over the whole payload must stay within what WebCrypto takes. */
  maxArchiveBytes: 2 ** 31 - 1,
  meetingIdMax: 200,
  titleMax: 1000,
  createdAtMax: 64,
} as const;

const MAGIC_LEN = 8;
const SALT_LEN = 16;
const NONCE_LEN = 12;
const TAG_LEN = 16;
/** magic + version + salt + iterations + nonce */
export const ARCHIVE_HEADER_BYTES = MAGIC_LEN + 1 + SALT_LEN + 4 + NONCE_LEN; // 41
const OFF_VERSION = MAGIC_LEN;
const OFF_SALT = OFF_VERSION + 1;
const OFF_ITERATIONS = OFF_SALT + SALT_LEN;
const OFF_NONCE = OFF_ITERATIONS + 4;

export type ArchiveErrorCode =
  /** The bytes do not start with the magic. */
  | 'NOT_ARCHIVE'
  /** A format version this code does not know. */
  | 'UNSUPPORTED_VERSION'
  /** The tag did not verify (wrong passphrase, or any byte changed), or the file is truncated. */
  | 'DAMAGED'
  /** An entry's bytes do not match the SHA-256 in the manifest. */
  | 'CHECKSUM_MISMATCH'
  /** The file breaks a limit or a rule that keeps opening it safe (iteration count, entry names, sizes). */
  | 'REFUSED'
  /** Sealing: the passphrase is too short or too long. */
  | 'WEAK_PASSPHRASE'
  /** Sealing: a manifest field or an entry is not valid. */
  | 'INVALID_INPUT';

const MESSAGES: Record<ArchiveErrorCode, string> = {
  NOT_ARCHIVE: 'not a Kaigi archive',
  UNSUPPORTED_VERSION: 'unsupported version',
  DAMAGED: 'wrong passphrase or damaged archive',
  CHECKSUM_MISMATCH: 'entry checksum mismatch',
  REFUSED: 'archive refused',
  WEAK_PASSPHRASE: 'passphrase refused',
  INVALID_INPUT: 'invalid archive input',
};

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  constructor(code: ArchiveErrorCode, detail?: string) {
    // The message starts with the fixed text for the code ("not a Kaigi archive", "wrong passphrase
    // or damaged archive", …); some add why after a colon.
    super(detail ? `${MESSAGES[code]}: ${detail}` : MESSAGES[code]);
    this.name = 'ArchiveError';
    this.code = code;
  }
}

export interface ArchiveManifestInput {
  meetingId: string;
  title: string;
  createdAt: string;
}

export interface ArchiveEntryInfo {
  name: string;
  size: number;
  /** 64 lower-case hex digits */
  sha256: string;
  kind: string;
}

export interface ArchiveManifest extends ArchiveManifestInput {
  version: 1;
  entries: ArchiveEntryInfo[];
}

export interface ArchiveEntry {
  name: string;
  kind: string;
  data: Uint8Array;
}

export interface OpenedArchive {
  manifest: ArchiveManifest;
  entries: ArchiveEntry[];
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff/\\:]/u;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_TEXT_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const LONE_SURROGATE_G = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const KIND_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Why `name` cannot be an entry name, or null when it can. */
export function entryNameProblem(name: string): string | null {
  if (name.length === 0) return 'entry name is empty';
  if (name.length > ARCHIVE_LIMITS.entryNameMax) return `entry name is longer than ${ARCHIVE_LIMITS.entryNameMax} characters`;
  if (name !== name.normalize('NFC')) return 'entry name is not in Unicode NFC';
  if (FORBIDDEN_NAME_CHARS.test(name)) return 'entry name contains a path separator, ":" or a control character';
  if (name === '.' || name.includes('..')) return 'entry name contains ".."';
  if (name !== name.trim()) return 'entry name starts or ends with white space';
  if (new RegExp(LONE_SURROGATE_G.source).test(name)) return 'entry name contains a lone surrogate';
  return null;
}

/**
 * Turns any file name (for example one a participant uploaded) into a valid entry name: NFC,
 * forbidden characters replaced by "_", ".." collapsed, cut to the length limit. Callers still
 * make names unique.
 */
export function toEntryName(raw: string, fallback = 'entry'): string {
  let s = raw
    .replace(LONE_SURROGATE_G, '\uFFFD')
    .normalize('NFC')
    .replace(new RegExp(FORBIDDEN_NAME_CHARS.source, 'gu'), '_');
  while (s.includes('..')) s = s.replace(/\.\.+/g, '.');
  s = s.trim();
  if (s.length > ARCHIVE_LIMITS.entryNameMax) {
    s = s.slice(0, ARCHIVE_LIMITS.entryNameMax);
    if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
    s = s.trim();
  }
  if (s === '' || s === '.') s = fallback;
  return s;
}

function textProblem(field: string, value: unknown, max: number, forbidden: RegExp): string | null {
  if (typeof value !== 'string') return `${field} is not a string`;
  if (value.length > max) return `${field} is longer than ${max} characters`;
  if (forbidden.test(value)) return `${field} contains control characters`;
  return null;
}

function kindProblem(kind: unknown): string | null {
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > ARCHIVE_LIMITS.entryKindMax || !KIND_RE.test(kind)) {
    return `entry kind must be 1 to ${ARCHIVE_LIMITS.entryKindMax} letters, digits or . _ - /`;
  }
  return null;
}

function manifestFieldsProblem(m: { meetingId: unknown; title: unknown; createdAt: unknown }): string | null {
  return (
    textProblem('meetingId', m.meetingId, ARCHIVE_LIMITS.meetingIdMax, FORBIDDEN_TEXT_CHARS) ??
    textProblem('title', m.title, ARCHIVE_LIMITS.titleMax, FORBIDDEN_TEXT_CHARS) ??
    textProblem('createdAt', m.createdAt, ARCHIVE_LIMITS.createdAtMax, FORBIDDEN_TEXT_CHARS)
  );
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

async function deriveKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const s = subtle();
  const base = await s.importKey('raw', new TextEncoder().encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return s.deriveKey(
    { name: 'PBKDF2', salt, iterations, hash: 'SHA-256' },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * Seals `entries` into one archive encrypted with `passphrase` (at least 12 characters).
 * Throws ArchiveError (WEAK_PASSPHRASE, INVALID_INPUT) on bad input.
 */
export async function sealArchive(
  passphrase: string,
  manifest: ArchiveManifestInput,
  entries: ArchiveEntry[],
  opts?: { iterations?: number },
): Promise<Uint8Array> {
  const iterations = opts?.iterations ?? ARCHIVE_LIMITS.defaultIterations;
  if (!Number.isInteger(iterations) || iterations < ARCHIVE_LIMITS.minIterations || iterations > ARCHIVE_LIMITS.maxIterations) {
    throw new ArchiveError(
      'INVALID_INPUT',
      `iteration count must be between ${ARCHIVE_LIMITS.minIterations} and ${ARCHIVE_LIMITS.maxIterations}`,
    );
  }
  const pLen = codePoints(passphrase.normalize('NFC'));
  if (pLen < ARCHIVE_LIMITS.passphraseMin) {
    throw new ArchiveError('WEAK_PASSPHRASE', `the passphrase must be at least ${ARCHIVE_LIMITS.passphraseMin} characters`);
  }
  if (pLen > ARCHIVE_LIMITS.passphraseMax) {
    throw new ArchiveError('WEAK_PASSPHRASE', `the passphrase must be at most ${ARCHIVE_LIMITS.passphraseMax} characters`);
  }
  const fieldProblem = manifestFieldsProblem(manifest);
  if (fieldProblem) throw new ArchiveError('INVALID_INPUT', fieldProblem);
  if (entries.length > ARCHIVE_LIMITS.maxEntries) {
    throw new ArchiveError('INVALID_INPUT', `more than ${ARCHIVE_LIMITS.maxEntries} entries`);
  }

  const seen = new Set<string>();
  const infos: ArchiveEntryInfo[] = [];
  let dataBytes = 0;
  for (const e of entries) {
    const problem = entryNameProblem(e.name) ?? kindProblem(e.kind);
    if (problem) throw new ArchiveError('INVALID_INPUT', `${problem} (${JSON.stringify(e.name)})`);
    const folded = e.name.toLowerCase();
    if (seen.has(folded)) throw new ArchiveError('INVALID_INPUT', `two entries are named ${JSON.stringify(e.name)}`);
    seen.add(folded);
    if (!(e.data instanceof Uint8Array)) throw new ArchiveError('INVALID_INPUT', `entry ${JSON.stringify(e.name)} has no bytes`);
    dataBytes += e.data.byteLength;
    infos.push({ name: e.name, size: e.data.byteLength, sha256: await sha256Hex(e.data), kind: e.kind });
  }
  const full: ArchiveManifest = {
    version: 1,
    meetingId: manifest.meetingId,
    title: manifest.title,
    createdAt: manifest.createdAt,
    entries: infos,
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(full));
  if (manifestBytes.byteLength > ARCHIVE_LIMITS.maxManifestBytes) throw new ArchiveError('INVALID_INPUT', 'the manifest is too large');
  const payloadLen = 4 + manifestBytes.byteLength + dataBytes;
  if (ARCHIVE_HEADER_BYTES + payloadLen + TAG_LEN > ARCHIVE_LIMITS.maxArchiveBytes) {
    throw new ArchiveError('INVALID_INPUT', `the archive would be larger than ${ARCHIVE_LIMITS.maxArchiveBytes} bytes`);
  }

  const payload = new Uint8Array(payloadLen);
  new DataView(payload.buffer).setUint32(0, manifestBytes.byteLength);
  payload.set(manifestBytes, 4);
  let at = 4 + manifestBytes.byteLength;
  for (const e of entries) {
    payload.set(e.data, at);
    at += e.data.byteLength;
  }

  const header = new Uint8Array(ARCHIVE_HEADER_BYTES);
  header.set(new TextEncoder().encode(ARCHIVE_MAGIC), 0);
  header[OFF_VERSION] = ARCHIVE_VERSION;
  const salt = crypto.getRandomValues(new Uint8Array(SALT_LEN));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  header.set(salt, OFF_SALT);
  new DataView(header.buffer).setUint32(OFF_ITERATIONS, iterations);
  header.set(nonce, OFF_NONCE);

  const key = await deriveKey(passphrase, salt, iterations);
  const sealed = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: header, tagLength: 128 }, key, payload),
  );
  payload.fill(0);
  const out = new Uint8Array(ARCHIVE_HEADER_BYTES + sealed.byteLength);
  out.set(header, 0);
  out.set(sealed, ARCHIVE_HEADER_BYTES);
  return out;
}

/** What the header says, without the passphrase: for a quick "is this an archive" check. */
export function readArchiveHeader(bytes: Uint8Array): { version: number; iterations: number } {
  if (bytes.byteLength < MAGIC_LEN) throw new ArchiveError('NOT_ARCHIVE');
  for (let i = 0; i < MAGIC_LEN; i++) {
    if (bytes[i] !== ARCHIVE_MAGIC.charCodeAt(i)) throw new ArchiveError('NOT_ARCHIVE');
  }
  if (bytes.byteLength <= OFF_VERSION) throw new ArchiveError('DAMAGED');
  const version = bytes[OFF_VERSION] ?? 0;
  if (version !== ARCHIVE_VERSION) throw new ArchiveError('UNSUPPORTED_VERSION');
  if (bytes.byteLength < ARCHIVE_HEADER_BYTES + TAG_LEN) throw new ArchiveError('DAMAGED');
  const iterations = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(OFF_ITERATIONS);
  return { version, iterations };
}

function parseManifest(bytes: Uint8Array): ArchiveManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ArchiveError('REFUSED', 'the manifest is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ArchiveError('REFUSED', 'the manifest is not an object');
  const m = raw as Record<string, unknown>;
  if (m.version !== 1) throw new ArchiveError('UNSUPPORTED_VERSION');
  const fieldProblem = manifestFieldsProblem({ meetingId: m.meetingId, title: m.title, createdAt: m.createdAt });
  if (fieldProblem) throw new ArchiveError('REFUSED', fieldProblem);
  if (!Array.isArray(m.entries)) throw new ArchiveError('REFUSED', 'the manifest has no entry list');
  if (m.entries.length > ARCHIVE_LIMITS.maxEntries) throw new ArchiveError('REFUSED', `more than ${ARCHIVE_LIMITS.maxEntries} entries`);
  const seen = new Set<string>();
  const entries: ArchiveEntryInfo[] = [];
  for (const item of m.entries as unknown[]) {
    if (typeof item !== 'object' || item === null) throw new ArchiveError('REFUSED', 'an entry is not an object');
    const e = item as Record<string, unknown>;
    if (typeof e.name !== 'string') throw new ArchiveError('REFUSED', 'an entry has no name');
    const problem = entryNameProblem(e.name) ?? kindProblem(e.kind);
    if (problem) throw new ArchiveError('REFUSED', `${problem} (${JSON.stringify(e.name.slice(0, 300))})`);
    const folded = e.name.toLowerCase();
    if (seen.has(folded)) throw new ArchiveError('REFUSED', `two entries are named ${JSON.stringify(e.name)}`);
    seen.add(folded);
    if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) {
      throw new ArchiveError('REFUSED', `entry ${JSON.stringify(e.name)} has an invalid size`);
    }
    if (typeof e.sha256 !== 'string' || !SHA256_RE.test(e.sha256)) {
      throw new ArchiveError('REFUSED', `entry ${JSON.stringify(e.name)} has an invalid checksum`);
    }
    entries.push({ name: e.name, size: e.size, sha256: e.sha256, kind: e.kind as string });
  }
  return {
    version: 1,
    meetingId: m.meetingId as string,
    title: m.title as string,
    createdAt: m.createdAt as string,
    entries,
  };
}

/**
 * Opens an archive. Throws ArchiveError: NOT_ARCHIVE, UNSUPPORTED_VERSION, DAMAGED (wrong
 * passphrase, changed or truncated file), CHECKSUM_MISMATCH, or REFUSED (a limit or safety rule).
 * Every returned entry name is a bare file name that is safe to join to a folder.
 */
export async function openArchive(passphrase: string, bytes: Uint8Array): Promise<OpenedArchive> {
  if (!(bytes instanceof Uint8Array)) throw new ArchiveError('NOT_ARCHIVE');
  const { iterations } = readArchiveHeader(bytes);
  if (iterations < ARCHIVE_LIMITS.minIterations || iterations > ARCHIVE_LIMITS.maxIterations) {
    throw new ArchiveError(
      'REFUSED',
      `iteration count ${iterations} is outside ${ARCHIVE_LIMITS.minIterations}–${ARCHIVE_LIMITS.maxIterations}`,
    );
  }
  if (bytes.byteLength > ARCHIVE_LIMITS.maxArchiveBytes) {
    throw new ArchiveError('REFUSED', `the file is larger than ${ARCHIVE_LIMITS.maxArchiveBytes} bytes`);
  }
  const header = bytes.slice(0, ARCHIVE_HEADER_BYTES);
  const salt = bytes.slice(OFF_SALT, OFF_SALT + SALT_LEN);
  const nonce = bytes.slice(OFF_NONCE, OFF_NONCE + NONCE_LEN);
  const key = await deriveKey(passphrase, salt, iterations);
  let payload: Uint8Array;
  try {
    payload = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: header, tagLength: 128 },
        key,
        plain(bytes.subarray(ARCHIVE_HEADER_BYTES)),
      ),
    );
  } catch {
    throw new ArchiveError('DAMAGED');
  }

  if (payload.byteLength < 4) throw new ArchiveError('REFUSED', 'the payload is too short');
  const manifestLen = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
  if (manifestLen > ARCHIVE_LIMITS.maxManifestBytes || manifestLen > payload.byteLength - 4) {
    throw new ArchiveError('REFUSED', 'the manifest length is invalid');
  }
  const manifest = parseManifest(payload.subarray(4, 4 + manifestLen));
  let total = 0;
  for (const e of manifest.entries) total += e.size;
  if (total !== payload.byteLength - 4 - manifestLen) {
    throw new ArchiveError('REFUSED', 'the entry sizes do not add up to the archive contents');
  }

  const entries: ArchiveEntry[] = [];
  let at = 4 + manifestLen;
  for (const info of manifest.entries) {
    const data = payload.subarray(at, at + info.size);
    at += info.size;
    if ((await sha256Hex(data)) !== info.sha256) {
      throw new ArchiveError('CHECKSUM_MISMATCH', `entry ${JSON.stringify(info.name)}`);
    }
    entries.push({ name: info.name, kind: info.kind, data });
  }
  return { manifest, entries };
}
