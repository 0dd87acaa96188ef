import {
  admissionCheckRequired,
  can,
  DEFAULT_MEDIA_PERMISSIONS,
  ErrorCode,
  levelInfo,
  mayActOn,
  mayAdmitAll,
  mayChat,
  mayPublish,
  mayShareFiles,
  MediaSource,
  runsMeeting,
  type AdmissionCheck,
  type BanInfo,
  type EntryKind,
  type HostActionType,
  type MediaPermissions,
  type MeetingPolicy,
  type MeetingSummary,
  type ParticipantInfo,
  type Role,
  type WaitingEntry,
} from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import { BanList, type Ban } from './BanList.js';
import { toInfo, toWaitingEntry, type Participant } from './Participant.js';
import { admitArrival, defaultRules, raisedPolicy, type MeetingRules } from './MeetingRules.js';

export interface Arrival {
  id: string;
  displayName: string;
  role: Role;
  entry: EntryKind;
  deviceHash: string;
  userId: string | null;
  resumeTokenHash: string;
  /** The signed-in account's name, for meetings that use account names (B4). */
  accountName?: string | null;
  /** The registration whose personal link was used (B3), and the name it fixes (B4). */
  registrationId?: string | null;
  fixedName?: string | null;
  /** Who knocks (an address, an account, a link): at most `perSource` wait at once from one (B2). */
  source?: string | null;
  now: number;
}

/** Bounds of the waiting room (B2): all guests together, and everyone from one source. */
export interface WaitingLimits {
  /** Guests who came with the password only; members and personal links are bounded otherwise. */
  maxGuests: number;
  perSource: number;
}

/** A meeting as stored, to be loaded: everything but its identity has a default (a new, open meeting). */
export interface MeetingOptions {
  id: string;
  title: string;
  hostUserId: string;
  locked?: boolean;
  bans?: BanList;
  mediaPermissions?: MediaPermissions;
  /** End-to-end encrypted: fixed for as long as the meeting is loaded. */
  e2ee?: boolean;
  /** Seconds the host keeps chat after the meeting (E4); 0: chat is never written. */
  chatRetentionSeconds?: number;
  /** Level policy and the host's rules (F1, C1, C4, B4). */
  rules?: MeetingRules;
}

/**
 * A live meeting's admission state: who waits, who is in, who is banned, whether it is locked.
 * Pure: no I/O and no clock of its own, so every rule is unit-testable. Callers have already
 * checked the password; this class decides everything after that (the admission state machine
 * in docs/architecture.md).
 */
export class Meeting {
  private readonly participants = new Map<string, Participant>();
  /** Unbounded unless the hub sets them (from the server's configuration). */
  waitingLimits: WaitingLimits = { maxGuests: Infinity, perSource: Infinity };

  readonly id: string;
  title: string;
  readonly hostUserId: string;
  locked: boolean;
  readonly bans: BanList;
  mediaPermissions: MediaPermissions;
  /** End-to-end encrypted: fixed for as long as the meeting is loaded. */
  readonly e2ee: boolean;
  /** Seconds the host keeps chat after the meeting (E4); 0: chat is never written. */
  chatRetentionSeconds: number;
  /** Level policy and the host's rules (F1, C1, C4, B4). */
  rules: MeetingRules;

  constructor(o: MeetingOptions) {
    this.id = o.id;
    this.title = o.title;
    this.hostUserId = o.hostUserId;
    this.locked = o.locked ?? false;
    this.bans = o.bans ?? new BanList();
    this.mediaPermissions = o.mediaPermissions ?? { ...DEFAULT_MEDIA_PERMISSIONS };
    this.e2ee = o.e2ee ?? false;
    this.chatRetentionSeconds = o.chatRetentionSeconds ?? 0;
    this.rules = o.rules ?? defaultRules();
  }

  get policy(): MeetingPolicy {
    return this.rules.policy;
  }

  /** Whether chat is written down: only by the host's choice, and never in E2EE (unreadable). */
  get keepsChat(): boolean {
    return !this.e2ee && this.rules.policy.chatKeeping && this.chatRetentionSeconds > 0;
  }

  /** A person with the right password (or the host) arrives. Hosts are admitted at once. */
  arrive(a: Arrival): Participant {
    if (a.role !== 'host') {
      if (this.bans.matches(a)) throw new KaigiError(ErrorCode.BANNED);
      if (this.locked) throw new KaigiError(ErrorCode.LOCKED);
      this.assertWaitingSeat(a);
    }
    const displayName = admitArrival(this.rules, { role: a.role, displayName: a.displayName, accountName: a.accountName ?? null, fixedName: a.fixedName ?? null, now: a.now }, this.hostPresent());
    const p: Participant = {
      id: a.id,
      displayName,
      role: a.role,
      entry: a.entry,
      registrationId: a.registrationId ?? null,
      deviceHash: a.deviceHash,
      source: a.source ?? null,
      userId: a.userId,
      resumeTokenHash: a.resumeTokenHash,
      arrivedAt: a.now,
      state: a.role === 'host' ? 'admitted' : 'waiting',
      admittedAt: a.role === 'host' ? a.now : null,
      verification: null,
      admissionCheck: null,
    };
    this.participants.set(p.id, p);
    return p;
  }

  get(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  /** Checks that `actorId` is an admitted participant whose role allows `action`. */
  authorize(actorId: string, action: HostActionType): Participant {
    const actor = this.participants.get(actorId);
    if (!actor) throw new KaigiError(ErrorCode.NOT_JOINED);
    if (actor.state !== 'admitted') throw new KaigiError(ErrorCode.NOT_ADMITTED);
    if (!can(actor.role, action)) throw new KaigiError(ErrorCode.FORBIDDEN);
    return actor;
  }

  /**
   * The one check of who may act on whom (C1, C3, B7): an admitted actor whose row of the
   * permission table reaches the target's role, and never themselves. Returns the actor.
   */
  authorizeOn(actorId: string, action: HostActionType, target: { id: string | null; role: Role }): Participant {
    const actor = this.authorize(actorId, action);
    if (target.id === actor.id || !mayActOn(actor.role, action, target.role)) throw new KaigiError(ErrorCode.CANNOT_ACT_ON_PARTICIPANT);
    return actor;
  }

  /** The actor and the target of an action on one participant, through the one check. */
  private actOn(actorId: string, action: HostActionType, targetId: string, state?: Participant['state']): { actor: Participant; t: Participant } {
    this.authorize(actorId, action);
    const t = this.target(targetId, state);
    return { actor: this.authorizeOn(actorId, action, t), t };
  }

  /** `check`: what the admitting host checked; a High meeting admits no guest without one (F1, B7). */
  admit(actorId: string, targetId: string, now: number, check?: AdmissionCheck): Participant {
    const { actor, t } = this.actOn(actorId, 'admit', targetId, 'waiting');
    if (admissionCheckRequired(this.rules.policy, t.entry) && !check) throw new KaigiError(ErrorCode.CHECK_REQUIRED);
    if (check) t.admissionCheck = { by: actor.id, byName: actor.displayName, at: now, ...check };
    t.state = 'admitted';
    t.admittedAt = now;
    return t;
  }

  deny(actorId: string, targetId: string): Participant {
    const { t } = this.actOn(actorId, 'deny', targetId, 'waiting');
    this.participants.delete(t.id);
    return t;
  }

  admitAll(actorId: string, now: number): Participant[] {
    this.authorize(actorId, 'admitAll');
    const waiting = [...this.participants.values()].filter((p) => p.state === 'waiting');
    // The client greys out "admit all" by the same rule (F1, B7).
    if (!mayAdmitAll(this.rules.policy, waiting)) {
      throw new KaigiError(ErrorCode.CHECK_REQUIRED, 'In a high-confidentiality meeting each guest is checked and admitted one by one.');
    }
    for (const p of waiting) {
      p.state = 'admitted';
      p.admittedAt = now;
    }
    return waiting;
  }

  sendToWaiting(actorId: string, targetId: string): Participant {
    const { t } = this.actOn(actorId, 'sendToWaiting', targetId, 'admitted');
    t.state = 'waiting';
    t.admittedAt = null;
    t.verification = null;
    t.admissionCheck = null;
    if (t.role === 'cohost' || t.role === 'verifier') t.role = 'participant';
    return t;
  }

  /**
   * Removes anyone (waiting or admitted) and bans them from this meeting: their device, account,
   * and for a registrant the registration and `emailHash`, the keyed hash of its email (B3).
   */
  remove(actorId: string, targetId: string, banId: string, now: number, emailHash: string | null = null): { participant: Participant; ban: Ban } {
    const { t } = this.actOn(actorId, 'remove', targetId);
    this.participants.delete(t.id);
    const ban: Ban = {
      id: banId,
      deviceHash: t.deviceHash,
      userId: t.userId,
      role: t.role,
      registrationId: t.registrationId,
      emailHash: t.registrationId !== null ? emailHash : null,
      displayName: t.displayName,
      createdAt: now,
    };
    this.bans.add(ban);
    return { participant: t, ban };
  }

  setLocked(actorId: string, locked: boolean): boolean {
    this.authorize(actorId, 'setLocked');
    const changed = this.locked !== locked;
    this.locked = locked;
    return changed;
  }

  /** Whether this participant may publish this source now (C1, C2). Hosts always may. */
  canPublish(participantId: string, source: MediaSource): boolean {
    const p = this.participants.get(participantId);
    if (!p || p.state !== 'admitted') return false;
    return mayPublish(p.role, this.mediaPermissions, source);
  }

  /** Whether this participant may send chat messages now (A3, C1). Hosts always may. */
  canChat(participantId: string): boolean {
    const p = this.participants.get(participantId);
    if (!p || p.state !== 'admitted') return false;
    return mayChat(p.role, this.mediaPermissions);
  }

  /**
   * Whether this participant may share files now (A4, C1, D2): hosts always may, where the level
   * allows files at all; in an E2EE meeting only those who may chat, as the file's key goes by chat.
   */
  canShareFiles(participantId: string): boolean {
    const p = this.participants.get(participantId);
    if (!p || p.state !== 'admitted') return false;
    return mayShareFiles({ e2ee: this.e2ee, mediaPermissions: this.mediaPermissions, level: this.rules.policy }, p.role);
  }

  /** Changes what participants may do; returns the media sources that were withdrawn. */
  setMediaPermissions(actorId: string, patch: Partial<MediaPermissions>): MediaSource[] {
    this.authorize(actorId, 'setMediaPermissions');
    const before = this.mediaPermissions;
    this.mediaPermissions = { ...before, ...patch };
    return MediaSource.options.filter((k) => k in patch && before[k] && !this.mediaPermissions[k]);
  }

  /** A host records that it compared the safety code of `epoch` with this participant (B7). */
  verify(actorId: string, targetId: string, epoch: number, now: number): Participant {
    this.authorize(actorId, 'verify');
    if (!this.e2ee) throw new KaigiError(ErrorCode.E2EE_NOT_ENABLED, 'Safety codes exist only in end-to-end encrypted meetings.');
    const { actor, t } = this.actOn(actorId, 'verify', targetId, 'admitted');
    t.verification = { byId: actor.id, byName: actor.displayName, epoch, at: now };
    return t;
  }

  /**
   * Suspends participant activity in one action (C3): every permission off, the meeting locked.
   * Returns the admitted participants whose media the caller must stop (everyone but hosts).
   */
  suspend(actorId: string): Participant[] {
    this.authorize(actorId, 'suspendAll');
    this.mediaPermissions = { microphone: false, camera: false, screen: false, chat: false, files: false };
    this.locked = true;
    return this.all().filter((p) => p.state === 'admitted' && !runsMeeting(p.role));
  }

  /** The host makes an admitted participant a co-host, or back; returns the target, or null if unchanged. */
  setRole(actorId: string, targetId: string, role: 'cohost' | 'verifier' | 'participant'): Participant | null {
    // The host stays the host: the table lets nobody act on a host.
    const { t } = this.actOn(actorId, 'setRole', targetId, 'admitted');
    if (t.role === role) return null;
    t.role = role;
    return t;
  }

  /** Raises the level while the meeting runs (never lowers it); the caller announces and audits. */
  raiseLevel(next: MeetingPolicy): boolean {
    const changed = next.level !== this.rules.policy.level;
    this.rules = { ...this.rules, policy: raisedPolicy(this.rules.policy, next, this.e2ee) };
    return changed;
  }

  /** A host stops one participant's source (never a host's, C1); returns the target. */
  stopMedia(actorId: string, targetId: string): Participant {
    return this.actOn(actorId, 'stopMedia', targetId, 'admitted').t;
  }

  /** Lifting a ban acts on the person it bans, as they were when removed. */
  liftBan(actorId: string, banId: string): Ban {
    this.authorize(actorId, 'liftBan');
    const ban = this.bans.get(banId);
    if (!ban) throw new KaigiError(ErrorCode.NOT_FOUND, 'No such ban in this meeting.');
    this.authorizeOn(actorId, 'liftBan', { id: null, role: ban.role });
    this.bans.lift(banId);
    return ban;
  }

  /** The participant leaves, or its resume grace ran out. */
  leave(id: string): Participant | undefined {
    const p = this.participants.get(id);
    this.participants.delete(id);
    return p;
  }

  all(): Participant[] {
    return [...this.participants.values()];
  }

  get isEmpty(): boolean {
    return this.participants.size === 0;
  }

  hostPresent(): boolean {
    return this.all().some((p) => runsMeeting(p.role) && p.state === 'admitted');
  }

  roster(): ParticipantInfo[] {
    return this.all().filter((p) => p.state === 'admitted').map(toInfo);
  }

  waitingRoom(): WaitingEntry[] {
    return this.all().filter((p) => p.state === 'waiting').map(toWaitingEntry);
  }

  banList(): BanInfo[] {
    return this.bans.list();
  }

  summary(): MeetingSummary {
    return {
      id: this.id,
      title: this.title,
      locked: this.locked,
      mediaPermissions: { ...this.mediaPermissions },
      e2ee: this.e2ee,
      chatRetentionSeconds: this.keepsChat ? this.chatRetentionSeconds : 0,
      level: levelInfo(this.rules.policy),
      muteOnEntry: this.rules.muteOnEntry,
    };
  }

  private target(id: string, state?: Participant['state']): Participant {
    const t = this.participants.get(id);
    if (!t) throw new KaigiError(ErrorCode.UNKNOWN_PARTICIPANT);
    if (state && t.state !== state) {
      throw new KaigiError(
        ErrorCode.UNKNOWN_PARTICIPANT,
        state === 'waiting' ? 'That person is not in the waiting room.' : 'That person is not in the meeting.',
      );
    }
    return t;
  }

  /**
   * A seat in the waiting room (B2): someone who knows the password (a leaked link) cannot fill
   * it without bound, from one source nor from many. Guests only count towards the cap, so a
   * flood of them never keeps out members and personal links.
   */
  private assertWaitingSeat(a: Arrival): void {
    const waiting = this.all().filter((p) => p.state === 'waiting');
    if (a.source && waiting.filter((p) => p.source === a.source).length >= this.waitingLimits.perSource) {
      throw new KaigiError(ErrorCode.TOO_MANY_WAITING);
    }
    if (a.entry === 'guest' && waiting.filter((p) => p.entry === 'guest').length >= this.waitingLimits.maxGuests) {
      throw new KaigiError(ErrorCode.WAITING_ROOM_FULL);
    }
  }
}
