import type { ServerMessage, ServerMessageOf } from '@kaigi/protocol';
import { Store } from '../media/Store';
import type { SignalingClient } from './SignalingClient';

// Whether the meeting is being recorded (A5), from the server's `recording` message: everyone
// sees it, and is told when it starts and when it stops.

export interface RecordingSnapshot {
  active: boolean;
  /** 'server': the server records; 'local': the host's browser records (E2EE meetings). */
  mode: ServerMessageOf<'recording'>['mode'];
  /** Who started it, as the server names them. */
  by: string | null;
  /** When it started (ms since the epoch). */
  since: number | null;
  /** The last change seen while in the meeting, for the spoken announcement. */
  change: 'started' | 'stopped' | null;
}

export const NOT_RECORDING: RecordingSnapshot = { active: false, mode: null, by: null, since: null, change: null };

export class RecordingController extends Store<RecordingSnapshot> {
  private readonly off: () => void;

  constructor(client: SignalingClient) {
    super(NOT_RECORDING);
    this.off = client.on('message', (m) => this.onMessage(m));
  }

  dispose(): void {
    this.off();
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'ended' || msg.type === 'sentToWaiting') {
      this.update(NOT_RECORDING);
      return;
    }
    if (msg.type !== 'recording') return;
    const change = msg.active === this.snap.active ? this.snap.change : msg.active ? 'started' : 'stopped';
    this.update({ active: msg.active, mode: msg.mode, by: msg.by, since: msg.since, change });
  }
}
