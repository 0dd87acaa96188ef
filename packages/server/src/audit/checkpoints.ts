import { createHash, createPublicKey, verify as ecdsaVerify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../security/CertificateSigner.js';

/**
 * Signed checkpoints of the audit chain's head (H2). The chain and its MACs show edits in the
 * middle, but not that the newest entries, or all of them, were deleted: a shorter chain is still
 * a valid chain. A checkpoint records, outside the database, how long the chain was and what its
 * head was, signed with the server's ECDSA P-256 key (CRYPTREC, D5; the deletion-certificate key,
 * data/keys/certificates.pem). ECDSA rather than an HMAC: anyone holding the public key can check
 * the file, or a copy sent to syslog, without a secret that would also let them forge one.
 *
 * One JSON line per checkpoint, appended (O_APPEND) and fsync'd to <dataDir>/audit/checkpoints.log.
 * Each line carries its number `n` (1, 2, …) and `prev`, the SHA-256 of the line before it, so
 * lines cannot be removed from the middle or reordered without breaking the sequence.
 */
export const CHECKPOINT_TYPE = 'kaigi-audit-checkpoint';
export const CHECKPOINT_VERSION = 1;
/** `prev` of the first checkpoint (written out, not imported: AuditLog imports this module). */
export const FIRST_PREV = '0'.repeat(64);

/** Why a checkpoint was written (see AuditLog's anchoring rule). */
export type CheckpointReason = 'start' | 'count' | 'interval' | 'prompt' | 'shutdown' | 'cli';

/** How often the writer promised to checkpoint; verify holds the entries after the last one to it. */
export interface CheckpointRule {
  entries: number;
  seconds: number;
}

export interface Checkpoint {
  type: typeof CHECKPOINT_TYPE;
  version: typeof CHECKPOINT_VERSION;
  n: number;
  /** The chain's length (its head's seq) when the checkpoint was written; 0 for an empty chain. */
  entries: number;
  /** The head entry's hash, GENESIS_HASH (64 zeros) for an empty chain. */
  head: string;
  at: string;
  reason: CheckpointReason;
  every: CheckpointRule;
  /** SHA-256 (hex) of the previous line as written, FIRST_PREV for the first. */
  prev: string;
  /** base64 DER ECDSA-SHA256 over canonicalJson of every other field. */
  signature: string;
}

export const defaultCheckpointPath = (dataDir: string): string => path.join(dataDir, 'audit', 'checkpoints.log');

export const lineHash = (line: string): string => createHash('sha256').update(line, 'utf8').digest('hex');

/** The fields in a fixed order, so that a line's text (and so `prev`) does not depend on who wrote it. */
export function checkpointLine(c: Checkpoint): string {
  const { type, version, n, entries, head, at, reason, every, prev, signature } = c;
  return JSON.stringify({ type, version, n, entries, head, at, reason, every: { entries: every.entries, seconds: every.seconds }, prev, signature });
}

/** The file's lines, or null when it does not exist. A final line without its newline is kept (a torn write shows as unreadable). */
export function readCheckpointLines(file: string): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Appends one line and waits until it is on disk; creates the folder and file (0600) on first use. */
export function appendCheckpointLine(file: string, line: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, `${line}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const REASONS: readonly string[] = ['start', 'count', 'interval', 'prompt', 'shutdown', 'cli'];
const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The line's fields if it has exactly the checkpoint's shape, else why not. */
function parseCheckpoint(line: string): Checkpoint | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON (a torn or edited line)';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const c = v as Record<string, unknown>;
  const keys = ['type', 'version', 'n', 'entries', 'head', 'at', 'reason', 'every', 'prev', 'signature'];
  if (Object.keys(c).length !== keys.length || !keys.every((k) => k in c)) return 'its fields are not those of a checkpoint';
  if (c.type !== CHECKPOINT_TYPE || c.version !== CHECKPOINT_VERSION) return `not a ${CHECKPOINT_TYPE} version ${CHECKPOINT_VERSION}`;
  const every = c.every as Record<string, unknown> | null;
  const ok =
    posInt(c.n) &&
    posInt(c.entries) &&
    typeof c.head === 'string' &&
    HEX64.test(c.head) &&
    typeof c.at === 'string' &&
    typeof c.reason === 'string' &&
    REASONS.includes(c.reason) &&
    typeof every === 'object' &&
    every !== null &&
    Object.keys(every).length === 2 &&
    posInt(every.entries) &&
    posInt(every.seconds) &&
    typeof c.prev === 'string' &&
    HEX64.test(c.prev) &&
    typeof c.signature === 'string';
  return ok ? (c as unknown as Checkpoint) : 'a field has the wrong type';
}

export function signedPart(c: Checkpoint | Omit<Checkpoint, 'signature'>): Omit<Checkpoint, 'signature'> {
  const { signature: _omit, ...rest } = c as Checkpoint;
  return rest;
}

export type CheckpointsVerdict = { ok: true; checkpoints: Checkpoint[] } | { ok: false; line: number; reason: string };

/**
 * Checks every line: its shape, its signature under publicKeyPem, its number (1, 2, … with no
 * gap) and its link to the line before. A checkpoint may never record a shorter chain than the
 * one before it, nor another head at the same length: either means the log was cut back between.
 */
export function verifyCheckpoints(lines: readonly string[], publicKeyPem: string): CheckpointsVerdict {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    return { ok: false, line: 0, reason: 'the public key cannot be read' };
  }
  const out: Checkpoint[] = [];
  let prev = FIRST_PREV;
  for (const [i, line] of lines.entries()) {
    const bad = (reason: string): CheckpointsVerdict => ({ ok: false, line: i + 1, reason });
    const c = parseCheckpoint(line);
    if (typeof c === 'string') return bad(c);
    const sig = Buffer.from(c.signature, 'base64');
    let valid: boolean;
    try {
      valid = sig.length > 0 && ecdsaVerify('sha256', Buffer.from(canonicalJson(signedPart(c)), 'utf8'), key, sig);
    } catch {
      valid = false;
    }
    if (!valid) return bad(`checkpoint ${c.n}: the signature does not match (forged or edited, or signed by another key)`);
    if (c.n !== i + 1) return bad(`checkpoint ${c.n} stands where checkpoint ${i + 1} should (checkpoints were removed or reordered)`);
    if (c.prev !== prev) return bad(`checkpoint ${c.n} does not link to the line before it (checkpoints were removed or replaced)`);
    const before = out[out.length - 1];
    if (before && c.entries < before.entries) {
      return bad(`checkpoint ${c.n} records ${c.entries} entries, checkpoint ${before.n} had ${before.entries}: the audit log was cut back between them`);
    }
    if (before && c.entries === before.entries && c.head !== before.head) {
      return bad(`checkpoint ${c.n} records another head at ${c.entries} entries than checkpoint ${before.n}: the audit log was rewritten between them`);
    }
    out.push(c);
    prev = lineHash(line);
  }
  return { ok: true, checkpoints: out };
}
