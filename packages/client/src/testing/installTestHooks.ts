// Test build only (see flag.ts): `window.__kaigi`, through which the e2e tests read a page's
// connections and E2EE state, cut its network, and set the E2EE plaintext marker. A production
// bundle has none of it (test/productionBundle.test.ts).
import type { MediaController } from '../media/MediaController';
import type { E2eeController } from '../session/E2eeController';
import type { SignalingClient, SignalingClientOptions } from '../session/SignalingClient';
import { MarkingE2eeWorkerClient } from './MarkingE2eeWorkerClient';
import { TestSignalingClient } from './TestSignalingClient';

export interface KaigiTestHooks {
  /** The send and receive connections now. */
  pcs(): { send: RTCPeerConnection | null; recv: RTCPeerConnection | null };
  /** A network drop: both media connections and the signalling socket close at once. */
  cutMedia(): void;
  e2ee: {
    snapshot(): unknown;
    /** The worker's frame counters; null without a worker. */
    stats(): Promise<unknown>;
    /** Hex bytes every sent plaintext ends with from now on (null: none); see MarkingFrameCryptor. */
    setMarker(hex: string | null): Promise<void>;
  };
}

declare global {
  interface Window {
    __kaigi?: KaigiTestHooks;
  }
}

/** The session's signalling client, whose socket the hooks can drop. */
export function testSignalingClient(opts: SignalingClientOptions): TestSignalingClient {
  return new TestSignalingClient(opts);
}

/** The E2EE worker's client, whose worker takes the plaintext marker. */
export function markingWorkerClient(participantId: string): MarkingE2eeWorkerClient {
  return new MarkingE2eeWorkerClient(participantId);
}

/** Sets `window.__kaigi` for one meeting session; returns its removal. */
export function installTestHooks(s: { client: SignalingClient; media: MediaController; e2ee: E2eeController }): () => void {
  const hooks: KaigiTestHooks = {
    pcs: () => s.media.connections,
    cutMedia: () => {
      const { send, recv } = s.media.connections;
      send?.close();
      recv?.close();
      if (!(s.client instanceof TestSignalingClient)) throw new Error('no signalling client of the test build');
      s.client.dropConnection();
    },
    e2ee: {
      snapshot: () => s.e2ee.getSnapshot(),
      stats: async () => (await s.e2ee.workerClient?.stats()) ?? null,
      setMarker: async (hex) => {
        const w = s.e2ee.workerClient;
        if (!(w instanceof MarkingE2eeWorkerClient)) throw new Error('no E2EE worker of the test build');
        await w.setMarker(hex === null ? null : hexBytes(hex));
      },
    },
  };
  window.__kaigi = hooks;
  return () => {
    if (window.__kaigi === hooks) delete window.__kaigi;
  };
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}
