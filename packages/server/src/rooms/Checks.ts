import { ErrorCode, type MediaSource } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import type { Meeting } from '../meeting/Meeting.js';
import type { RouterPort } from '../sfu/RouterPort.js';
import type { Peer } from './Peer.js';

/** Whose connection a check message goes to (the Room's seats; a test's Map). */
export interface PeerLookup {
  get(participantId: string): Peer | undefined;
}

export interface CheckSession {
  newcomerId: string;
  verifierId: string;
  startedAt: number;
  /** E2EE meetings: who has sent its half of the check's key exchange (each side once). */
  keysSent: Set<string>;
}

const CHECK_SOURCES: readonly MediaSource[] = ['camera', 'microphone'];

/**
 * One-to-one checks of newcomers before admission (B7). While a check is open, the newcomer (still
 * in the waiting room) may send camera and microphone, and the Router keeps both sides' media
 * between the two of them: the meeting receives neither. Ending the check (explicitly, by admit
 * or deny, or because either side left) stops the newcomer's media at once.
 */
export class Checks {
  /** By newcomer. */
  private readonly sessions = new Map<string, CheckSession>();

  constructor(
    private readonly meeting: Meeting,
    private readonly router: RouterPort,
    private readonly peers: PeerLookup,
  ) {}

  /** The open check this participant is in, on either side. */
  of(participantId: string): CheckSession | undefined {
    const own = this.sessions.get(participantId);
    if (own) return own;
    for (const s of this.sessions.values()) if (s.verifierId === participantId) return s;
    return undefined;
  }

  /** Whether this participant may send `source` because of an open check (camera and microphone only). */
  allowsPublishing(participantId: string, source: MediaSource): boolean {
    return this.of(participantId) !== undefined && CHECK_SOURCES.includes(source);
  }

  start(actorId: string, newcomerId: string, now: number): CheckSession {
    this.meeting.authorize(actorId, 'startCheck');
    const t = this.meeting.get(newcomerId);
    if (!t || t.state !== 'waiting') throw new KaigiError(ErrorCode.UNKNOWN_PARTICIPANT, 'That person is not in the waiting room.');
    const actor = this.meeting.authorizeOn(actorId, 'startCheck', t);
    const existing = this.sessions.get(t.id);
    if (existing?.verifierId === actor.id) return existing;
    if (existing) throw new KaigiError(ErrorCode.FORBIDDEN, 'Someone else is checking that person.');
    const mine = this.of(actor.id);
    if (mine) this.end(mine.newcomerId);
    const session: CheckSession = { newcomerId: t.id, verifierId: actor.id, startedAt: now, keysSent: new Set() };
    this.sessions.set(t.id, session);
    this.router.pair(t.id, actor.id);
    // The newcomer receives the verifier's media only (the pair sees to that).
    this.router.subscribe(t.id);
    const msg = { type: 'checkStarted', participantId: t.id, byId: actor.id, by: actor.displayName, e2ee: this.meeting.e2ee } as const;
    this.peers.get(t.id)?.send(msg);
    this.peers.get(actor.id)?.send(msg);
    return session;
  }

  /**
   * Relays one side's ephemeral public key to the other side, and to nobody else (E2EE meetings).
   * Each side sends once per check: a second key would let a side swap keys under a code already
   * compared. The server cannot read the check's media, only pass the halves along.
   */
  relayKey(senderId: string, publicKey: string): CheckSession {
    const s = this.of(senderId);
    if (!s) throw new KaigiError(ErrorCode.FORBIDDEN, 'You are not in a check.');
    if (!this.meeting.e2ee) throw new KaigiError(ErrorCode.E2EE_NOT_ENABLED, 'Only checks in end-to-end encrypted meetings exchange keys.');
    if (s.keysSent.has(senderId)) throw new KaigiError(ErrorCode.FORBIDDEN, 'Your key for this check has been sent already.');
    s.keysSent.add(senderId);
    const other = senderId === s.newcomerId ? s.verifierId : s.newcomerId;
    this.peers.get(other)?.send({ type: 'checkKey', participantId: s.newcomerId, from: senderId, publicKey });
    return s;
  }

  /** Ends the check of this newcomer, if one is open; the newcomer's media stops. */
  end(newcomerId: string): CheckSession | undefined {
    const s = this.sessions.get(newcomerId);
    if (!s) return undefined;
    this.sessions.delete(newcomerId);
    this.router.unpair(newcomerId);
    const newcomer = this.meeting.get(newcomerId);
    // Still waiting (or already gone): nothing of theirs flows any more, in either direction.
    if (!newcomer || newcomer.state !== 'admitted') this.router.closeParticipant(newcomerId);
    // What the verifier sent only for the check stops too.
    for (const source of CHECK_SOURCES) {
      if (!this.meeting.canPublish(s.verifierId, source)) this.router.closeProducer(s.verifierId, source);
    }
    const msg = { type: 'checkEnded', participantId: newcomerId } as const;
    this.peers.get(newcomerId)?.send(msg);
    this.peers.get(s.verifierId)?.send(msg);
    return s;
  }

  /** Ends an explicit check; only its verifier or someone who runs checks may. */
  stop(actorId: string, newcomerId: string): CheckSession | undefined {
    this.meeting.authorize(actorId, 'endCheck');
    const t = this.meeting.get(newcomerId);
    if (t) this.meeting.authorizeOn(actorId, 'endCheck', t);
    return this.end(newcomerId);
  }

  /**
   * The participant is out of the meeting proper (any exit of Room.depart), or no longer one who
   * checks: any check it is in ends, on either side, and the newcomer's media with it.
   */
  participantGone(participantId: string): void {
    const s = this.of(participantId);
    if (s) this.end(s.newcomerId);
  }

  /** The room closes: its Router closes next, which stops every check's media; nobody is told. */
  roomClosed(): void {
    this.sessions.clear();
  }
}
