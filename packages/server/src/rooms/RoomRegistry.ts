import { compilePolicy, type OrganisationPolicy } from '@kaigi/protocol';
import { BanList } from '../meeting/BanList.js';
import { Meeting } from '../meeting/Meeting.js';
import type { Participant } from '../meeting/Participant.js';
import { safeEqual, sha256Hex } from '../security/random.js';
import { Observer } from '../sfu/Emitter.js';
import type { MeetingRecord, MeetingStore, StoredRules } from '../storage/MeetingStore.js';
import { Room, type CloseReason, type Lease, type RoomDeps } from './Room.js';

export interface RegistryOptions extends Omit<RoomDeps, 'store'> {
  /** The organisation's policy, which each meeting's level compiles against (F1, F2). */
  organisation: OrganisationPolicy;
  /** Bounds of each waiting room (B2). */
  waiting: { maxGuests: number; perSource: number };
}

/** Monitoring: rooms opening and closing. `roomClosed` fires once the room's last recording part is stored. */
export type RegistryEvents = {
  roomOpened: [room: Room];
  roomClosed: [meetingId: string, reason: CloseReason];
};

/**
 * The process's live rooms, one per meeting someone is in (or joining). Loads a meeting and its
 * bans into a Room, keeps it while it has participants or leases, and drops it when it closes.
 * What the HTTP API does to a live meeting (settings, a revoked registration, deletion) and the
 * shutdown go through here to the Room.
 */
export class RoomRegistry {
  /** Tests attach to each room's Router here (an e2e-only tap), and services.ts starts retention. */
  readonly observer = new Observer<RegistryEvents>();
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room | null>>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly store: MeetingStore,
    private readonly opts: RegistryOptions,
  ) {}

  /**
   * The meeting's room, opened if need be, held open until the lease is released (release it in
   * `finally`). `record`: the meeting as the caller just read it, so that one join reads it once.
   * Null when there is no such meeting.
   */
  async acquire(meetingId: string, record?: MeetingRecord): Promise<Lease | null> {
    if (this.closing) return null;
    for (;;) {
      const open = this.rooms.get(meetingId);
      if (open && !open.closed) return open.lease();
      const room = await this.load(meetingId, record);
      if (!room) return null;
      // Closed meanwhile (the last one left before this lease was taken): open it again.
      if (!room.closed) return room.lease();
    }
  }

  /** The live room of this meeting, if anyone is in it. */
  get(meetingId: string): Room | undefined {
    return this.rooms.get(meetingId);
  }

  /** Whether anyone is in (or joining) the meeting now. */
  isLive(meetingId: string): boolean {
    return this.rooms.has(meetingId);
  }

  /**
   * An admitted participant proven by its resume token (HTTP requests made from inside a
   * meeting: file sharing), or null. The token's hash is compared in constant time.
   */
  admittedBySecret(meetingId: string, participantId: string, token: string): { room: Room; participantId: string } | null {
    const room = this.rooms.get(meetingId);
    const p = room?.meeting.get(participantId);
    if (!room || !p || p.state !== 'admitted' || !safeEqual(p.resumeTokenHash, sha256Hex(token))) return null;
    return { room, participantId: p.id };
  }

  /** The meeting was changed through the API (already checked against the policies there). */
  async update(meetingId: string, patch: { title?: string; locked?: boolean; chatRetentionSeconds?: number; rules?: StoredRules; actor?: string }): Promise<void> {
    const room = this.rooms.get(meetingId);
    if (!room) return;
    await room.update({ ...patch, ...(patch.rules && { policy: compilePolicy(patch.rules.level, this.opts.organisation) }) });
  }

  /**
   * The host revoked a registration (B3): whoever is in the meeting or waiting with its link
   * departs at once, told they were removed, and is not banned (the link is what stops working).
   * Returns how many were taken out.
   */
  async revokeRegistration(meetingId: string, registrationId: string, actor: string): Promise<number> {
    const room = this.rooms.get(meetingId);
    if (!room) return 0;
    const holders: Participant[] = room.meeting.all().filter((p) => p.registrationId === registrationId);
    for (const p of holders) await room.depart(p.id, 'revoked', { actor, registrationId });
    return holders.length;
  }

  /**
   * Closes the meeting's room, if live (the meeting is being deleted): everyone is told it ended.
   * Resolves once its recording's last part is stored.
   */
  closeRoom(meetingId: string, reason: CloseReason): Promise<void> {
    return this.rooms.get(meetingId)?.close(reason) ?? Promise.resolve();
  }

  /** Live counts, for tests and the health endpoint. */
  stats(): { meetings: number; participants: number } {
    let participants = 0;
    for (const r of this.rooms.values()) participants += r.participantCount;
    return { meetings: this.rooms.size, participants };
  }

  /** Shutdown: every room closes; resolves once every recording's last part is stored. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.rooms.values()].map((r) => r.close('shutdown'))).then(() => undefined);
    return this.closing;
  }

  private load(meetingId: string, known?: MeetingRecord): Promise<Room | null> {
    let p = this.loading.get(meetingId);
    if (!p) {
      p = this.open(meetingId, known).finally(() => this.loading.delete(meetingId));
      this.loading.set(meetingId, p);
    }
    return p;
  }

  private async open(meetingId: string, known?: MeetingRecord): Promise<Room | null> {
    const record = known ?? (await this.store.get(meetingId));
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
    meeting.waitingLimits = this.opts.waiting;
    const room = new Room(meeting, { ...this.opts, store: this.store });
    room.on('@close', () => {
      if (this.rooms.get(meetingId) === room) this.rooms.delete(meetingId);
    });
    room.observer.on('closed', (reason) => this.observer.notify('roomClosed', meetingId, reason));
    this.rooms.set(meetingId, room);
    this.observer.notify('roomOpened', room);
    return room;
  }
}
