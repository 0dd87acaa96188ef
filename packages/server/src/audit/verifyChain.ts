import { timingSafeEqual } from 'node:crypto';
import { AuditKind } from '@kaigi/protocol';
import { contentHashOf, entryHash, entryMac, GENESIS_HASH, REDACTABLE_KINDS, REDACTED_ACTOR, REDACTED_DATA, type AuditEntry } from './AuditLog.js';

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** How many entries an audited redaction (object.deleted of kind 'waiting') says it redacted. */
function redactionCount(e: AuditEntry): number | null {
  if (e.kind !== AuditKind.OBJECT_DELETED) return null;
  try {
    const d = JSON.parse(e.data) as { kind?: unknown; entries?: unknown };
    return d.kind === 'waiting' && typeof d.entries === 'number' && Number.isInteger(d.entries) ? d.entries : null;
  } catch {
    return null;
  }
}

/**
 * Walks the chain from the genesis and names the first entry that does not fit. Each entry's
 * MAC must match its hash (else it was re-hashed without the audit key), its hash its fields,
 * and, for v2 entries, its content hash its actor and data. A redacted entry (E4) must be a
 * waiting-room record holding exactly the redaction marker, and every redacted entry of a
 * meeting must be accounted for by an audited redaction that follows it: marking an entry
 * redacted cannot hide what it said.
 */
export function verifyChain(entries: readonly AuditEntry[], macKey: Buffer): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  const broken = (seq: number, reason: string): ChainVerdict => ({ ok: false, entries: entries.length, brokenAt: seq, reason });
  /** Per meeting: redacted entries seen, redactions audited, and the last redacted entry. */
  const tally = new Map<string, { redacted: number; audited: number; last: number }>();
  const of = (meetingId: string) => {
    let t = tally.get(meetingId);
    if (!t) tally.set(meetingId, (t = { redacted: 0, audited: 0, last: 0 }));
    return t;
  };
  for (const e of entries) {
    if (e.seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing (next present is ${e.seq})`);
    if (e.prevHash !== prev) return broken(e.seq, `entry ${e.seq} does not link to entry ${e.seq - 1} (removed or reordered entries)`);
    if (!sameHex(entryMac(macKey, e.hash), e.mac)) return broken(e.seq, `entry ${e.seq} was re-hashed without the audit key (its MAC does not match)`);
    if (entryHash(e) !== e.hash) return broken(e.seq, `entry ${e.seq} was edited (its hash does not match its content)`);
    if (typeof e.contentHash === 'string') {
      if (!e.redactedAt) {
        if (contentHashOf(e.actor, e.data) !== e.contentHash) return broken(e.seq, `entry ${e.seq} was edited (its actor or data do not match its content hash)`);
      } else {
        if (!REDACTABLE_KINDS.includes(e.kind) || e.meetingId === null || e.actor !== REDACTED_ACTOR || e.data !== REDACTED_DATA) {
          return broken(e.seq, `entry ${e.seq} was edited (marked redacted, but it is not a redacted waiting-room record)`);
        }
        const t = of(e.meetingId);
        t.redacted++;
        t.last = e.seq;
      }
    }
    const count = e.meetingId === null ? null : redactionCount(e);
    if (count !== null && e.meetingId !== null) {
      const t = of(e.meetingId);
      t.audited += count;
      if (t.audited > t.redacted) return broken(e.seq, `entry ${e.seq} records more redacted entries than precede it (redacted entries were restored)`);
    }
    prev = e.hash;
    expectedSeq++;
  }
  for (const [meetingId, t] of tally) {
    if (t.redacted > t.audited) {
      const why = `${t.redacted} entries of meeting ${meetingId} are marked redacted, audited redactions account for ${t.audited}`;
      return broken(t.last, `entry ${t.last} or an earlier one was edited (${why})`);
    }
  }
  return { ok: true, entries: entries.length, head: prev };
}
