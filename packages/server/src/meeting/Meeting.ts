import { DEFAULT_MEDIA_PERMISSIONS, ErrorCode, MediaSource, type BanInfo, type MediaPermissions, type EntryKind, type MeetingSummary, type ParticipantInfo, type Role, type WaitingEntry } from '@kaigi/protocol';
import { BanList, type Ban } from './BanList.js';
import { MeetingError } from './MeetingError.js';
import { can, type Action } from './Permissions.js';
import { toInfo, toWaitingEntry, type Participant } from './Participant.js';

export interface Arrival {
  id: string;
  displayName: string;
  role: Role;
  entry: EntryKind;
  deviceHash: string;
  userId: string | null;
  resumeTokenHash: string;
  now: number;
}

/**
 * A live meeting's admission state: who waits, who is in, who is banned, whether it is locked.
 * Pure: no I/O and no clock of its own, so every rule is unit-testable. Callers have already
 * checked the password; this class decides everything after that (the admission state machine
 * in docs/architecture.md).
 */
export class Meeting {
  private readonly participants = new Map<string, Participant>();

  constructor(
    readonly id: string,
    public title: string,
    readonly hostUserId: string,
    public locked: boolean,
    readonly bans: BanList = new BanList(),
    public mediaPermissions: MediaPermissions = { ...DEFAULT_MEDIA_PERMISSIONS },
    /** End-to-end encrypted: fixed for as long as the meeting is loaded. */
    readonly e2ee = false,
    /** Seconds the host keeps chat after the meeting (E4); 0: chat is never written. */
    public chatRetentionSeconds = 0,
  ) {}

  /** Whether chat is written down: only by the host's choice, and never in E2EE (unreadable). */
  get keepsChat(): boolean {
    return !this.e2ee && this.chatRetentionSeconds > 0;
  }

  /** A person with the right password (or the host) arrives. Hosts are admitted at once. */
  arrive(a: Arrival): Participant {
    if (a.role !== 'host') {
      if (this.bans.matches(a)) throw new MeetingError(ErrorCode.BANNED);
      if (this.locked) throw new MeetingError(ErrorCode.LOCKED);
    }
    const p: Participant = {
      id: a.id,
      displayName: a.displayName,
      role: a.role,
      entry: a.entry,
      deviceHash: a.deviceHash,
      userId: a.userId,
      resumeTokenHash: a.resumeTokenHash,
      arrivedAt: a.now,
      state: a.role === 'host' ? 'admitted' : 'waiting',
      admittedAt: a.role === 'host' ? a.now : null,
      verification: null,
    };
    this.participants.set(p.id, p);
    return p;
  }

  get(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  /** Checks that `actorId` is an admitted participant whose role allows `action`. */
  authorize(actorId: string, action: Action): Participant {
    const actor = this.participants.get(actorId);
    if (!actor) throw new MeetingError(ErrorCode.NOT_JOINED);
    if (actor.state !== 'admitted') throw new MeetingError(ErrorCode.NOT_ADMITTED);
    if (!can(actor.role, action)) throw new MeetingError(ErrorCode.FORBIDDEN);
    return actor;
  }

  admit(actorId: string, targetId: string, now: number): Participant {
    this.authorize(actorId, 'admit');
    const t = this.target(targetId, 'waiting');
    t.state = 'admitted';
    t.admittedAt = now;
    return t;
  }

  deny(actorId: string, targetId: string): Participant {
    this.authorize(actorId, 'deny');
    const t = this.target(targetId, 'waiting');
    this.participants.delete(t.id);
    return t;
  }

  admitAll(actorId: string, now: number): Participant[] {
    this.authorize(actorId, 'admitAll');
    const waiting = [...this.participants.values()].filter((p) => p.state === 'waiting');
    for (const p of waiting) {
      p.state = 'admitted';
      p.admittedAt = now;
    }
    return waiting;
  }

  sendToWaiting(actorId: string, targetId: string): Participant {
    this.authorize(actorId, 'sendToWaiting');
    const t = this.target(targetId, 'admitted');
    this.assertNotHost(t);
    t.state = 'waiting';
    t.admittedAt = null;
    t.verification = null;
    return t;
  }

  /** Removes anyone (waiting or admitted) and bans them from this meeting. */
  remove(actorId: string, targetId: string, banId: string, now: number): { participant: Participant; ban: Ban } {
    this.authorize(actorId, 'remove');
    const t = this.target(targetId);
    this.assertNotHost(t);
    this.participants.delete(t.id);
    const ban: Ban = {
      id: banId,
      deviceHash: t.deviceHash,
      userId: t.userId,
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
    return p.role === 'host' || this.mediaPermissions[source];
  }

  /** Whether this participant may send chat messages now (A3, C1). Hosts always may. */
  canChat(participantId: string): boolean {
    const p = this.participants.get(participantId);
    if (!p || p.state !== 'admitted') return false;
    return p.role === 'host' || this.mediaPermissions.chat;
  }

  /** Whether this participant may share files now (A4, C1). Hosts always may. */
  canShareFiles(participantId: string): boolean {
    const p = this.participants.get(participantId);
    if (!p || p.state !== 'admitted') return false;
    return p.role === 'host' || this.mediaPermissions.files;
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
    const actor = this.authorize(actorId, 'verify');
    if (!this.e2ee) throw new MeetingError(ErrorCode.E2EE_NOT_ENABLED, 'Safety codes exist only in end-to-end encrypted meetings.');
    const t = this.target(targetId, 'admitted');
    if (t.id === actor.id) throw new MeetingError(ErrorCode.FORBIDDEN, 'You cannot verify yourself.');
    t.verification = { byId: actor.id, byName: actor.displayName, epoch, at: now };
    return t;
  }

  /** The host stops one participant's source; returns the target. */
  stopMedia(actorId: string, targetId: string): Participant {
    this.authorize(actorId, 'stopMedia');
    return this.target(targetId, 'admitted');
  }

  liftBan(actorId: string, banId: string): Ban {
    this.authorize(actorId, 'liftBan');
    const ban = this.bans.lift(banId);
    if (!ban) throw new MeetingError(ErrorCode.NOT_FOUND, 'No such ban in this meeting.');
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
    return this.all().some((p) => p.role === 'host' && p.state === 'admitted');
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
    };
  }

  private target(id: string, state?: Participant['state']): Participant {
    const t = this.participants.get(id);
    if (!t) throw new MeetingError(ErrorCode.UNKNOWN_PARTICIPANT);
    if (state && t.state !== state) {
      throw new MeetingError(
        ErrorCode.UNKNOWN_PARTICIPANT,
        state === 'waiting' ? 'That person is not in the waiting room.' : 'That person is not in the meeting.',
      );
    }
    return t;
  }

  private assertNotHost(t: Participant): void {
    if (t.role === 'host') throw new MeetingError(ErrorCode.FORBIDDEN, 'A host cannot be removed or sent back.');
  }
}
