import { entryHash, GENESIS_HASH, type AuditEntry } from './AuditLog.js';

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/** Walks the chain from the genesis and names the first entry that does not fit. */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of entries) {
    if (e.seq !== expectedSeq) {
      return { ok: false, entries: entries.length, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing (next present is ${e.seq})` };
    }
    if (e.prevHash !== prev) {
      return { ok: false, entries: entries.length, brokenAt: e.seq, reason: `entry ${e.seq} does not link to entry ${e.seq - 1} (removed or reordered entries)` };
    }
    if (entryHash(e) !== e.hash) {
      return { ok: false, entries: entries.length, brokenAt: e.seq, reason: `entry ${e.seq} was edited (its hash does not match its content)` };
    }
    prev = e.hash;
    expectedSeq++;
  }
  return { ok: true, entries: entries.length, head: prev };
}
