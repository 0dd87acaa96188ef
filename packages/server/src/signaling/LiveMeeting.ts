import { can } from '@kaigi/protocol';
import type { Meeting } from '../meeting/Meeting.js';
import { toInfo } from '../meeting/Participant.js';
import type { MediaConfig } from '../sfu/MediaConfig.js';
import { Router } from '../sfu/Router.js';
import type { Peer } from './Peer.js';
import { DeliveryService, type EpochChange } from '../e2ee/DeliveryService.js';
import { recordingState } from './RecordingHandler.js';
import { CheckSessions } from './CheckSessions.js';

export interface LiveMeetingOptions {
  media: MediaConfig;
  e2eeUpdateIntervalMs: number;
  /** The E2EE group moved to a new epoch (audited by the hub). */
  onEpoch(meetingId: string, change: EpochChange): void;
}

/** How often the active speaker and connection quality are worked out. */
const SPEAKER_INTERVAL_MS = 400;

/** A loaded meeting with the connections of its participants and its media Router. */
export class LiveMeeting {
  readonly peers = new Map<string, Peer>();
  readonly graceTimers = new Map<string, NodeJS.Timeout>();
  readonly router: Router;
  /** The MLS delivery service, in end-to-end encrypted meetings only. */
  readonly ds: DeliveryService | null;
  /** Verifiers' one-to-one checks of newcomers (B7). */
  readonly checks: CheckSessions;
  /** Chat order: every message gets the next number, so all members show the same order. */
  chatSeq = 0;
  /** Joins under way (password checked, not yet arrived): the meeting stays loaded for them. */
  pending = 0;
  /** Knocks turned away by the waiting room's cap since the meeting was loaded (B2). */
  waitingRefusals = 0;
  private activeSpeaker: string | null = null;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    readonly meeting: Meeting,
    opts: LiveMeetingOptions,
  ) {
    this.ds = meeting.e2ee
      ? new DeliveryService(
          {
            send: (pid, msg) => this.peers.get(pid)?.send(msg),
            connected: (pid) => this.peers.has(pid),
            epochChanged: (change) => {
              this.toAdmitted({ type: 'groupState', group: this.ds?.state() ?? { epoch: change.epoch, members: [] } });
              opts.onEpoch(meeting.id, change);
            },
          },
          { updateIntervalMs: opts.e2eeUpdateIntervalMs },
        )
      : null;
    this.router = new Router({ ...opts.media, backOffKeyframeRequests: meeting.e2ee }, {
      subscribeOffer: (pid, offer) => this.peers.get(pid)?.send({ type: 'subscribeOffer', ...offer }),
      producersChanged: () => this.publishMedia(),
    });
    this.checks = new CheckSessions(meeting, this.router, this.peers);
    this.ticker = setInterval(() => this.tick(), SPEAKER_INTERVAL_MS).unref();
  }

  /** Sends every admitted participant who publishes what. */
  publishMedia(): void {
    const publishing = this.router.publishing();
    const participants = this.meeting
      .all()
      .filter((p) => p.state === 'admitted')
      .map((p) => ({ id: p.id, sources: publishing.get(p.id) ?? [] }));
    this.toAdmitted({ type: 'mediaState', participants });
  }

  private tick(): void {
    const loudest = this.router.loudest();
    if (loudest !== this.activeSpeaker) {
      this.activeSpeaker = loudest;
      this.toAdmitted({ type: 'activeSpeaker', participantId: loudest });
    }
    // Each receiving participant hears about its own connection, as the SFU measures it (A6).
    for (const [pid, quality] of this.router.connectionQuality()) {
      this.peers.get(pid)?.send({ type: 'connectionQuality', participants: quality ? [{ id: pid, quality }] : [] });
    }
  }

  toAdmitted(msg: Parameters<Peer['send']>[0]): void {
    for (const p of this.meeting.all()) {
      if (p.state === 'admitted') this.peers.get(p.id)?.send(msg);
    }
  }

  /** To those who admit people: the host and co-hosts (and whoever else may admit). */
  toAdmitters(msg: Parameters<Peer['send']>[0]): void {
    for (const p of this.meeting.all()) {
      if (p.state === 'admitted' && can(p.role, 'admit')) this.peers.get(p.id)?.send(msg);
    }
  }

  /**
   * Sends everyone the view their admission state entitles them to: admitted people get the
   * roster, hosts also the waiting room and bans, waiting people only whether the host is here.
   */
  publish(): void {
    const m = this.meeting;
    const roster = m.roster();
    const waitingRoom = m.waitingRoom();
    const bans = m.banList();
    const hostPresent = m.hostPresent();
    for (const p of m.all()) {
      const peer = this.peers.get(p.id);
      if (!peer) continue;
      if (p.state === 'admitted') {
        peer.send({ type: 'roster', participants: roster });
        if (can(p.role, 'admit')) {
          peer.send({ type: 'waitingRoom', entries: waitingRoom });
          peer.send({ type: 'bans', bans });
        }
      } else {
        peer.send({ type: 'waiting', hostPresent });
      }
    }
  }

  /** Tells one participant it has been admitted, with what it may now see. */
  welcome(participantId: string): void {
    const p = this.meeting.get(participantId);
    const peer = this.peers.get(participantId);
    if (!p || !peer || p.state !== 'admitted') return;
    peer.send({ type: 'admitted', meeting: this.meeting.summary(), self: toInfo(p) });
    if (this.ds) peer.send({ type: 'groupState', group: this.ds.state() });
    peer.send(recordingState(this));
    // Only admitted participants receive media.
    this.router.subscribe(participantId);
    this.publishMedia();
  }

  /** The participant is out of the meeting proper (left, removed, denied, sent back): no media, no keys. */
  departed(participantId: string): void {
    this.checks.gone(participantId);
    this.router.closeParticipant(participantId);
    this.ds?.gone(participantId);
  }

  broadcastState(): void {
    this.toAdmitted({ type: 'meetingState', meeting: this.meeting.summary() });
  }

  clearGrace(participantId: string): void {
    const t = this.graceTimers.get(participantId);
    if (t) clearTimeout(t);
    this.graceTimers.delete(participantId);
  }

  close(): void {
    clearInterval(this.ticker);
    this.checks.close();
    this.router.close();
    this.ds?.close();
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    this.peers.clear();
  }
}
