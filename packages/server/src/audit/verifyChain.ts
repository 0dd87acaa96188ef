import { timingSafeEqual } from 'node:crypto';
import { entryHash, entryMac, GENESIS_HASH, type AuditEntry } from './AuditLog.js';

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Walks the chain from the genesis and names the first entry that does not fit. */
export function verifyChain(entries: readonly AuditEntry[], macKey: Buffer): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  const broken = (seq: number, reason: string): ChainVerdict => ({ ok: false, entries: entries.length, brokenAt: seq, reason });
  for (const e of entries) {
    if (e.seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing (next present is ${e.seq})`);
    if (e.prevHash !== prev) return broken(e.seq, `entry ${e.seq} does not link to entry ${e.seq - 1} (removed or reordered entries)`);
    if (entryHash(e) !== e.hash) return broken(e.seq, `entry ${e.seq} was edited (its hash does not match its content)`);
    if (!sameHex(entryMac(macKey, e.hash), e.mac)) return broken(e.seq, `entry ${e.seq} was re-hashed without the audit key (its MAC does not match)`);
    prev = e.hash;
    expectedSeq++;
  }
  return { ok: true, entries: entries.length, head: prev };
}
