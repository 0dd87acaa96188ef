import { createHash } from 'node:crypto';
import type { AuditKind } from '@kaigi/protocol';
import type { Database } from '../storage/Database.js';
import { nowIso } from '../storage/Database.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: string;
  meetingId: string | null;
  kind: string;
  actor: string;
  data: string;
  prevHash: string;
  hash: string;
}

/** The hash of an entry covers every field but itself, and the previous entry's hash. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([e.seq, e.at, e.meetingId, e.kind, e.actor, e.data, e.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface AuditRecord {
  kind: AuditKind;
  /** Who did it: a user ID, a participant ID, `address:<ip>`, or `system`. */
  actor: string;
  meetingId?: string | null;
  /** Never keys, passwords, tokens or message content. */
  data?: Record<string, unknown>;
}

/**
 * Append-only, hash-chained log (H2). Appends run one at a time inside a transaction that reads
 * the chain's tail, so the chain stays linear across restarts.
 */
export class AuditLog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Database) {}

  append(rec: AuditRecord): Promise<AuditEntry> {
    const run = this.queue.then(() => this.write(rec));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(rec: AuditRecord): Promise<AuditEntry> {
    return this.db.transaction().execute(async (trx) => {
      const tail = await trx
        .selectFrom('audit_log')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const partial = {
        seq: (tail?.seq ?? 0) + 1,
        at: nowIso(),
        meetingId: rec.meetingId ?? null,
        kind: rec.kind,
        actor: rec.actor,
        data: JSON.stringify(rec.data ?? {}),
        prevHash: tail?.hash ?? GENESIS_HASH,
      };
      const entry: AuditEntry = { ...partial, hash: entryHash(partial) };
      await trx
        .insertInto('audit_log')
        .values({
          seq: entry.seq,
          at: entry.at,
          meeting_id: entry.meetingId,
          kind: entry.kind,
          actor: entry.actor,
          data: entry.data,
          prev_hash: entry.prevHash,
          hash: entry.hash,
        })
        .execute();
      return entry;
    });
  }

  async entries(filter: { meetingId?: string } = {}): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('seq');
    if (filter.meetingId) q = q.where('meeting_id', '=', filter.meetingId);
    const rows = await q.execute();
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      meetingId: r.meeting_id,
      kind: r.kind,
      actor: r.actor,
      data: r.data,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** Waits for appends already queued (tests, shutdown). */
  async flush(): Promise<void> {
    await this.queue;
  }
}
