import { runsMeeting, type BanInfo, type MeetingSummary, type ParticipantInfo, type Role, type ServerMessage, type WaitingEntry } from '@kaigi/protocol';
import type { Problem } from '../i18n';
import type { ConnectionState } from './SignalingClient';

// Pure state of one participant's meeting session, driven by server messages.

export type Phase =
  /** Not in the meeting: show the join form (with `problem` when something went wrong). */
  | 'form'
  /** A join or resume is on its way. */
  | 'connecting'
  | 'waiting'
  | 'inMeeting';

export interface MeetingState {
  phase: Phase;
  /** True while a resume (not a fresh join) is on its way. */
  resuming: boolean;
  connection: ConnectionState;
  role: Role | null;
  hostPresent: boolean;
  sentToWaiting: boolean;
  meeting: MeetingSummary | null;
  self: ParticipantInfo | null;
  participants: ParticipantInfo[];
  waiting: WaitingEntry[];
  bans: BanInfo[];
  /** Why we are (back) at the form, or a server error worth showing. */
  problem: Problem | null;
  left: boolean;
  /** To hosts: personal links (B3) in use from two places at once, newest last. */
  registrationAlerts: Extract<ServerMessage, { type: 'registrationAlert' }>[];
  /** To hosts: the waiting room is at its cap and newcomers are turned away (B2); the latest count. */
  waitingRoomFull: Extract<ServerMessage, { type: 'waitingRoomFull' }> | null;
}

export const initialMeetingState: MeetingState = {
  phase: 'form',
  resuming: false,
  connection: 'idle',
  role: null,
  hostPresent: false,
  sentToWaiting: false,
  meeting: null,
  self: null,
  participants: [],
  waiting: [],
  bans: [],
  problem: null,
  left: false,
  registrationAlerts: [],
  waitingRoomFull: null,
};

export type MeetingAction =
  | { type: 'start'; resuming: boolean }
  | { type: 'server'; msg: ServerMessage }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'failed'; problem: Problem | null }
  | { type: 'left' };

/** Back to the form, keeping nothing of the meeting but the reason. */
function outside(problem: Problem | null, left = false): MeetingState {
  return { ...initialMeetingState, problem, left };
}

export function meetingReducer(s: MeetingState, a: MeetingAction): MeetingState {
  switch (a.type) {
    case 'start':
      return { ...initialMeetingState, phase: 'connecting', resuming: a.resuming, connection: 'connecting' };
    case 'connection':
      return { ...s, connection: a.state };
    case 'failed':
      return outside(a.problem);
    case 'left':
      return outside(null, true);
    case 'server':
      return onServer(s, a.msg);
  }
}

function onServer(s: MeetingState, msg: ServerMessage): MeetingState {
  switch (msg.type) {
    case 'joined':
      return {
        ...s,
        role: msg.role,
        problem: null,
        resuming: false,
        phase: msg.state === 'waiting' ? 'waiting' : s.phase === 'inMeeting' ? 'inMeeting' : 'connecting',
      };
    case 'waiting':
      return {
        ...s,
        phase: 'waiting',
        hostPresent: msg.hostPresent,
        participants: [],
        meeting: s.meeting,
      };
    case 'sentToWaiting':
      return { ...s, phase: 'waiting', sentToWaiting: true, hostPresent: true, participants: [], waiting: [], bans: [] };
    case 'admitted':
      return {
        ...s,
        phase: 'inMeeting',
        sentToWaiting: false,
        meeting: msg.meeting,
        self: msg.self,
        role: msg.self.role,
      };
    case 'roster': {
      // Our own entry carries our role: the host may make us a co-host, or a participant again.
      const me = s.self && msg.participants.find((p) => p.id === s.self?.id);
      if (!me) return { ...s, participants: msg.participants };
      const demoted = runsMeeting(s.role) && !runsMeeting(me.role);
      return { ...s, participants: msg.participants, self: me, role: me.role, ...(demoted && { waiting: [], bans: [] }) };
    }
    case 'waitingRoom':
      // An emptied waiting room has room again: the full-room alert goes with it.
      return { ...s, waiting: msg.entries, ...(msg.entries.length === 0 && { waitingRoomFull: null }) };
    case 'bans':
      return { ...s, bans: msg.bans };
    case 'meetingState':
      return { ...s, meeting: msg.meeting };
    case 'registrationAlert':
      return { ...s, registrationAlerts: [...s.registrationAlerts.filter((a) => a.registrationId !== msg.registrationId), msg] };
    case 'waitingRoomFull':
      return { ...s, waitingRoomFull: msg };
    case 'ended':
      return outside({ code: msg.code });
    case 'error':
      return { ...s, problem: { code: msg.code, retryAfterMs: msg.retryAfterMs } };
    // Media messages: the MediaController keeps that state.
    case 'ok':
    case 'pong':
    case 'publishAnswer':
    case 'subscribeOffer':
    case 'mediaStopped':
    case 'mediaRestart':
    case 'mediaState':
    case 'activeSpeaker':
    case 'connectionQuality':
    // A verifier's check (B7): the MediaController keeps it, with the media it carries.
    // falls through
    case 'checkStarted':
    case 'checkEnded':
    case 'checkKey':
    // E2EE and chat messages: their controllers keep that state.
    // falls through
    case 'groupState':
    case 'chat':
    case 'mlsCreate':
    case 'mlsCommitRequest':
    case 'mlsCommit':
    case 'mlsWelcome':
    case 'mlsRejected':
    case 'mlsRejoin':
    case 'files':
    case 'recording':
      return s;
  }
}
