import { AuditKind, ErrorCode, type ClientMessage, type ServerMessageOf } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import type { Participant } from '../meeting/Participant.js';
import { MeetingError } from '../meeting/MeetingError.js';
import { ServerRecorder, type RecorderSource, type StoredPart } from '../recording/ServerRecorder.js';
import type { Router } from '../sfu/Router.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { LiveMeeting } from './LiveMeeting.js';
import type { MeetingHub, Seat } from './MeetingHub.js';

export type RecordingMsg = Extract<ClientMessage, { type: 'setRecording' | 'announceLocalRecording' }>;

export const RECORDING_TYPES: ReadonlySet<string> = new Set<RecordingMsg['type']>(['setRecording', 'announceLocalRecording']);

/** How often local-recording announcements are checked against who is still in the meeting. */
const LOCAL_WATCH_MS = 1000;

interface Announcement {
  byId: string;
  by: string;
  since: number;
}

interface MeetingRecording {
  live: LiveMeeting;
  server: (Announcement & { recorder: ServerRecorder }) | null;
  /** Hosts whose browsers record locally (E2EE meetings, or any meeting), by participant ID. */
  local: Map<string, Announcement>;
  watcher: NodeJS.Timeout | null;
}

/** Fastify's logger fits; so does the small one services.ts keeps for background work. */
export interface RecordingLog {
  error(o: { err?: unknown; [k: string]: unknown }, msg: string): void;
  warn?(o: { [k: string]: unknown }, msg: string): void;
}

// Keyed by the LiveMeeting object: a meeting that unloads and loads again starts unrecorded.
const states = new WeakMap<LiveMeeting, MeetingRecording>();

/**
 * What everyone in the meeting is shown (A5): server recording first, else the earliest local
 * recording announced, else not recording. Sent to each participant when admitted.
 */
export function recordingState(live: LiveMeeting): ServerMessageOf<'recording'> {
  const s = states.get(live);
  const server = s?.server;
  if (server) return { type: 'recording', active: true, mode: 'server', by: server.by, since: server.since };
  const local = s ? [...s.local.values()].sort((a, b) => a.since - b.since)[0] : undefined;
  if (local) return { type: 'recording', active: true, mode: 'local', by: local.by, since: local.since };
  return { type: 'recording', active: false, mode: null, by: null, since: null };
}

/** The recorder only reads the Router's producers; it never changes the forwarding. */
function routerSource(router: Router): RecorderSource {
  return {
    producers: () => router.allProducers(),
    closed: () => router.closed,
  };
}

/**
 * Recording messages of an admitted host (A5). `setRecording` starts and stops the server
 * recorder, never in an E2EE meeting, where the server cannot and must not see the media (D4);
 * `announceLocalRecording` tells everyone that a host's browser records. Both are host actions
 * in the permission table. Every start and stop is audited, and so is each stored recording.
 */
export class RecordingHandler {
  private readonly recording = new Set<MeetingRecording>();
  /** Stops whose last part is still being stored, with their meeting. */
  private readonly stopping = new Map<Promise<void>, string>();

  constructor(
    private readonly hub: MeetingHub,
    private readonly objects: ObjectStore,
    private readonly audit: AuditLog,
    private readonly dataDir: string,
    private readonly log: RecordingLog,
  ) {
    const shredded = ServerRecorder.shredLeftovers(dataDir);
    if (shredded) (log.warn ?? log.error).call(log, { shredded }, 'destroyed the plaintext of recordings interrupted by a crash');
  }

  async handle(seat: Seat, msg: RecordingMsg): Promise<void> {
    const live = this.hub.liveOf(seat);
    // NOT_JOINED, NOT_ADMITTED or FORBIDDEN (not a host) before anything else.
    const me = live.meeting.authorize(seat.participantId, msg.type);
    // F1: only Low meetings record (server or browser); Medium and High keep no recordings.
    const policy = live.meeting.policy;
    if (msg.active && !(msg.type === 'setRecording' ? policy.serverRecording && !live.meeting.e2ee : policy.browserRecording)) {
      if (msg.type === 'setRecording' && live.meeting.e2ee && policy.serverRecording) throw new MeetingError(ErrorCode.RECORDING_UNAVAILABLE);
      throw new MeetingError(ErrorCode.FORBIDDEN_BY_LEVEL, `${policy.level} meetings are not recorded.`);
    }
    if (msg.type === 'setRecording') {
      if (msg.active) return this.start(live, me);
      return this.stop(live, me.id, 'host');
    }
    return this.announceLocal(live, me, msg.active);
  }

  /**
   * Stops the server recording of one meeting, if any, and resolves once everything it recorded
   * is stored: call it before the meeting's objects get their purge times or are deleted.
   */
  async stopMeeting(meetingId: string, reason = 'meeting-ended'): Promise<void> {
    for (const s of [...this.recording]) if (s.live.meeting.id === meetingId) void this.stop(s.live, 'system', reason);
    await Promise.all([...this.stopping].filter(([, id]) => id === meetingId).map(([run]) => run));
  }

  /**
   * The meeting's level went up (F1): a recording the new level does not allow stops, server
   * or browser, and everyone is told. A browser's upload is then refused by the level as well.
   */
  async levelRaised(meetingId: string): Promise<void> {
    const live = this.hub.liveMeeting(meetingId);
    if (!live) return;
    const policy = live.meeting.policy;
    if (!policy.serverRecording) await this.stopMeeting(meetingId, 'level-raised');
    const s = states.get(live);
    if (!policy.browserRecording && s && s.local.size > 0) {
      const ids = [...s.local.keys()];
      s.local.clear();
      this.watchLocal(s);
      live.toAdmitted(recordingState(live));
      for (const id of ids) {
        await this.audit.append({ kind: AuditKind.RECORDING_STOPPED, actor: 'system', meetingId, data: { mode: 'local', participantId: id, reason: 'level-raised' } });
      }
    }
  }

  /** Stops every server recording and waits until all are stored: the server is shutting down. */
  async stopAll(reason = 'shutdown'): Promise<void> {
    for (const s of [...this.recording]) void this.stop(s.live, 'system', reason);
    await Promise.all([...this.stopping.keys()]);
  }

  private stateOf(live: LiveMeeting): MeetingRecording {
    let s = states.get(live);
    if (!s) {
      s = { live, server: null, local: new Map(), watcher: null };
      states.set(live, s);
    }
    return s;
  }

  private async start(live: LiveMeeting, me: Participant): Promise<void> {
    const m = live.meeting;
    // D4: the server has no key to the media of an E2EE meeting; the host can record locally.
    if (m.e2ee) throw new MeetingError(ErrorCode.RECORDING_UNAVAILABLE);
    const s = this.stateOf(live);
    if (s.server) return;
    const recorder = new ServerRecorder({
      meetingId: m.id,
      createdBy: me.id,
      dataDir: this.dataDir,
      objects: this.objects,
      source: routerSource(live.router),
      onStored: (part) => void this.stored(m.id, me.id, part),
      onSourceClosed: () => void this.stop(live, 'system', 'meeting-ended'),
      onError: (err) => this.log.error({ err, meetingId: m.id }, 'server recording failed'),
    });
    s.server = { recorder, byId: me.id, by: me.displayName, since: recorder.startedAt };
    this.recording.add(s);
    live.toAdmitted(recordingState(live));
    await this.audit.append({ kind: AuditKind.RECORDING_STARTED, actor: me.id, meetingId: m.id, data: { mode: 'server', displayName: me.displayName } });
  }

  private stop(live: LiveMeeting, actor: string, reason: string): Promise<void> {
    const s = states.get(live);
    const current = s?.server;
    if (!s || !current) return Promise.resolve();
    s.server = null;
    this.recording.delete(s);
    // Everyone learns at once that recording stopped; storing the last part follows.
    live.toAdmitted(recordingState(live));
    const run = this.finish(live, current, actor, reason).finally(() => this.stopping.delete(run));
    this.stopping.set(run, live.meeting.id);
    return run;
  }

  private async finish(live: LiveMeeting, current: Announcement & { recorder: ServerRecorder }, actor: string, reason: string): Promise<void> {
    const parts = await current.recorder.stop();
    await this.audit.append({
      kind: AuditKind.RECORDING_STOPPED,
      actor,
      meetingId: live.meeting.id,
      data: {
        mode: 'server',
        reason,
        startedBy: current.byId,
        durationMs: Date.now() - current.since,
        objects: parts.map((p) => p.object.id),
      },
    });
  }

  private async stored(meetingId: string, actor: string, part: StoredPart): Promise<void> {
    try {
      await this.audit.append({
        kind: AuditKind.OBJECT_STORED,
        actor,
        meetingId,
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
    } catch (err) {
      this.log.error({ err, meetingId }, 'audit append failed');
    }
  }

  private async announceLocal(live: LiveMeeting, me: Participant, active: boolean): Promise<void> {
    const s = this.stateOf(live);
    if (s.local.has(me.id) === active) return;
    if (active) s.local.set(me.id, { byId: me.id, by: me.displayName, since: Date.now() });
    else s.local.delete(me.id);
    this.watchLocal(s);
    live.toAdmitted(recordingState(live));
    await this.audit.append({
      kind: active ? AuditKind.RECORDING_STARTED : AuditKind.RECORDING_STOPPED,
      actor: me.id,
      meetingId: live.meeting.id,
      data: { mode: 'local', displayName: me.displayName, ...(!active && { reason: 'host' }) },
    });
  }

  /** A host who leaves stops recording in their browser: their announcement goes with them. */
  private watchLocal(s: MeetingRecording): void {
    if (s.local.size === 0) {
      if (s.watcher) clearInterval(s.watcher);
      s.watcher = null;
      return;
    }
    if (s.watcher) return;
    const closed = routerSource(s.live.router).closed;
    s.watcher = setInterval(() => {
      const gone = [...s.local.keys()].filter((id) => closed() || s.live.meeting.get(id)?.state !== 'admitted');
      if (!gone.length) return;
      for (const id of gone) s.local.delete(id);
      this.watchLocal(s);
      if (!closed()) s.live.toAdmitted(recordingState(s.live));
      for (const id of gone) {
        void this.audit
          .append({ kind: AuditKind.RECORDING_STOPPED, actor: 'system', meetingId: s.live.meeting.id, data: { mode: 'local', participantId: id, reason: 'left' } })
          .catch((err: unknown) => this.log.error({ err }, 'audit append failed'));
      }
    }, LOCAL_WATCH_MS).unref();
  }
}
