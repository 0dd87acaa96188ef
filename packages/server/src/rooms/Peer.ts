import type { ErrorCode, ServerMessage } from '@kaigi/protocol';

/** Why a participant's connection is closed by the room: it is told this code, then the socket closes. */
export type EndCode = Extract<ErrorCode, 'DENIED' | 'REMOVED' | 'MEETING_ENDED' | 'REPLACED'>;

/** What a room needs from one participant's connection; the signalling Connection implements it. */
export interface Peer {
  send(msg: ServerMessage): void;
  /** Tells the participant why it is out (denied, removed, meeting ended, replaced) and closes. */
  end(code: EndCode): void;
}

export interface ConnectionContext {
  ip: string;
  /** SHA-256 of the device cookie (or of a per-connection random value when there is none). */
  deviceHash: string;
  /** twoFactor: the session was signed in with a second factor (B5). */
  user: { id: string; username: string; twoFactor?: boolean } | null;
}

/**
 * A participant's place in a live room: its connection, or null while it may resume (H2: a dropped
 * connection keeps its place for the grace period), and the timer that ends that grace.
 */
export interface Seat {
  peer: Peer | null;
  graceTimer: NodeJS.Timeout | null;
}
