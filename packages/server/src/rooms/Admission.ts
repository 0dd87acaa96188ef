import { AuditKind, compilePolicy, ErrorCode, type ClientMessage, type OrganisationPolicy } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import { KaigiError } from '../errors.js';
import { membersRuleOf } from '../meeting/EntryRules.js';
import type { Participant } from '../meeting/Participant.js';
import { verifyPassword, burnVerify } from '../security/passwords.js';
import { newId, newSecret, safeEqual, sha256Hex } from '../security/random.js';
import { addressKey, RateLimiter } from '../security/RateLimiter.js';
import { hostRefusedForTwoFactor } from '../security/twoFactorPolicy.js';
import type { MeetingRecord, MeetingStore } from '../storage/MeetingStore.js';
import type { RegistrationRecord, RegistrationStore } from '../storage/RegistrationStore.js';
import { EntryGate } from './EntryGate.js';
import type { ConnectionContext, Peer } from './Peer.js';
import { RefusalAudit, type Refusal } from './RefusalAudit.js';
import type { Room, SeatHandle } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';

/** Refusals of one kind from one source written one by one per window; the rest are summed (H2). */
const FIRST_REFUSAL_ROWS = 5;

type JoinMsg = Extract<ClientMessage, { type: 'join' }>;
type ResumeMsg = Extract<ClientMessage, { type: 'resume' }>;

export interface AdmissionOptions {
  /** Wrong passwords per address (per account when signed in) before waits start (B1). */
  failuresPerAddress: number;
  /** Refused attempts of one kind from one source are summed per this window (H2). */
  refusalWindowMs: number;
  /** The organisation's policy, which each meeting's level compiles against (F1, F2). */
  organisation: OrganisationPolicy;
  /** This node's region (E2): a meeting whose level does not allow it is not run here. */
  region: string;
  /** The waiting room's cap, told to those who admit when a knock is turned away (B2). */
  waitingMax: number;
}

/** One refused join: its code, its audit row (summed per source where `sumBy` is given) and what the client is told. */
interface Refused {
  ctx: ConnectionContext;
  meetingId: string | null;
  data: Record<string, unknown>;
  kind?: AuditKind;
  sumBy?: string;
  retryAfterMs?: number;
  /** The domain's own error, thrown as it is (its message, a members-only rule). */
  err?: KaigiError;
}

/**
 * The door of every room: joins and resumes. Checks passwords (rate limited per address or
 * account, never per meeting, so a stranger's guesses cannot lock out those with the password;
 * B1), the host's second factor (B5), a registrant's personal link (B3), the entry rules (B5,
 * B6) and the waiting room (B2), audits each refusal where it is decided, and hands back a seat.
 */
export class Admission {
  private readonly guesses: RateLimiter;
  private readonly refusals: RefusalAudit;
  private readonly gate: EntryGate;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly rooms: RoomRegistry,
    private readonly store: MeetingStore,
    private readonly audit: AuditLog,
    registrations: RegistrationStore | null,
    private readonly opts: AdmissionOptions,
  ) {
    this.guesses = new RateLimiter({ freeFailures: opts.failuresPerAddress });
    // The first few refusals of a window (as many as the free guesses) are written as they come; the rest summed (H2).
    this.refusals = new RefusalAudit(audit, { windowMs: opts.refusalWindowMs, firstRows: FIRST_REFUSAL_ROWS });
    this.gate = new EntryGate(registrations, audit);
    this.sweeper = setInterval(() => this.guesses.sweep(), 60_000).unref();
  }

  /** Someone asks to join: their credential, then the meeting's own refusals, then the waiting room or the meeting. */
  async join(peer: Peer, ctx: ConnectionContext, msg: JoinMsg): Promise<SeatHandle> {
    const { meetingId } = msg;
    // The meeting is read once per join. The host and personal links are recognised first: they guess nothing (B1).
    const record = await this.store.get(meetingId);
    const isHost = ctx.user !== null && record !== undefined && record.hostUserId === ctx.user.id;
    // The organisation may require hosts to have signed in with a second factor (B5).
    if (isHost && hostRefusedForTwoFactor(this.opts.organisation, ctx.user?.twoFactor === true)) {
      return this.refuse(ErrorCode.TWO_FACTOR_REQUIRED, { ctx, meetingId, data: { userId: ctx.user?.id ?? null } });
    }
    // Where a meeting has registration, a registrant's personal link stands in for the password (B3).
    const registration = isHost ? null : await this.gate.credential(meetingId, record?.rules, msg.registration);
    if (!isHost && !registration) await this.checkPassword(ctx, msg, record);
    if (!record) throw new KaigiError(ErrorCode.WRONG_PASSWORD);
    // An E2EE meeting never falls back to encryption in transit only (D3, D4); decided on the record, before loading.
    if (record.e2ee && msg.e2ee !== true) {
      return this.refuse(ErrorCode.E2EE_UNSUPPORTED, { ctx, meetingId, data: { displayName: msg.displayName, userId: ctx.user?.id ?? null } });
    }
    // The organisation may have narrowed its regions since the meeting was set up (E2).
    if (!compilePolicy(record.rules.level, this.opts.organisation).regions.includes(this.opts.region)) {
      throw new KaigiError(ErrorCode.REGION_NOT_ALLOWED);
    }
    const lease = await this.rooms.acquire(meetingId, record);
    if (!lease) throw new KaigiError(ErrorCode.WRONG_PASSWORD);
    try {
      return await this.arrive(lease.room, peer, ctx, msg, isHost, registration);
    } finally {
      lease.release();
    }
  }

  /** A participant whose connection dropped takes its place back with its resume token (H2). */
  async resume(peer: Peer, ctx: ConnectionContext, msg: ResumeMsg): Promise<SeatHandle> {
    const key = addressKey(ctx.ip);
    // Counted before the token is compared, as every guess (B1).
    const limit = this.guesses.attempt(key);
    if (!limit.allowed) {
      const data = { attemptedMeetingId: msg.meetingId, resume: true };
      return this.refuse(ErrorCode.RATE_LIMITED, { ctx, meetingId: null, data, kind: AuditKind.JOIN_RATE_LIMITED, sumBy: key, retryAfterMs: limit.retryAfterMs });
    }
    const room = this.rooms.get(msg.meetingId);
    const p = room?.meeting.get(msg.participantId);
    if (!room || !p || !safeEqual(p.resumeTokenHash, sha256Hex(msg.resumeToken))) {
      const data = { attemptedMeetingId: msg.meetingId, participantId: msg.participantId };
      return this.refuse(ErrorCode.INVALID_RESUME, { ctx, meetingId: room ? msg.meetingId : null, data, kind: AuditKind.RESUME_FAILED, sumBy: key });
    }
    this.guesses.succeeded(key);
    const old = room.reconnect(p.id, peer);
    if (old) {
      old.end(ErrorCode.REPLACED);
      // A live connection taken over by another holding the token (H2): a stolen token shows here.
      await this.audit.append({ kind: AuditKind.RESUME_REPLACED, actor: p.id, meetingId: msg.meetingId, data: { displayName: p.displayName, state: p.state, address: ctx.ip } });
    }
    peer.send({ type: 'joined', reqId: msg.reqId, participantId: p.id, resumeToken: msg.resumeToken, role: p.role, state: p.state });
    room.welcome(p.id);
    room.sendViews();
    return { room, participantId: p.id };
  }

  /** A refusal of someone not in a meeting (a Connection's), audited in sums per address (H2). */
  refused(r: Refusal): Promise<void> {
    return this.refusals.refused(r);
  }

  /** Shutdown: the sums of refusals are written. */
  close(): void {
    clearInterval(this.sweeper);
    this.refusals.flush();
  }

  /** Past the password: the entry rules, then the domain's arrival (bans, lock, waiting room), then the seat. */
  private async arrive(room: Room, peer: Peer, ctx: ConnectionContext, msg: JoinMsg, isHost: boolean, registration: RegistrationRecord | null): Promise<SeatHandle> {
    const resumeToken = newSecret();
    let participant: Participant;
    try {
      // Members only, and registration (B3, B5, B6): after the password, before the waiting room.
      const entry = await this.gate.decide(room.meeting, ctx.user, isHost, registration);
      participant = room.meeting.arrive({
        id: newId('p'),
        displayName: msg.displayName,
        role: isHost ? 'host' : 'participant',
        entry: entry.entry,
        registrationId: entry.registrationId,
        source: entry.registrationId !== null ? `reg:${entry.registrationId}` : ctx.user ? `user:${ctx.user.id}` : addressKey(ctx.ip),
        fixedName: entry.fixedName,
        deviceHash: ctx.deviceHash,
        userId: ctx.user?.id ?? null,
        accountName: ctx.user?.username ?? null,
        resumeTokenHash: sha256Hex(resumeToken),
        now: Date.now(),
      });
    } catch (err) {
      return this.arrivalRefused(room, ctx, msg, err);
    }
    room.seat(participant.id, peer);
    await this.audit.append({
      kind: isHost ? AuditKind.HOST_JOINED : AuditKind.WAITING,
      actor: participant.id,
      meetingId: room.meeting.id,
      data: {
        displayName: participant.displayName,
        entry: participant.entry,
        userId: participant.userId,
        address: ctx.ip,
        ...(participant.registrationId !== null && { registrationId: participant.registrationId }),
      },
    });
    // A personal link: its use is traced, and one in use from two places is flagged (B3).
    await this.gate.arrived(room, participant);
    peer.send({ type: 'joined', reqId: msg.reqId, participantId: participant.id, resumeToken, role: participant.role, state: participant.state });
    room.welcome(participant.id);
    room.sendViews();
    return { room, participantId: participant.id };
  }

  /**
   * The entry rules or the domain said no. A knock on a full waiting room (B2) is summed per
   * address and told to those who admit (they can admit, deny or lock); the rest are one row each.
   */
  private arrivalRefused(room: Room, ctx: ConnectionContext, msg: JoinMsg, err: unknown): Promise<never> {
    if (!(err instanceof KaigiError)) throw err;
    const meetingId = room.meeting.id;
    const data = { displayName: msg.displayName, userId: ctx.user?.id ?? null };
    if (err.code === ErrorCode.WAITING_ROOM_FULL || err.code === ErrorCode.TOO_MANY_WAITING) {
      if (err.code === ErrorCode.WAITING_ROOM_FULL) room.waitingRoomFull(this.opts.waitingMax);
      return this.refuse(err.code, { ctx, meetingId, data, kind: AuditKind.JOIN_REFUSED, sumBy: addressKey(ctx.ip), err });
    }
    // rule: which members-only rule (domain or group) refused the account; never its emails or groups.
    const rule = membersRuleOf(err);
    return this.refuse(err.code, { ctx, meetingId, data: { ...data, ...(rule !== null && { rule }) }, err });
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
      const data = { attemptedMeetingId: msg.meetingId };
      return this.refuse(ErrorCode.RATE_LIMITED, { ctx, meetingId: null, data, kind: AuditKind.JOIN_RATE_LIMITED, sumBy: key, retryAfterMs: limit.retryAfterMs });
    }
    const ok =
      record !== undefined && msg.password !== undefined
        ? await verifyPassword(record.passwordHash, msg.password)
        : (await burnVerify(msg.password ?? ''), false);
    if (ok) return this.guesses.succeeded(key);
    const data = { attemptedMeetingId: msg.meetingId, displayName: msg.displayName, passwordGiven: msg.password !== undefined };
    return this.refuse(ErrorCode.WRONG_PASSWORD, { ctx, meetingId: record ? msg.meetingId : null, data, kind: AuditKind.PASSWORD_FAILED, sumBy: key });
  }

  /**
   * Every refused join, one way: audited where it is decided (summed per source for what a
   * stranger can repeat, H2), then thrown. The Connection does not audit these again.
   */
  private async refuse(code: ErrorCode, r: Refused): Promise<never> {
    const kind = r.kind ?? AuditKind.JOIN_REFUSED;
    const actor = `address:${r.ctx.ip}`;
    // JOIN_REFUSED rows say why; the others' kind says it.
    const data = kind === AuditKind.JOIN_REFUSED ? { reason: code, ...r.data } : r.data;
    if (r.sumBy !== undefined) await this.refusals.refused({ kind, source: r.sumBy, actor, meetingId: r.meetingId, data });
    else await this.audit.append({ kind, actor, meetingId: r.meetingId, data });
    throw r.err ?? new KaigiError(code, r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {});
  }
}
