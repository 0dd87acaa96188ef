import {
  AuditKind,
  compilePolicy,
  ErrorCode,
  type ClientMessage,
  type OrganisationPolicy,
  type Role,
} from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import { BanList } from '../meeting/BanList.js';
import { Meeting } from '../meeting/Meeting.js';
import { KaigiError } from '../errors.js';
import { MeetingError } from '../meeting/MeetingError.js';
import { membersRuleOf } from '../meeting/EntryRules.js';
import { verifyPassword, burnVerify } from '../security/passwords.js';
import { newId, newSecret, safeEqual, sha256Hex } from '../security/random.js';
import { addressKey, RateLimiter } from '../security/RateLimiter.js';
import type { MeetingStore, StoredRules } from '../storage/MeetingStore.js';
import { LiveMeeting } from './LiveMeeting.js';
import type { ConnectionContext, Peer } from './Peer.js';
import type { MediaConfig } from '../sfu/MediaConfig.js';
import { hostRefusedForTwoFactor } from '../security/twoFactorPolicy.js';
import type { RegistrationStore } from '../storage/RegistrationStore.js';
import { EntryGate } from './EntryGate.js';
import { Observer } from '../sfu/Emitter.js';
import { RefusalAudit, type Refusal } from './RefusalAudit.js';
import type { MeetingRecord } from '../storage/MeetingStore.js';

/** Refusals of one kind from one source written one by one per window; the rest are summed (H2). */
const FIRST_REFUSAL_ROWS = 5;

type JoinMsg = Extract<ClientMessage, { type: 'join' }>;
type ResumeMsg = Extract<ClientMessage, { type: 'resume' }>;

export interface Seat {
  meetingId: string;
  participantId: string;
}

export interface HubOptions {
  /** Wrong passwords per address (per account when signed in) before waits start (B1). */
  failuresPerAddress: number;
  /** Bounds of each waiting room (B2). */
  waiting: { maxGuests: number; perSource: number };
  /** Refused attempts of one kind from one source are summed per this window (H2). */
  refusalWindowMs: number;
  resumeGraceMs: number;
  media: MediaConfig;
  e2eeUpdateIntervalMs: number;
  /** The organisation's policy, which each meeting's level compiles against (F1, F2). */
  organisation: OrganisationPolicy;
  /** This node's region (E2): a meeting whose level does not allow it is not run here. */
  region: string;
  /** The level of a running meeting went up: what it no longer allows must stop (e.g. server recording). */
  onLevelRaised?: (meetingId: string) => void;
  /** The last participant left: the meeting's data starts its retention (E4). */
  onMeetingEnded?: (meetingId: string) => void;
  /** Registrations and account emails, for members-only meetings and pre-registration (B3, B5). */
  registrations?: RegistrationStore;
}

/**
 * Runs live meetings: checks passwords (rate limited), loads meetings and their bans, applies
 * admission decisions of the Meeting domain, persists what must survive a restart, writes the
 * audit log and fans out to the participants allowed to see each change.
 */
export class MeetingHub {
  /** Monitoring: a live meeting was loaded (tests attach to its Router here, never production code). */
  readonly observer = new Observer<{ roomOpened: [LiveMeeting] }>();
  private readonly live = new Map<string, LiveMeeting>();
  private readonly loading = new Map<string, Promise<LiveMeeting | null>>();
  /**
   * Password guesses, per address for guests and per account for the signed-in; never per
   * meeting, so a stranger's guesses cannot lock out those with the password (B1, README).
   */
  private readonly guesses: RateLimiter;
  private readonly refusals: RefusalAudit;
  private readonly sweeper: NodeJS.Timeout;
  private readonly gate: EntryGate;

  constructor(
    private readonly store: MeetingStore,
    private readonly audit: AuditLog,
    private readonly opts: HubOptions,
  ) {
    this.guesses = new RateLimiter({ freeFailures: opts.failuresPerAddress });
    // The first few refusals of a window (as many as the free guesses) are written as they come; the rest summed (H2).
    this.refusals = new RefusalAudit(audit, { windowMs: opts.refusalWindowMs, firstRows: FIRST_REFUSAL_ROWS });
    this.gate = new EntryGate(opts.registrations ?? null, audit);
    this.sweeper = setInterval(() => this.guesses.sweep(), 60_000).unref();
  }

  async join(peer: Peer, ctx: ConnectionContext, msg: JoinMsg): Promise<Seat> {
    const { meetingId } = msg;
    // The host and personal links are recognised first: they guess nothing, so no limit holds them (B1).
    const record = await this.store.get(meetingId);
    const isHost = ctx.user !== null && record !== undefined && record.hostUserId === ctx.user.id;
    // The organisation may require hosts to have signed in with a second factor (B5).
    if (isHost && hostRefusedForTwoFactor(this.opts.organisation, ctx.user?.twoFactor === true)) {
      await this.audit.append({
        kind: AuditKind.JOIN_REFUSED,
        actor: `address:${ctx.ip}`,
        meetingId,
        data: { reason: ErrorCode.TWO_FACTOR_REQUIRED, userId: ctx.user?.id ?? null },
      });
      throw new MeetingError(ErrorCode.TWO_FACTOR_REQUIRED);
    }
    // Where a meeting has registration, a registrant's personal link stands in for the password (B3).
    const registration = isHost ? null : await this.gate.credential(meetingId, record?.rules, msg.registration);
    if (!isHost && !registration) await this.checkPassword(ctx, msg, record);
    const live = await this.load(meetingId);
    if (!live) throw new MeetingError(ErrorCode.WRONG_PASSWORD);
    // An E2EE meeting never falls back to encryption in transit only (D3, D4).
    if (live.meeting.e2ee && msg.e2ee !== true) {
      live.pending--;
      this.unloadIfIdle(live);
      await this.audit.append({
        kind: AuditKind.JOIN_REFUSED,
        actor: `address:${ctx.ip}`,
        meetingId,
        data: { reason: ErrorCode.E2EE_UNSUPPORTED, displayName: msg.displayName, userId: ctx.user?.id ?? null },
      });
      throw new MeetingError(ErrorCode.E2EE_UNSUPPORTED);
    }
    // The organisation may have narrowed its regions since the meeting was set up (E2).
    if (!live.meeting.policy.regions.includes(this.opts.region)) {
      live.pending--;
      this.unloadIfIdle(live);
      throw new MeetingError(ErrorCode.REGION_NOT_ALLOWED);
    }
    const role: Role = isHost ? 'host' : 'participant';
    const resumeToken = newSecret();
    let participant;
    try {
      // Members only, and registration (B3, B5, B6): after the password, before the waiting room.
      const admission = await this.gate.decide(live.meeting, ctx.user, isHost, registration);
      participant = live.meeting.arrive({
        id: newId('p'),
        displayName: msg.displayName,
        role,
        entry: admission.entry,
        registrationId: admission.registrationId,
        source: admission.registrationId !== null ? `reg:${admission.registrationId}` : ctx.user ? `user:${ctx.user.id}` : addressKey(ctx.ip),
        fixedName: admission.fixedName,
        deviceHash: ctx.deviceHash,
        userId: ctx.user?.id ?? null,
        accountName: ctx.user?.username ?? null,
        resumeTokenHash: sha256Hex(resumeToken),
        now: Date.now(),
      });
    } catch (err) {
      live.pending--;
      if (err instanceof KaigiError && (err.code === ErrorCode.WAITING_ROOM_FULL || err.code === ErrorCode.TOO_MANY_WAITING)) {
        this.unloadIfIdle(live);
        await this.waitingRoomRefused(live, ctx, msg, err.code);
        throw err;
      }
      if (err instanceof KaigiError) {
        const rule = membersRuleOf(err);
        await this.audit.append({
          kind: AuditKind.JOIN_REFUSED,
          actor: `address:${ctx.ip}`,
          meetingId,
          // rule: which members-only rule (domain or group) refused the account; never its emails or groups.
          data: { reason: err.code, displayName: msg.displayName, userId: ctx.user?.id ?? null, ...(rule !== null && { rule }) },
        });
      }
      this.unloadIfIdle(live);
      throw err;
    }
    live.pending--;
    live.peers.set(participant.id, peer);
    await this.audit.append({
      kind: isHost ? AuditKind.HOST_JOINED : AuditKind.WAITING,
      actor: participant.id,
      meetingId,
      data: {
        displayName: participant.displayName,
        entry: participant.entry,
        userId: participant.userId,
        address: ctx.ip,
        ...(participant.registrationId !== null && { registrationId: participant.registrationId }),
      },
    });
    // A personal link: its use is traced, and one in use from two places is flagged (B3).
    await this.gate.arrived(live, participant);
    peer.send({
      type: 'joined',
      reqId: msg.reqId,
      participantId: participant.id,
      resumeToken,
      role,
      state: participant.state,
    });
    live.welcome(participant.id);
    live.publish();
    return { meetingId, participantId: participant.id };
  }

  /** A participant whose connection dropped takes its place back with its resume token. */
  async resume(peer: Peer, ctx: ConnectionContext, msg: ResumeMsg): Promise<Seat> {
    const key = addressKey(ctx.ip);
    // Counted before the token is compared, as every guess (B1).
    const limit = this.guesses.attempt(key);
    if (!limit.allowed) {
      await this.refusals.refused({ kind: AuditKind.JOIN_RATE_LIMITED, source: key, actor: `address:${ctx.ip}`, meetingId: null, data: { attemptedMeetingId: msg.meetingId, resume: true } });
      throw Object.assign(new MeetingError(ErrorCode.RATE_LIMITED), { retryAfterMs: limit.retryAfterMs });
    }
    const live = this.live.get(msg.meetingId);
    const p = live?.meeting.get(msg.participantId);
    if (!live || !p || !safeEqual(p.resumeTokenHash, sha256Hex(msg.resumeToken))) {
      await this.refusals.refused({
        kind: AuditKind.RESUME_FAILED,
        source: key,
        actor: `address:${ctx.ip}`,
        meetingId: live ? msg.meetingId : null,
        data: { attemptedMeetingId: msg.meetingId, participantId: msg.participantId },
      });
      throw new MeetingError(ErrorCode.INVALID_RESUME);
    }
    this.guesses.succeeded(key);
    live.clearGrace(p.id);
    // A newcomer's media transports do not survive a new connection: a check with them ends (B7).
    if (p.state === 'waiting') live.checks.gone(p.id);
    const old = live.peers.get(p.id);
    live.peers.set(p.id, peer);
    if (old && old !== peer) {
      old.end(ErrorCode.REPLACED);
      // A live connection taken over by another holding the token (H2): a stolen token shows here.
      await this.audit.append({ kind: AuditKind.RESUME_REPLACED, actor: p.id, meetingId: msg.meetingId, data: { displayName: p.displayName, state: p.state, address: ctx.ip } });
    }
    peer.send({
      type: 'joined',
      reqId: msg.reqId,
      participantId: p.id,
      resumeToken: msg.resumeToken,
      role: p.role,
      state: p.state,
    });
    live.welcome(p.id);
    live.publish();
    return { meetingId: msg.meetingId, participantId: p.id };
  }

  async leave(seat: Seat, reason: 'left' | 'timeout'): Promise<void> {
    const live = this.live.get(seat.meetingId);
    if (!live) return;
    live.clearGrace(seat.participantId);
    live.peers.delete(seat.participantId);
    const p = live.meeting.leave(seat.participantId);
    if (!p) return;
    live.departed(p.id);
    live.publish();
    this.unloadIfIdle(live);
    await this.audit.append({
      kind: AuditKind.LEFT,
      actor: p.id,
      meetingId: seat.meetingId,
      data: { displayName: p.displayName, reason, state: p.state },
    });
  }

  /** The connection dropped: the participant keeps its place for the resume grace period. */
  disconnected(seat: Seat, peer: Peer): void {
    const live = this.live.get(seat.meetingId);
    if (!live || live.peers.get(seat.participantId) !== peer) return;
    live.peers.delete(seat.participantId);
    live.clearGrace(seat.participantId);
    live.graceTimers.set(
      seat.participantId,
      setTimeout(() => void this.leave(seat, 'timeout'), this.opts.resumeGraceMs).unref(),
    );
  }

  /**
   * The meeting was changed through the API (already checked against the policies there). A
   * raised level is announced to everyone, audited, and what it no longer allows stops.
   */
  async updated(
    meetingId: string,
    patch: { title?: string; locked?: boolean; chatRetentionSeconds?: number; rules?: StoredRules; actor?: string },
  ): Promise<void> {
    const live = this.live.get(meetingId);
    if (!live) return;
    if (patch.title !== undefined) live.meeting.title = patch.title;
    if (patch.chatRetentionSeconds !== undefined) live.meeting.chatRetentionSeconds = patch.chatRetentionSeconds;
    if (patch.rules) {
      const { level, ...rest } = patch.rules;
      const before = live.meeting.policy.level;
      const raised = live.meeting.raiseLevel(compilePolicy(level, this.opts.organisation));
      live.meeting.rules = { ...live.meeting.rules, ...rest };
      if (raised) {
        this.opts.onLevelRaised?.(meetingId);
        await this.audit.append({ kind: AuditKind.LEVEL_RAISED, actor: patch.actor ?? 'system', meetingId, data: { from: before, to: level } });
      }
    }
    if (patch.locked !== undefined) live.meeting.locked = patch.locked;
    live.broadcastState();
  }

  /**
   * The host revoked a registration (B3): whoever is in the meeting or waiting with its link is
   * out at once, told they were removed, and not banned (the link is what stops working).
   * Returns how many were taken out.
   */
  async registrationRevoked(meetingId: string, registrationId: string, actor: string): Promise<number> {
    const live = this.live.get(meetingId);
    if (!live) return 0;
    const holders = this.gate.holders(live.meeting, registrationId);
    for (const p of holders) {
      live.meeting.leave(p.id);
      live.departed(p.id);
      this.detach(live, p.id)?.end(ErrorCode.REMOVED);
    }
    if (holders.length === 0) return 0;
    live.publish();
    for (const p of holders) {
      await this.audit.append({
        kind: AuditKind.REMOVED,
        actor,
        meetingId,
        data: { participantId: p.id, displayName: p.displayName, state: p.state, registrationId, reason: ErrorCode.REGISTRATION_REVOKED },
      });
    }
    return holders.length;
  }

  /** The meeting was deleted: everyone is told and disconnected. */
  end(meetingId: string): void {
    const live = this.live.get(meetingId);
    if (!live) return;
    this.live.delete(meetingId);
    const peers = [...live.peers.values()];
    live.close();
    for (const peer of peers) peer.end(ErrorCode.MEETING_ENDED);
  }

  /**
   * An admitted participant proven by its resume token (HTTP requests made from inside a
   * meeting: file sharing), or null. The token's hash is compared in constant time.
   */
  admittedBySecret(meetingId: string, participantId: string, token: string): { live: LiveMeeting; participantId: string } | null {
    const live = this.live.get(meetingId);
    const p = live?.meeting.get(participantId);
    if (!live || !p || p.state !== 'admitted' || !safeEqual(p.resumeTokenHash, sha256Hex(token))) return null;
    return { live, participantId: p.id };
  }

  /** The live meeting with this ID, if anyone is in it. */
  liveMeeting(meetingId: string): LiveMeeting | undefined {
    return this.live.get(meetingId);
  }

  /** Whether anyone is in (or joining) the meeting now. */
  isLive(meetingId: string): boolean {
    return this.live.has(meetingId);
  }

  /** The live meeting of a seat, for the media handler. */
  liveOf(seat: Seat): LiveMeeting {
    const live = this.live.get(seat.meetingId);
    if (!live) throw new MeetingError(ErrorCode.NOT_JOINED);
    return live;
  }

  /** A refusal of someone not in a meeting, audited in sums per address (H2). */
  refused(r: Refusal): Promise<void> {
    return this.refusals.refused(r);
  }

  /** Live counts, for tests and the health endpoint. */
  stats(): { meetings: number; participants: number } {
    let participants = 0;
    for (const l of this.live.values()) participants += l.meeting.all().length;
    return { meetings: this.live.size, participants };
  }

  close(): void {
    clearInterval(this.sweeper);
    this.refusals.flush();
    for (const id of [...this.live.keys()]) this.end(id);
  }

  /** Takes the participant's connection out of the meeting (it is told why by the caller). */
  detach(live: LiveMeeting, participantId: string): Peer | undefined {
    const peer = live.peers.get(participantId);
    live.peers.delete(participantId);
    live.clearGrace(participantId);
    this.unloadIfIdle(live);
    return peer;
  }

  /**
   * The password of someone the meeting does not know by a stronger credential (B1). The guess
   * is counted before the hash is checked, so parallel guesses get no more than the free ones.
   * Limited per account when signed in (a co-host's account included), per address otherwise.
   */
  private async checkPassword(ctx: ConnectionContext, msg: JoinMsg, record: MeetingRecord | undefined): Promise<void> {
    const key = ctx.user ? `user:${ctx.user.id}` : addressKey(ctx.ip);
    const limit = this.guesses.attempt(key);
    if (!limit.allowed) {
      await this.refusals.refused({ kind: AuditKind.JOIN_RATE_LIMITED, source: key, actor: `address:${ctx.ip}`, meetingId: null, data: { attemptedMeetingId: msg.meetingId } });
      throw Object.assign(new MeetingError(ErrorCode.RATE_LIMITED), { retryAfterMs: limit.retryAfterMs });
    }
    const ok =
      record !== undefined && msg.password !== undefined
        ? await verifyPassword(record.passwordHash, msg.password)
        : (await burnVerify(msg.password ?? ''), false);
    if (ok) return this.guesses.succeeded(key);
    await this.refusals.refused({
      kind: AuditKind.PASSWORD_FAILED,
      source: key,
      actor: `address:${ctx.ip}`,
      meetingId: record ? msg.meetingId : null,
      data: { attemptedMeetingId: msg.meetingId, displayName: msg.displayName, passwordGiven: msg.password !== undefined },
    });
    throw new MeetingError(ErrorCode.WRONG_PASSWORD);
  }

  /**
   * A knock on a full waiting room (B2): those who admit people are told the cap is reached
   * (they can admit, deny or lock); the refusals are audited in sums per address (H2).
   */
  private async waitingRoomRefused(live: LiveMeeting, ctx: ConnectionContext, msg: JoinMsg, code: ErrorCode): Promise<void> {
    if (code === ErrorCode.WAITING_ROOM_FULL) {
      live.waitingRefusals++;
      live.toAdmitters({ type: 'waitingRoomFull', cap: this.opts.waiting.maxGuests, refused: live.waitingRefusals });
    }
    await this.refusals.refused({
      kind: AuditKind.JOIN_REFUSED,
      source: addressKey(ctx.ip),
      actor: `address:${ctx.ip}`,
      meetingId: live.meeting.id,
      data: { reason: code, displayName: msg.displayName, userId: ctx.user?.id ?? null },
    });
  }

  private async load(meetingId: string): Promise<LiveMeeting | null> {
    const existing = this.live.get(meetingId);
    if (existing) {
      existing.pending++;
      return existing;
    }
    let p = this.loading.get(meetingId);
    if (!p) {
      p = (async () => {
        const record = await this.store.get(meetingId);
        if (!record) return null;
        const bans = await this.store.activeBans(meetingId);
        const meeting = new Meeting({
          id: record.id,
          title: record.title,
          hostUserId: record.hostUserId,
          locked: record.locked,
          bans: new BanList(bans.map((b) => ({ ...b, createdAt: Date.parse(b.createdAt) }))),
          mediaPermissions: record.mediaPermissions,
          e2ee: record.e2ee,
          chatRetentionSeconds: record.retention.chat,
          rules: { ...record.rules, policy: compilePolicy(record.rules.level, this.opts.organisation) },
        });
        const live = new LiveMeeting(meeting, {
          media: this.opts.media,
          e2eeUpdateIntervalMs: this.opts.e2eeUpdateIntervalMs,
          onEpoch: (id, change) =>
            void this.audit
              .append({ kind: AuditKind.E2EE_EPOCH, actor: change.committer, meetingId: id, data: { ...change } })
              .catch(() => undefined),
        });
        meeting.waitingLimits = this.opts.waiting;
        this.live.set(meetingId, live);
        this.observer.notify('roomOpened', live);
        return live;
      })().finally(() => this.loading.delete(meetingId));
      this.loading.set(meetingId, p);
    }
    const live = await p;
    if (live) live.pending++;
    return live;
  }

  private unloadIfIdle(live: LiveMeeting): void {
    if (live.pending === 0 && live.meeting.isEmpty && this.live.get(live.meeting.id) === live) {
      live.close();
      this.live.delete(live.meeting.id);
      this.opts.onMeetingEnded?.(live.meeting.id);
    }
  }
}
