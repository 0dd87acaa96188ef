import type { ErrorCode, ServerMessage } from '@kaigi/protocol';

/** What the hub needs from one participant's connection; the Session implements it. */
export interface Peer {
  send(msg: ServerMessage): void;
  /** Tells the participant why it is out (denied, removed, meeting ended, replaced) and closes. */
  end(code: Extract<ErrorCode, 'DENIED' | 'REMOVED' | 'MEETING_ENDED' | 'REPLACED'>): void;
}

export interface ConnectionContext {
  ip: string;
  /** SHA-256 of the device cookie (or of a per-connection random value when there is none). */
  deviceHash: string;
  /** twoFactor: the session was signed in with a second factor (B5). */
  user: { id: string; username: string; twoFactor?: boolean } | null;
}
