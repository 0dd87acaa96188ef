import { AuditKind, can, ErrorCode, type HostActionType as Action, type MeetingPolicy, type ServerMessage } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import { DeliveryService } from '../e2ee/DeliveryService.js';
import type { Meeting } from '../meeting/Meeting.js';
import type { Ban } from '../meeting/BanList.js';
import { toInfo, type Participant } from '../meeting/Participant.js';
import { newId } from '../security/random.js';
import type { MediaConfig } from '../sfu/MediaConfig.js';
import { Emitter, Observer } from '../sfu/Emitter.js';
import { Router } from '../sfu/Router.js';
import type { RouterPort, RouterSignals } from '../sfu/RouterPort.js';
import type { MediaWorkers } from '../sfu/worker/MediaWorkers.js';
import type { MeetingStore, StoredRules } from '../storage/MeetingStore.js';
import { Checks } from './Checks.js';
import type { Peer, Seat } from './Peer.js';
import { RoomRecording, type RecordingDeps, type RecordingStopReason } from './RoomRecording.js';

/**
 * The one set of ways out of a meeting (docs/lifecycle.md): left (the participant said so),
 * timeout (its resume grace ran out), denied, removed (and banned), revoked (its registration
 * was), sentBack (to the waiting room: it stays, without media, keys or check).
 */
export type DepartReason = 'left' | 'timeout' | 'denied' | 'removed' | 'revoked' | 'sentBack';

/** empty: the last participant left and no join is under way; deleted: through the API; shutdown: the process stops. */
export type CloseReason = 'empty' | 'deleted' | 'shutdown';

export interface RoomDeps extends RecordingDeps {
  media: MediaConfig;
  /** Where meetings' Routers live (issue 15 item 3); absent or null: in this thread. */
  mediaWorkers?: MediaWorkers | null;
  e2eeUpdateIntervalMs: number;
  /** How long a dropped connection keeps its participant's place (H2 resume). */
  resumeGraceMs: number;
  /** Where a removal's ban is persisted before the removed person is told (B3). */
  store: Pick<MeetingStore, 'insertBan'>;
}

/** Monitoring (mediasoup's `observer`): tests record the cascade's order here; never production logic. */
export type RoomEvents = {
  participantDeparted: [participantId: string, reason: DepartReason];
  closed: [reason: CloseReason];
};

/** A Connection's place in a room, granted by Admission. */
export interface SeatHandle {
  readonly room: Room;
  readonly participantId: string;
}

/** Keeps a room open while a join is under way (it has no participant yet); released in `finally`. */
export interface Lease {
  readonly room: Room;
  release(): void;
}

/** Who took the participant out, for the exits a person decides; a removal's ban facts. */
export interface DepartOptions {
  actor?: string;
  /** removed: the keyed hash of the registrant's email, banned with the registration (B3). */
  emailHash?: string | null;
  /** revoked: the registration that was revoked. */
  registrationId?: string;
}

/** What the API changed in a live meeting (already checked against the policies there). */
export interface RoomUpdate {
  title?: string;
  locked?: boolean;
  chatRetentionSeconds?: number;
  rules?: StoredRules;
  /** The compiled policy of `rules.level`. */
  policy?: MeetingPolicy;
  actor?: string;
}

/** How often the active speaker is worked out. */
const SPEAKER_INTERVAL_MS = 400;

const RECORDING_STOP: Record<CloseReason, RecordingStopReason> = { empty: 'meeting-ended', deleted: 'meeting-deleted', shutdown: 'shutdown' };

/**
 * One live meeting and everything live in it: the Meeting (admission state), a seat per
 * participant (its connection and resume grace), the media Router, the MLS DeliveryService (E2EE
 * meetings), the verifiers' Checks and the RoomRecording. It creates them, and it is the only
 * one that takes a participant out (`depart`) or closes them (`close`), in the order written in
 * docs/lifecycle.md. `@close` (to the registry) fires once, when the room closes.
 */
export class Room extends Emitter<{ '@close': [reason: CloseReason] }> {
  readonly observer = new Observer<RoomEvents>();
  readonly meeting: Meeting;
  /** Readable for media handlers and for monitoring (an e2e tap attaches to it through the registry's observer). */
  readonly router: RouterPort;
  /** The MLS delivery service, in end-to-end encrypted meetings only. */
  readonly delivery: DeliveryService | null;
  /** Verifiers' one-to-one checks of newcomers (B7). */
  readonly checks: Checks;
  readonly recording: RoomRecording;
  private readonly seats = new Map<string, Seat>();
  /** Chat order: every message gets the next number, so all members show the same order. */
  private chatSeq = 0;
  /** Knocks turned away by the waiting room's cap since the room opened (B2). */
  private waitingRefusals = 0;
  private leases = 0;
  private activeSpeaker: string | null = null;
  private readonly ticker: NodeJS.Timeout;
  private closing: Promise<void> | null = null;

  constructor(
    meeting: Meeting,
    private readonly deps: RoomDeps,
  ) {
    super();
    this.meeting = meeting;
    this.delivery = meeting.e2ee
      ? new DeliveryService(
          {
            send: (pid, msg) => this.send(pid, msg),
            connected: (pid) => (this.seats.get(pid)?.peer ?? null) !== null,
            epochChanged: (change) => {
              this.toAdmitted({ type: 'groupState', group: this.delivery?.state() ?? { epoch: change.epoch, members: [] } });
              deps.audit.record({ kind: AuditKind.E2EE_EPOCH, actor: change.committer, meetingId: meeting.id, data: { ...change } });
            },
          },
          { updateIntervalMs: deps.e2eeUpdateIntervalMs },
        )
      : null;
    this.router = placeRouter(meeting, deps, {
      subscribeOffer: (pid, offer) => this.send(pid, { type: 'subscribeOffer', ...offer }),
      producersChanged: () => this.sendMediaState(),
      // Only those the Router had (admitted people, a check's newcomer): the Room seated them all.
      mediaRestart: (pids) => {
        for (const pid of pids) this.send(pid, { type: 'mediaRestart' });
      },
    });
    this.checks = new Checks(meeting, this.router, { get: (pid) => this.seats.get(pid)?.peer ?? undefined });
    this.recording = new RoomRecording(meeting, this.router, (msg) => this.toAdmitted(msg), deps);
    this.ticker = setInterval(() => this.tick(), SPEAKER_INTERVAL_MS).unref();
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Keeps the room open for a join under way; a room with no lease and no participant closes. */
  lease(): Lease {
    if (this.closing) throw new KaigiError(ErrorCode.NOT_JOINED);
    this.leases++;
    let held = true;
    return {
      room: this,
      release: () => {
        if (!held) return;
        held = false;
        this.leases--;
        this.closeIfIdle();
      },
    };
  }

  // ——— Seats ———

  /** A participant that has just arrived takes its seat with its connection. */
  seat(participantId: string, peer: Peer): void {
    this.seats.set(participantId, { peer, graceTimer: null });
  }

  /**
   * A participant resumes on a new connection (H2): its grace ends and the new connection takes
   * the seat. Returns the connection it replaces, if one is still open (the caller tells it).
   */
  reconnect(participantId: string, peer: Peer): Peer | null {
    const seat = this.seats.get(participantId) ?? { peer: null, graceTimer: null };
    clearGrace(seat);
    // A newcomer's media transports do not survive a new connection: a check with them ends (B7).
    if (this.meeting.get(participantId)?.state === 'waiting') this.checks.participantGone(participantId);
    const old = seat.peer;
    seat.peer = peer;
    this.seats.set(participantId, seat);
    return old !== peer ? old : null;
  }

  /** The connection dropped: the participant keeps its place for the resume grace, then departs ('timeout'). */
  connectionLost(participantId: string, peer: Peer): void {
    const seat = this.seats.get(participantId);
    if (!seat || seat.peer !== peer) return;
    seat.peer = null;
    clearGrace(seat);
    seat.graceTimer = setTimeout(() => {
      this.depart(participantId, 'timeout').catch((err: unknown) => this.deps.log.error({ err, meetingId: this.meeting.id }, 'grace timeout failed'));
    }, this.deps.resumeGraceMs).unref();
  }

  // ——— The one way out ———

  /**
   * Takes a participant out of the meeting proper, for every reason there is (docs/lifecycle.md,
   * "depart"). An exit someone decides is authorised first, so a refused one changes nothing.
   * Resolves once the audit entry is written; a removal's ban is persisted and audited before
   * the removed person is told (B3, H2). Returns the participant, or undefined if it was not here.
   */
  async depart(participantId: string, reason: DepartReason, opts: DepartOptions = {}): Promise<Participant | undefined> {
    const actor = opts.actor ?? participantId;
    const t = this.mayDepart(participantId, reason, actor);
    if (!t) {
      this.forgetSeat(participantId);
      this.closeIfIdle();
      return undefined;
    }
    const state = t.state;
    try {
      const seat = this.seats.get(t.id);
      // The leaving connection is answered by itself: nothing more is sent to it.
      if (reason === 'left' && seat) seat.peer = null;
      // 1–4: every child lets go of the participant: no check, no media either way, no keys, no local recording.
      this.checks.participantGone(t.id);
      this.router.closeParticipant(t.id);
      this.delivery?.gone(t.id);
      this.recording.participantGone(t.id);
      // 5: the domain takes it out (or back to the waiting room); a removal's ban is in force at once.
      const ban = this.takeOut(t, reason, actor, opts);
      if (ban) await this.persistBan(t, state, ban, actor, opts);
      // 6: the participant is told.
      this.tell(t.id, reason);
      // 7: everyone else sees the new roster and waiting room.
      this.sendViews();
      // 8: the audit entry (a removal's was written before step 6).
      if (!ban) await this.deps.audit.append(this.departureRecord(t, state, reason, actor, opts));
      // 9: monitoring.
      this.observer.notify('participantDeparted', t.id, reason);
      return t;
    } finally {
      // 10: the last one out closes the room (unless a join is under way).
      this.closeIfIdle();
    }
  }

  // ——— Sending ———

  send(participantId: string, msg: ServerMessage): void {
    this.seats.get(participantId)?.peer?.send(msg);
  }

  toAdmitted(msg: ServerMessage): void {
    for (const p of this.meeting.all()) if (p.state === 'admitted') this.send(p.id, msg);
  }

  /** To those who admit people: the host and co-hosts (and whoever else may admit). */
  toAdmitters(msg: ServerMessage): void {
    for (const p of this.meeting.all()) if (p.state === 'admitted' && can(p.role, 'admit')) this.send(p.id, msg);
  }

  /**
   * Sends everyone the view their admission state entitles them to: admitted people get the
   * roster, hosts also the waiting room and bans, waiting people only whether the host is here.
   */
  sendViews(): void {
    const m = this.meeting;
    const roster = m.roster();
    const waitingRoom = m.waitingRoom();
    const bans = m.banList();
    const hostPresent = m.hostPresent();
    for (const p of m.all()) {
      const peer = this.seats.get(p.id)?.peer;
      if (!peer) continue;
      if (p.state !== 'admitted') {
        peer.send({ type: 'waiting', hostPresent });
        continue;
      }
      peer.send({ type: 'roster', participants: roster });
      if (can(p.role, 'admit')) {
        peer.send({ type: 'waitingRoom', entries: waitingRoom });
        peer.send({ type: 'bans', bans });
      }
    }
  }

  /** Sends every admitted participant who publishes what. */
  sendMediaState(): void {
    const publishing = this.router.publishing();
    const participants = this.meeting
      .all()
      .filter((p) => p.state === 'admitted')
      .map((p) => ({ id: p.id, sources: publishing.get(p.id) ?? [] }));
    this.toAdmitted({ type: 'mediaState', participants });
  }

  sendMeetingState(): void {
    this.toAdmitted({ type: 'meetingState', meeting: this.meeting.summary() });
  }

  /** Tells one participant it has been admitted, with what it may now see; only admitted people receive media. */
  welcome(participantId: string): void {
    const p = this.meeting.get(participantId);
    const peer = this.seats.get(participantId)?.peer;
    if (!p || !peer || p.state !== 'admitted') return;
    peer.send({ type: 'admitted', meeting: this.meeting.summary(), self: toInfo(p) });
    if (this.delivery) peer.send({ type: 'groupState', group: this.delivery.state() });
    peer.send(this.recording.state());
    this.router.subscribe(participantId);
    this.sendMediaState();
  }

  /** A knock turned away by the full waiting room (B2): those who admit people are told. */
  waitingRoomFull(cap: number): void {
    this.waitingRefusals++;
    this.toAdmitters({ type: 'waitingRoomFull', cap, refused: this.waitingRefusals });
  }

  /** The next number in the chat's one order. */
  nextChatSeq(): number {
    return this.chatSeq++;
  }

  /**
   * The meeting was changed through the API. A raised level is announced to everyone, audited,
   * and what it no longer allows stops (F1: a recording the new level forbids).
   */
  async update(patch: RoomUpdate): Promise<void> {
    const m = this.meeting;
    if (patch.title !== undefined) m.title = patch.title;
    if (patch.chatRetentionSeconds !== undefined) m.chatRetentionSeconds = patch.chatRetentionSeconds;
    if (patch.rules && patch.policy) {
      const { level, ...rest } = patch.rules;
      const before = m.policy.level;
      const raised = m.raiseLevel(patch.policy);
      m.rules = { ...m.rules, ...rest };
      if (raised) {
        this.recording.levelRaised().catch((err: unknown) => this.deps.log.error({ err, meetingId: m.id }, 'stopping recording failed'));
        await this.deps.audit.append({ kind: AuditKind.LEVEL_RAISED, actor: patch.actor ?? 'system', meetingId: m.id, data: { from: before, to: level } });
      }
    }
    if (patch.locked !== undefined) m.locked = patch.locked;
    this.sendMeetingState();
  }

  // ——— Closing ———

  /**
   * Closes the room (docs/lifecycle.md, "close"): its children in the reverse order of creation,
   * then whoever is still connected is told the meeting ended; `@close` lets the registry drop
   * it at once. Resolves once the recording's last part is stored. Idempotent.
   */
  close(reason: CloseReason): Promise<void> {
    if (this.closing) return this.closing;
    clearInterval(this.ticker);
    const stored = this.recording.roomClosed(RECORDING_STOP[reason]);
    this.checks.roomClosed();
    this.router.close();
    this.delivery?.close();
    const peers: Peer[] = [];
    for (const seat of this.seats.values()) {
      clearGrace(seat);
      if (seat.peer) peers.push(seat.peer);
    }
    this.seats.clear();
    for (const peer of peers) peer.end(ErrorCode.MEETING_ENDED);
    this.closing = stored.then(() => this.observer.notify('closed', reason));
    this.emit('@close', reason);
    return this.closing;
  }

  /** Counts for the health endpoint and tests. */
  get participantCount(): number {
    return this.meeting.all().length;
  }

  private closeIfIdle(): void {
    if (!this.closing && this.leases === 0 && this.meeting.isEmpty) void this.close('empty');
  }

  private tick(): void {
    const loudest = this.router.loudest();
    if (loudest !== this.activeSpeaker) {
      this.activeSpeaker = loudest;
      this.toAdmitted({ type: 'activeSpeaker', participantId: loudest });
    }
    // Each receiving participant hears about its own connection, as the SFU measures it (A6).
    for (const [pid, quality] of this.router.connectionQuality()) {
      this.send(pid, { type: 'connectionQuality', participants: quality ? [{ id: pid, quality }] : [] });
    }
  }

  /** The participant to take out, after the actor's right to do so; undefined if it is not here (left twice). */
  private mayDepart(participantId: string, reason: DepartReason, actor: string): Participant | undefined {
    switch (reason) {
      case 'left':
      case 'timeout':
      case 'revoked':
        return this.meeting.get(participantId);
      case 'denied':
        return this.authorizeExit(actor, 'deny', participantId, 'waiting');
      case 'sentBack':
        return this.authorizeExit(actor, 'sendToWaiting', participantId, 'admitted');
      case 'removed':
        return this.authorizeExit(actor, 'remove', participantId);
    }
  }

  /** The domain's own checks, asked before anything stops (the domain applies them again at step 5). */
  private authorizeExit(actor: string, action: Action, targetId: string, state?: Participant['state']): Participant {
    this.meeting.authorize(actor, action);
    const t = this.meeting.get(targetId);
    if (!t) throw new KaigiError(ErrorCode.UNKNOWN_PARTICIPANT);
    if (state && t.state !== state) {
      throw new KaigiError(ErrorCode.UNKNOWN_PARTICIPANT, state === 'waiting' ? 'That person is not in the waiting room.' : 'That person is not in the meeting.');
    }
    this.meeting.authorizeOn(actor, action, t);
    return t;
  }

  /** Step 5: the domain. Returns the ban of a removal. */
  private takeOut(t: Participant, reason: DepartReason, actor: string, opts: DepartOptions): Ban | null {
    switch (reason) {
      case 'left':
      case 'timeout':
      case 'revoked':
        this.meeting.leave(t.id);
        return null;
      case 'denied':
        this.meeting.deny(actor, t.id);
        return null;
      case 'sentBack':
        this.meeting.sendToWaiting(actor, t.id);
        return null;
      case 'removed':
        return this.meeting.remove(actor, t.id, newId('b'), Date.now(), opts.emailHash ?? null).ban;
    }
  }

  /** A removal: the ban is persisted and audited before the removed person is told (B3). */
  private async persistBan(t: Participant, state: Participant['state'], ban: Ban, actor: string, opts: DepartOptions): Promise<void> {
    const meetingId = this.meeting.id;
    await this.deps.store.insertBan({ ...ban, meetingId, createdAt: new Date(ban.createdAt).toISOString(), createdBy: actor });
    await this.deps.audit.append(this.departureRecord(t, state, 'removed', actor, opts));
    await this.deps.audit.append({
      kind: AuditKind.BANNED,
      actor,
      meetingId,
      data: {
        participantId: t.id,
        banId: ban.id,
        byDevice: ban.deviceHash !== null,
        byAccount: ban.userId !== null,
        // The registration, never the email: the ban's hash of it stays out of the log too.
        ...(ban.registrationId !== null && { registrationId: ban.registrationId, byEmail: ban.emailHash !== null }),
      },
    });
  }

  /** Step 6: what the participant is told; everyone but one sent back loses the seat. */
  private tell(participantId: string, reason: DepartReason): void {
    if (reason === 'sentBack') {
      this.send(participantId, { type: 'sentToWaiting' });
      return;
    }
    const peer = this.seats.get(participantId)?.peer ?? null;
    this.forgetSeat(participantId);
    if (reason === 'denied') peer?.end(ErrorCode.DENIED);
    else if (reason === 'removed' || reason === 'revoked') peer?.end(ErrorCode.REMOVED);
  }

  private departureRecord(t: Participant, state: Participant['state'], reason: DepartReason, actor: string, opts: DepartOptions) {
    const meetingId = this.meeting.id;
    const who = { participantId: t.id, displayName: t.displayName };
    switch (reason) {
      case 'left':
      case 'timeout':
        return { kind: AuditKind.LEFT, actor: t.id, meetingId, data: { displayName: t.displayName, reason, state } };
      case 'denied':
        return { kind: AuditKind.DENIED, actor, meetingId, data: who };
      case 'sentBack':
        return { kind: AuditKind.SENT_TO_WAITING, actor, meetingId, data: who };
      case 'revoked':
        return { kind: AuditKind.REMOVED, actor, meetingId, data: { ...who, state, registrationId: opts.registrationId ?? null, reason: ErrorCode.REGISTRATION_REVOKED } };
      case 'removed':
        // Written with the ban, before the person is told (persistBan).
        return { kind: AuditKind.REMOVED, actor, meetingId, data: { ...who, state } };
    }
  }

  private forgetSeat(participantId: string): void {
    const seat = this.seats.get(participantId);
    if (seat) clearGrace(seat);
    this.seats.delete(participantId);
  }
}

function clearGrace(seat: Seat): void {
  if (seat.graceTimer) clearTimeout(seat.graceTimer);
  seat.graceTimer = null;
}

/**
 * A meeting's Router: on a media worker (issue 15 item 3), except where the server may record
 * the meeting (A5: the recorder reads the producers in this thread) or no workers run.
 */
function placeRouter(meeting: Meeting, deps: RoomDeps, signals: RouterSignals): RouterPort {
  const backOff = meeting.e2ee;
  const recordable = meeting.policy.serverRecording && !meeting.e2ee;
  const proxy = deps.mediaWorkers && !recordable ? deps.mediaWorkers.create(backOff, signals) : null;
  return proxy ?? new Router({ ...deps.media, backOffKeyframeRequests: backOff }, signals);
}
