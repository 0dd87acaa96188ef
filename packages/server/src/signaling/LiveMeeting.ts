import { can } from '../meeting/Permissions.js';
import type { Meeting } from '../meeting/Meeting.js';
import { toInfo } from '../meeting/Participant.js';
import type { Peer } from './Peer.js';

/** A loaded meeting with the connections of its participants. */
export class LiveMeeting {
  readonly peers = new Map<string, Peer>();
  readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** Joins under way (password checked, not yet arrived): the meeting stays loaded for them. */
  pending = 0;

  constructor(readonly meeting: Meeting) {}

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
  }

  broadcastState(): void {
    const summary = this.meeting.summary();
    for (const p of this.meeting.all()) {
      if (p.state === 'admitted') this.peers.get(p.id)?.send({ type: 'meetingState', meeting: summary });
    }
  }

  clearGrace(participantId: string): void {
    const t = this.graceTimers.get(participantId);
    if (t) clearTimeout(t);
    this.graceTimers.delete(participantId);
  }

  close(): void {
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    this.peers.clear();
  }
}
