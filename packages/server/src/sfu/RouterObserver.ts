import type { MediaSource } from '@kaigi/protocol';
import type { Observer } from './Emitter.js';

/**
 * One RTP packet a Consumer forwarded, as its Router's observer reports it: who sent it to whom,
 * its source and the sequence number it went out with. `payload` is the packet being sent: read
 * it during the call, never keep or change it.
 */
export interface ForwardedPacket {
  from: string;
  to: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  seq: number;
  payload: Buffer;
}

/**
 * A Router's monitoring channel (mediasoup's `router.observer`). Nothing in the server listens to
 * 'forwarded': the e2e tests' tap (e2e/support/tapServer.ts) does, to check what the SFU really
 * sees (in E2EE meetings, only SFrame ciphertext). A Consumer builds the event only while someone
 * listens, so the forwarding path costs nothing without a listener.
 */
export type RouterObserverEvents = {
  forwarded: [ForwardedPacket];
};
export type RouterObserver = Observer<RouterObserverEvents>;
