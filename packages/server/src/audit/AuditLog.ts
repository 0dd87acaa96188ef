import { createHash, createHmac } from 'node:crypto';
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
  mac: string;
}

/** The hash of an entry covers every field but itself, and the previous entry's hash. */
export function entryHash(e: Omit<AuditEntry, 'hash' | 'mac'>): string {
  const canonical = JSON.stringify([e.seq, e.at, e.meetingId, e.kind, e.actor, e.data, e.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The chain alone cannot show that its newest entries were edited and re-hashed; the MAC under
 * a key kept apart from the database (data/keys/audit.key) can.
 */
export const entryMac = (key: Buffer, hash: string): string => createHmac('sha256', key).update(hash).digest('hex');

export interface AuditRecord {
  kind: AuditKind;
  /** Who did it: a user ID, a participant ID, `address:<ip>`, or `system`/`cli`. */
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

  constructor(
    private readonly db: Database,
    private readonly macKey: Buffer,
  ) {}

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
      const hash = entryHash(partial);
      const entry: AuditEntry = { ...partial, hash, mac: entryMac(this.macKey, hash) };
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
          mac: entry.mac,
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
      mac: r.mac,
    }));
  }

  /** Waits for appends already queued (tests, shutdown). */
  async flush(): Promise<void> {
    await this.queue;
  }
}
