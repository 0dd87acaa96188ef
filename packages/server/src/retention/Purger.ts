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

/**
 * Retention and purge (E4). While a meeting runs its objects have no purge time; when it ends
 * each gets `end + retention of its kind` (0: at once). Due objects are deleted by destroying
 * their key and bytes, with a certificate, and audited. At start it catches up: objects of
 * meetings that were running when the process died count as ended then, and whatever fell due
 * while the server was down is purged before anything else.
 */
export class Purger {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly objects: ObjectStore,
    private readonly meetings: MeetingStore,
    private readonly audit: AuditLog,
    private readonly log: { error(o: { err?: unknown; objectId?: string }, msg: string): void },
    private readonly isLive: (meetingId: string) => boolean,
  ) {}

  async start(): Promise<void> {
    for (const meetingId of await this.objects.meetingsWithoutPurgeTime()) {
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
    });
    return this.running;
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
        certificateSha256: createHash('sha256').update(JSON.stringify(cert)).digest('hex'),
      },
    });
    return cert;
  }
}
