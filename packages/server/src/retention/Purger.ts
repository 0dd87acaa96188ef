import { AuditKind, type ObjectKind, type Retention } from '@kaigi/protocol';
import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/AuditLog.js';
import { ObjectStoreError, type ObjectStore, type StoredObject } from '../storage/ObjectStore.js';
import type { MeetingStore } from '../storage/MeetingStore.js';
import type { DeletionCertificate } from '../security/CertificateSigner.js';

/** How often due objects are looked for. */
const INTERVAL_MS = 15_000;

const RETENTION_OF: Record<ObjectKind, keyof Retention> = {
  file: 'files',
  recording: 'recordings',
  chat: 'chat',
  waiting: 'waiting',
  export: 'files',
};

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** '2025-01-02T03:04:05.678Z' → '20250102T030405678Z', for certificate object IDs. */
const compact = (iso: string): string => iso.replace(/[-:.]/g, '');

/**
 * Retention and purge (E4). While a meeting runs its objects have no purge time; when it ends
 * each gets `end + retention of its kind` (0: at once). Due objects are deleted by destroying
 * their key and bytes, with a certificate, and audited. At start it catches up: objects of
 * meetings that were running when the process died count as ended then, and whatever fell due
 * while the server was down is purged before anything else.
 *
 * Waiting-room records live in the audit log. Once `meetings.ended_at + retention.waiting` has
 * passed, each pass redacts the actor and data (names, addresses) of the meeting's records
 * written up to that end, with a certificate and an audit entry in the same transaction; due-ness
 * comes from the database alone, so a restart or SIGKILL loses nothing. A deleted meeting's
 * records are redacted at the next pass.
 */
export class Purger {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  /** The WAL may still hold redacted records (a truncation was refused, or we just started). */
  private walPending = true;

  constructor(
    private readonly objects: ObjectStore,
    private readonly meetings: MeetingStore,
    private readonly audit: AuditLog,
    private readonly log: { error(o: { err?: unknown; objectId?: string }, msg: string): void },
    private readonly isLive: (meetingId: string) => boolean,
  ) {}

  async start(): Promise<void> {
    const ended = new Set(await this.objects.meetingsWithoutPurgeTime());
    // Waiting-room records written after their meeting last ended: it was running when the process died.
    for (const p of await this.audit.pendingRedactions()) {
      const m = await this.meetings.get(p.meetingId);
      if (m && (m.endedAt === null || m.endedAt < p.lastAt)) ended.add(p.meetingId);
    }
    for (const meetingId of ended) {
      if (!this.isLive(meetingId)) await this.meetingEnded(meetingId, { purge: false });
    }
    await this.purgeDue();
    this.timer = setInterval(() => void this.purgeDue(), INTERVAL_MS).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The meeting ended (its last participant left): every object gets its purge time. */
  async meetingEnded(meetingId: string, opts: { purge: boolean } = { purge: true }): Promise<void> {
    const m = await this.meetings.get(meetingId);
    const endedAt = Date.now();
    if (m) await this.meetings.update(meetingId, { endedAt: new Date(endedAt).toISOString() });
    for (const o of await this.objects.list(meetingId)) {
      if (o.purgeAt !== null) continue;
      const keep = m ? m.retention[RETENTION_OF[o.kind]] : 0;
      await this.objects.setPurgeAt(o.id, new Date(endedAt + keep * 1000).toISOString());
    }
    if (opts.purge) await this.purgeDue();
  }

  /**
   * An object stored after its meeting ended (a host's browser uploading the last part of a
   * recording): it gets its purge time from the meeting's end at once, and goes if already due.
   */
  async placed(o: StoredObject): Promise<void> {
    if (o.purgeAt !== null || this.isLive(o.meetingId)) return;
    const m = await this.meetings.get(o.meetingId);
    const endedAt = m?.endedAt ? Date.parse(m.endedAt) : Date.now();
    const keep = m ? m.retention[RETENTION_OF[o.kind]] : 0;
    await this.objects.setPurgeAt(o.id, new Date(endedAt + keep * 1000).toISOString());
    await this.purgeDue();
  }

  /** Deletes everything that is due; one pass at a time. */
  purgeDue(): Promise<void> {
    this.running = this.running.then(async () => {
      for (const o of await this.objects.due(new Date().toISOString())) {
        await this.remove(o, 'retention', 'retention period ended').catch((err: unknown) => this.log.error({ err, objectId: o.id }, 'purge failed'));
      }
      await this.redactWaitingDue().catch((err: unknown) => this.log.error({ err }, 'redacting waiting-room records failed'));
    });
    return this.running;
  }

  /** Redacts the waiting-room records whose retention has run out, then truncates the WAL. */
  private async redactWaitingDue(): Promise<void> {
    const now = Date.now();
    let redacted = false;
    for (const p of await this.audit.pendingRedactions()) {
      const m = await this.meetings.get(p.meetingId);
      let upTo: string;
      let reason: string;
      if (!m) {
        // The meeting was deleted: nothing it stored outlives it.
        if (this.isLive(p.meetingId)) continue;
        upTo = p.lastAt;
        reason = 'meeting deleted';
      } else {
        // Still running, or only records of the current run (after the last end) are left.
        if (m.endedAt === null || p.firstAt > m.endedAt) continue;
        if (Date.parse(m.endedAt) + m.retention.waiting * 1000 > now) continue;
        upTo = m.endedAt;
        reason = 'retention period ended';
      }
      try {
        if ((await this.redactWaiting(p.meetingId, upTo, reason)) > 0) redacted = true;
      } catch (err) {
        this.log.error({ err, objectId: `waiting-${p.meetingId}` }, 'redacting waiting-room records failed');
      }
    }
    if (!redacted && !this.walPending) return;
    // secure_delete zeroes the old rows in the database file; older WAL frames may still hold them.
    this.walPending = !(await this.objects.truncateWal());
    if (this.walPending && redacted) {
      this.log.error({}, 'another reader kept the database log (which may still hold redacted names) from being truncated; retrying at the next pass');
    }
  }

  /**
   * Redacts a meeting's waiting-room records written up to upTo, and in the same transaction
   * stores a signed certificate for them and audits it. The certificate's object ID is
   * `waiting-<meeting>-<upTo compact>`: a pass that finds nothing left to redact issues nothing.
   */
  private redactWaiting(meetingId: string, upTo: string, reason: string): Promise<number> {
    const base = `waiting-${meetingId}-${compact(upTo)}`;
    return this.audit.redact({ meetingId, upTo }, async (entries, trx) => {
      // Records stamped before an end already certified (the clock went back): their own ID.
      const objectId = (await this.objects.certified(base, trx)) ? `${base}-${entries[0]?.seq ?? 0}` : base;
      const cert = await this.objects.certifyRecords(
        {
          objectId,
          meetingId,
          kind: 'waiting',
          size: entries.length,
          // What was removed, without saying what it was: the content hashes the chain keeps.
          ciphertextSha256: sha256(entries.map((e) => e.contentHash).join('')),
          protection: 'server',
          keyDestroyed: false,
          bytesDestroyed: true,
          deletedBy: 'retention',
          reason,
        },
        trx,
      );
      return {
        kind: AuditKind.OBJECT_DELETED,
        actor: 'retention',
        meetingId,
        data: { objectId, kind: 'waiting', entries: entries.length, reason, certificateSha256: sha256(JSON.stringify(cert)) },
      };
    });
  }

  /** Deletes one object now (host's request, meeting deleted, retention), with certificate and audit. */
  async remove(o: StoredObject, by: string, reason: string): Promise<DeletionCertificate> {
    let cert: DeletionCertificate;
    try {
      cert = await this.objects.delete(o.id, { by, reason });
    } catch (err) {
      // Deleted, but another reader kept the WAL: the certificate stands (see ObjectStore).
      if (err instanceof ObjectStoreError && err.code === 'wal-busy' && err.certificate) cert = err.certificate;
      else throw err;
    }
    await this.audit.append({
      kind: AuditKind.OBJECT_DELETED,
      actor: by,
      meetingId: o.meetingId,
      data: {
        objectId: o.id,
        kind: o.kind,
        size: o.size,
        reason,
        certificateSha256: sha256(JSON.stringify(cert)),
      },
    });
    return cert;
  }
}
