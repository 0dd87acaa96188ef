// A meeting's media plane with no meeting around it: a real sfu/Router on 127.0.0.1 and a
// MediaPeer per participant, wired the way the signalling wires a browser (the Router's
// subscribeOffer goes to that participant's peer, its answer back to the Router). For tests of
// the SFU and of rooms that hold a Router without a WebSocket.
import type { RemoteTrack } from '@kaigi/protocol';
import { Router } from '../../src/sfu/Router.js';
import type { MediaConfig } from '../../src/sfu/MediaConfig.js';
import type { RouterPort } from '../../src/sfu/RouterPort.js';
import { MediaNet } from '../../src/sfu/net/MediaNet.js';
import type { FakePeer } from './FakePeer.js';
import { MediaPeer, type MediaSignalling } from './mediaPeer.js';

/** Loopback without the node's media port: werift opens a guarded socket per transport. */
export const LOOPBACK_MEDIA: MediaConfig = { ip: '127.0.0.1' };

/** The signalling a MediaPeer needs, straight to a Router, as participant `participantId`. */
export function routerSignalling(router: RouterPort, participantId: string): MediaSignalling {
  return {
    publish: (req) => router.publish(participantId, req),
    subscribeAnswer: async (sdp) => {
      if (!(await router.subscribeAnswer(participantId, sdp))) throw new Error(`the router expected no answer from ${participantId}`);
    },
  };
}

export class RouterLoopback {
  readonly router: Router;
  private readonly peers = new Map<string, MediaPeer>();
  /** Every subscribeOffer the router made, per participant, in order. */
  readonly offers = new Map<string, { sdp: string; tracks: RemoteTrack[] }[]>();
  producersChanged = 0;

  /** The media port this loopback opened (and closes), when it was not given a config. */
  private readonly net: MediaNet | null;

  /** Without a config: a Router on its own media port on 127.0.0.1, as the server runs it. */
  constructor(config?: MediaConfig) {
    this.net = config ? null : new MediaNet({ ip: '127.0.0.1', port: 0 });
    this.router = new Router(config ?? { ...LOOPBACK_MEDIA, net: this.net! }, {
      subscribeOffer: (pid, offer) => {
        this.offers.set(pid, [...(this.offers.get(pid) ?? []), offer]);
        // A failed answer shows up as packets that never arrive; the router restarts on its own.
        void this.peers.get(pid)?.answerOffer(offer).catch(() => undefined);
      },
      producersChanged: () => {
        this.producersChanged++;
      },
    });
  }

  /** A participant's media peer; `subscribe` (default) starts receiving the others' media. */
  join(participantId: string, opts: { subscribe?: boolean } = {}): MediaPeer {
    const peer = new MediaPeer(routerSignalling(this.router, participantId), participantId);
    this.peers.set(participantId, peer);
    if (opts.subscribe !== false) this.router.subscribe(participantId);
    return peer;
  }

  peer(participantId: string): MediaPeer {
    const p = this.peers.get(participantId);
    if (!p) throw new Error(`no media peer ${participantId}`);
    return p;
  }

  /** Closes the router and every peer. */
  async close(): Promise<void> {
    this.router.close();
    this.net?.close();
    await Promise.allSettled([...this.peers.values()].map((p) => p.close()));
  }
}

/**
 * Lets a MediaPeer answer the subscribeOffers a FakePeer receives (a room test whose seat talks
 * to the room through a FakePeer). Returns the unsubscribe function.
 */
export function answerOffersOf(fake: FakePeer, media: MediaPeer): () => void {
  return fake.onMessage((m) => {
    if (m.type === 'subscribeOffer') void media.answerOffer({ sdp: m.sdp, tracks: m.tracks }).catch(() => undefined);
  });
}
