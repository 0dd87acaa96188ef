import { AuditKind, ErrorCode, type ServerMessage, type ServerMessageOf } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import { KaigiError } from '../errors.js';
import type { Meeting } from '../meeting/Meeting.js';
import type { Participant } from '../meeting/Participant.js';
import { ServerRecorder, type StoredPart } from '../recording/ServerRecorder.js';
import type { RouterPort } from '../sfu/RouterPort.js';
import type { ObjectStore } from '../storage/ObjectStore.js';

/** Fastify's logger fits; so does the small one services.ts keeps for background work. */
export interface RecordingLog {
  error(o: { err?: unknown; [k: string]: unknown }, msg: string): void;
  warn?(o: { [k: string]: unknown }, msg: string): void;
}

/** What a room's recording needs from the process: where parts go, and who writes them down. */
export interface RecordingDeps {
  objects: ObjectStore;
  dataDir: string;
  audit: AuditLog;
  log: RecordingLog;
}

/** Why a recording stopped, as the audit log says it. */
export type RecordingStopReason = 'host' | 'left' | 'meeting-ended' | 'meeting-deleted' | 'shutdown' | 'level-raised';

interface Announcement {
  byId: string;
  by: string;
  since: number;
}

/**
 * One room's recording (A5), a child of the Room: the server recorder, never in an E2EE meeting
 * (D4), and the hosts' announcements that their browsers record. The Room tells it when a
 * participant is gone (an announcing host who leaves stops recording with them) and when the room
 * closes (the server recording stops and its last part is stored before the room is closed).
 * Every start and stop is audited, and so is each stored part.
 */
export class RoomRecording {
  private server: (Announcement & { recorder: ServerRecorder }) | null = null;
  /** Hosts whose browsers record locally, by participant ID. */
  private readonly local = new Map<string, Announcement>();
  /** Stops whose last part is still being stored. */
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly meeting: Meeting,
    private readonly router: RouterPort,
    /** Sends to every admitted participant (the Room's fan-out). */
    private readonly toAdmitted: (msg: ServerMessage) => void,
    private readonly deps: RecordingDeps,
  ) {}

  /**
   * What everyone in the meeting is shown (A5): server recording first, else the earliest local
   * recording announced, else not recording. Sent to each participant when admitted.
   */
  state(): ServerMessageOf<'recording'> {
    const server = this.server;
    if (server) return { type: 'recording', active: true, mode: 'server', by: server.by, since: server.since };
    const local = [...this.local.values()].sort((a, b) => a.since - b.since)[0];
    if (local) return { type: 'recording', active: true, mode: 'local', by: local.by, since: local.since };
    return { type: 'recording', active: false, mode: null, by: null, since: null };
  }

  /** Starts the server recorder; it reads the Router's producers and never changes the forwarding. */
  async start(me: Participant): Promise<void> {
    const m = this.meeting;
    // D4: the server has no key to the media of an E2EE meeting; the host can record locally.
    if (m.e2ee) throw new KaigiError(ErrorCode.RECORDING_UNAVAILABLE);
    if (this.server || this.closed) return;
    const { audit, log } = this.deps;
    const recorder = new ServerRecorder({
      meetingId: m.id,
      createdBy: me.id,
      dataDir: this.deps.dataDir,
      objects: this.deps.objects,
      source: { producers: () => this.router.allProducers() },
      onStored: (part) => this.stored(me.id, part),
      onError: (err) => log.error({ err, meetingId: m.id }, 'server recording failed'),
    });
    this.server = { recorder, byId: me.id, by: me.displayName, since: recorder.startedAt };
    this.toAdmitted(this.state());
    await audit.append({ kind: AuditKind.RECORDING_STARTED, actor: me.id, meetingId: m.id, data: { mode: 'server', displayName: me.displayName } });
  }

  /** Stops the server recording, if any; resolves once its last part is stored and audited. */
  stop(actor: string, reason: RecordingStopReason): Promise<void> {
    const current = this.server;
    if (!current) return Promise.resolve();
    this.server = null;
    // Everyone learns at once that recording stopped; storing the last part follows.
    this.toAdmitted(this.state());
    const run = this.finish(current, actor, reason).finally(() => this.stopping.delete(run));
    this.stopping.add(run);
    return run;
  }

  /** A host's browser starts or stops recording: everyone is told, and it is audited. */
  async announceLocal(me: Participant, active: boolean): Promise<void> {
    if (this.local.has(me.id) === active) return;
    if (active) this.local.set(me.id, { byId: me.id, by: me.displayName, since: Date.now() });
    else this.local.delete(me.id);
    this.toAdmitted(this.state());
    await this.deps.audit.append({
      kind: active ? AuditKind.RECORDING_STARTED : AuditKind.RECORDING_STOPPED,
      actor: me.id,
      meetingId: this.meeting.id,
      data: { mode: 'local', displayName: me.displayName, ...(!active && { reason: 'host' }) },
    });
  }

  /** A host who leaves (or is sent back) stops recording in their browser: their announcement goes with them. */
  participantGone(participantId: string): void {
    if (!this.local.delete(participantId)) return;
    this.toAdmitted(this.state());
    this.localStopped([participantId], 'left');
  }

  /**
   * The meeting's level went up (F1): a recording the new level does not allow stops, server
   * or browser, and everyone is told. A browser's upload is then refused by the level as well.
   */
  async levelRaised(): Promise<void> {
    const policy = this.meeting.policy;
    if (!policy.serverRecording) await this.stop('system', 'level-raised');
    if (!policy.browserRecording && this.local.size > 0) {
      const ids = [...this.local.keys()];
      this.local.clear();
      this.toAdmitted(this.state());
      this.localStopped(ids, 'level-raised');
    }
  }

  /** The room closes: the server recording stops; resolves once its last part is stored. Never rejects. */
  roomClosed(reason: RecordingStopReason): Promise<void> {
    this.closed = true;
    void this.stop('system', reason);
    const ids = [...this.local.keys()];
    this.local.clear();
    this.localStopped(ids, reason);
    return Promise.all([...this.stopping]).then(
      () => undefined,
      (err: unknown) => this.deps.log.error({ err, meetingId: this.meeting.id }, 'storing the last recording part failed'),
    );
  }

  private localStopped(ids: string[], reason: RecordingStopReason): void {
    for (const id of ids) {
      this.deps.audit.record({ kind: AuditKind.RECORDING_STOPPED, actor: 'system', meetingId: this.meeting.id, data: { mode: 'local', participantId: id, reason } });
    }
  }

  private async finish(current: Announcement & { recorder: ServerRecorder }, actor: string, reason: RecordingStopReason): Promise<void> {
    const parts = await current.recorder.stop();
    await this.deps.audit.append({
      kind: AuditKind.RECORDING_STOPPED,
      actor,
      meetingId: this.meeting.id,
      data: {
        mode: 'server',
        reason,
        startedBy: current.byId,
        durationMs: Date.now() - current.since,
        objects: parts.map((p) => p.object.id),
      },
    });
  }

  private stored(actor: string, part: StoredPart): void {
    this.deps.audit.record({
      kind: AuditKind.OBJECT_STORED,
      actor,
      meetingId: this.meeting.id,
      data: {
        objectId: part.object.id,
        kind: part.object.kind,
        name: part.object.name,
        size: part.object.size,
        protection: part.object.protection,
        part: part.part,
        durationMs: part.durationMs,
        tracks: part.tracks.map((t) => ({ participantId: t.participantId, source: t.source })),
      },
    });
  }
}
