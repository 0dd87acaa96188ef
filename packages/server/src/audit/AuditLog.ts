import { createHash, createHmac } from 'node:crypto';
import { AuditKind } from '@kaigi/protocol';
import { sql } from 'kysely';
import type { Checkpointer } from './Checkpointer.js';
import type { Checkpoint, CheckpointReason } from './checkpoints.js';
import type { Database } from '../storage/Database.js';
import { nowIso } from '../storage/Database.js';

export const GENESIS_HASH = '0'.repeat(64);

/** What a redacted entry holds in place of its actor and data. */
export const REDACTED_ACTOR = 'redacted';
export const REDACTED_DATA = JSON.stringify({ redacted: 'retention' });

/** Waiting-room records (E4): the only kinds whose actor and data are ever redacted. */
export const REDACTABLE_KINDS: readonly string[] = [AuditKind.WAITING, AuditKind.DENIED, AuditKind.SENT_TO_WAITING];

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
  /** SHA-256 of [actor, data] (v2 entries); null or absent for v1 entries. */
  contentHash?: string | null;
  /** Set when actor and data were redacted at the end of their retention. */
  redactedAt?: string | null;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** SHA-256 (hex) of JSON [actor, data]: what a v2 entry's hash covers in place of both. */
export const contentHashOf = (actor: string, data: string): string => sha256(JSON.stringify([actor, data]));

/**
 * The hash of an entry covers every field but itself, and the previous entry's hash.
 * v2 (contentHash present): SHA-256 of JSON [seq, at, meetingId, kind, contentHash, prevHash];
 * actor and data are bound through contentHash, so they can be redacted without breaking the chain.
 * v1 (written before contentHash existed): SHA-256 of JSON [seq, at, meetingId, kind, actor, data, prevHash].
 */
export function entryHash(e: Omit<AuditEntry, 'hash' | 'mac'>): string {
  const canonical =
    typeof e.contentHash === 'string'
      ? JSON.stringify([e.seq, e.at, e.meetingId, e.kind, e.contentHash, e.prevHash])
      : JSON.stringify([e.seq, e.at, e.meetingId, e.kind, e.actor, e.data, e.prevHash]);
  return sha256(canonical);
}

/**
 * The chain alone cannot show that its newest entries were edited and re-hashed; the MAC under
 * a key kept apart from the database (data/keys/audit.key) can.
 */
export const entryMac = (key: Buffer, hash: string): string => createHmac('sha256', key).update(hash).digest('hex');

/**
 * A write that changes nothing takes SQLite's write lock for the rest of the transaction: no
 * process appends, numbers a checkpoint, or is half way through either, until it ends.
 */
async function takeWriteLock(trx: Database): Promise<void> {
  await sql`update audit_log set seq = seq where 0`.execute(trx);
}

export interface AuditRecord {
  kind: AuditKind;
  /** Who did it: a user ID, a participant ID, `address:<ip>`, or `system`/`cli`. */
  actor: string;
  meetingId?: string | null;
  /** Never keys, passwords, tokens or message content. */
  data?: Record<string, unknown>;
}

/** An entry whose actor and data a redaction replaced. */
export interface RedactedEntry {
  seq: number;
  at: string;
  kind: string;
  contentHash: string;
}

/** Meetings with waiting-room records not yet redacted, and the span of their times. */
export interface PendingRedaction {
  meetingId: string;
  firstAt: string;
  lastAt: string;
}

/**
 * Append-only, hash-chained log (H2). Appends run one at a time inside a transaction that reads
 * the chain's tail, so the chain stays linear across restarts. The one change ever made to a
 * written entry is redact(): at the end of their retention the actor and data of waiting-room
 * records are replaced, which their hash (over the content hash) survives.
 *
 * With a Checkpointer, the head is also anchored outside the database (checkpoints.ts), so that
 * deleting the newest entries, or all of them, is detected too (H2).
 */
export class AuditLog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly macKey: Buffer,
    private readonly anchor: Checkpointer | null = null,
    /** Failures of background work (checkpoints, `record`): logged by the caller, never swallowed. */
    private readonly onBackgroundError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * The audit rule (H2, docs/lifecycle.md): `append` and await it where the order is a security
   * property (a ban is persisted and audited before the removed person is told); everywhere else
   * `record`, which writes in the background, in the same order, and reports a failure to the
   * logger given at construction. A write is never swallowed.
   */
  record(rec: AuditRecord): void {
    this.append(rec).catch(this.onBackgroundError);
  }

  append(rec: AuditRecord): Promise<AuditEntry> {
    return this.enqueue(async () => {
      const entry = await this.writeTx((trx) => this.write(trx, rec));
      await this.anchorAfter([entry.kind]);
      return entry;
    });
  }

  /**
   * Writes a checkpoint of the current head now (start, shutdown, the CLI), unless the last one
   * already anchors it. Resolves to the checkpoint written, or null; rejects if it could not be.
   */
  checkpoint(reason: CheckpointReason): Promise<Checkpoint | null> {
    return this.enqueue(() => this.writeTx((trx) => this.writeCheckpoint(trx, reason)));
  }

  /**
   * After the appending transaction committed, before the append resolves (a ban is anchored
   * before it is answered): a checkpoint now if the rule says so, else one within every.seconds.
   * Never before the commit: a crash between a checkpoint line and its commit would leave a
   * signed checkpoint of entries that never existed, which verify must read as a cut-back log
   * (the fault test found exactly that). A reader that comes between the commit and the line
   * sees a tail the rule does not allow yet; verify reads again (auditCommand). A failed
   * checkpoint is reported, never turned into a failed append: verify shows the missing anchor.
   */
  private async anchorAfter(kinds: readonly string[]): Promise<void> {
    if (!this.anchor || kinds.length === 0) return;
    const due = this.anchor.noteAppended(kinds);
    if (due) {
      await this.writeTx((trx) => this.writeCheckpoint(trx, due)).catch(this.onBackgroundError);
      return;
    }
    this.anchor.arm(() => void this.checkpoint('interval').catch(this.onBackgroundError));
  }

  /** trx must hold the write lock (writeTx). */
  private async writeCheckpoint(trx: Database, reason: CheckpointReason): Promise<Checkpoint | null> {
    const anchor = this.anchor;
    if (!anchor) return null;
    const tail = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return anchor.write({ entries: tail?.seq ?? 0, head: tail?.hash ?? GENESIS_HASH }, reason);
  }

  /**
   * The entries, with `alongside` (reading the checkpoint file) run under the write lock, so
   * no append or checkpoint is half done while both are read (verify, H2).
   */
  readConsistent<T>(alongside: () => T): Promise<{ entries: AuditEntry[]; alongside: T }> {
    return this.writeTx(async (trx) => {
      const got = alongside();
      return { entries: await this.entries({}, trx), alongside: got };
    });
  }

  /**
   * A transaction whose first statement takes the write lock. Taken later, after a read, SQLite
   * would refuse it at once (SQLITE_BUSY, no waiting) whenever another process (the CLI, a
   * verify) held it; taken first, it waits the busy timeout like any writer.
   */
  private writeTx<T>(work: (trx: Database) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await takeWriteLock(trx);
      return work(trx);
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Appends inside trx, which must be the only writer (the queue sees to it). */
  private async write(trx: Database, rec: AuditRecord): Promise<AuditEntry> {
    const tail = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const actor = rec.actor;
    const data = JSON.stringify(rec.data ?? {});
    const partial = {
      seq: (tail?.seq ?? 0) + 1,
      at: nowIso(),
      meetingId: rec.meetingId ?? null,
      kind: rec.kind,
      actor,
      data,
      prevHash: tail?.hash ?? GENESIS_HASH,
      contentHash: contentHashOf(actor, data),
      redactedAt: null,
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
        content_hash: partial.contentHash,
        redacted_at: null,
      })
      .execute();
    return entry;
  }

  /** Meetings holding waiting-room records (v2, not redacted) that a redaction could still reach. */
  async pendingRedactions(): Promise<PendingRedaction[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .select(['meeting_id'])
      .select((eb) => [eb.fn.min('at').as('first_at'), eb.fn.max('at').as('last_at')])
      .where('kind', 'in', REDACTABLE_KINDS)
      .where('meeting_id', 'is not', null)
      .where('content_hash', 'is not', null)
      .where('redacted_at', 'is', null)
      .groupBy('meeting_id')
      .execute();
    return rows.flatMap((r) => (r.meeting_id ? [{ meetingId: r.meeting_id, firstAt: String(r.first_at), lastAt: String(r.last_at) }] : []));
  }

  /**
   * Redacts the waiting-room records of a meeting written at or before upTo: actor and data are
   * replaced, redacted_at is set. In the same transaction `seal` (given the entries, in order)
   * stores whatever proves the redaction and returns the record appended to say it happened,
   * so entries are never redacted without it. v1 entries cannot be redacted (their hash covers
   * actor and data) and are left. Resolves to the number of entries redacted; 0 calls no seal.
   */
  redact(
    sel: { meetingId: string; upTo: string },
    seal: (entries: readonly RedactedEntry[], trx: Database) => Promise<AuditRecord>,
  ): Promise<number> {
    return this.enqueue(async () => {
      const sealed = await this.writeTx(async (trx) => {
        const due = trx
          .selectFrom('audit_log')
          .where('meeting_id', '=', sel.meetingId)
          .where('kind', 'in', REDACTABLE_KINDS)
          .where('at', '<=', sel.upTo)
          .where('content_hash', 'is not', null)
          .where('redacted_at', 'is', null);
        const rows = await due.select(['seq', 'at', 'kind', 'content_hash']).orderBy('seq').execute();
        if (rows.length === 0) return 0;
        const entries = rows.map((r) => ({ seq: r.seq, at: r.at, kind: r.kind, contentHash: r.content_hash ?? '' }));
        const record = await seal(entries, trx);
        const last = entries[entries.length - 1]!.seq;
        await trx
          .updateTable('audit_log')
          .set({ actor: REDACTED_ACTOR, data: REDACTED_DATA, redacted_at: nowIso() })
          .where('meeting_id', '=', sel.meetingId)
          .where('kind', 'in', REDACTABLE_KINDS)
          .where('at', '<=', sel.upTo)
          .where('content_hash', 'is not', null)
          .where('redacted_at', 'is', null)
          .where('seq', '<=', last)
          .execute();
        const entry = await this.write(trx, record);
        return { count: entries.length, kind: entry.kind };
      });
      if (sealed === 0) return 0;
      await this.anchorAfter([sealed.kind]);
      return sealed.count;
    });
  }

  async entries(filter: { meetingId?: string } = {}, db: Database = this.db): Promise<AuditEntry[]> {
    let q = db.selectFrom('audit_log').selectAll().orderBy('seq');
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
      contentHash: r.content_hash,
      redactedAt: r.redacted_at,
    }));
  }

  /** Waits for appends already queued (tests, shutdown). */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** At shutdown: waits for queued appends, anchors the head, and stops the checkpoint timer. */
  async close(reason: CheckpointReason = 'shutdown'): Promise<void> {
    await this.flush();
    if (!this.anchor) return;
    await this.checkpoint(reason).catch(this.onBackgroundError);
    await this.anchor.close();
  }
}
