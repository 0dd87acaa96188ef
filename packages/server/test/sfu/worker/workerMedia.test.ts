// Media through a real media worker thread (issue 15 item 3): werift peers on the node's one
// media port, the Router in a worker, the listener on this thread posting first contacts to it.
// Then the worker is terminated mid-meeting: a new one takes its place, the Router is rebuilt
// there, and the peers, rebuilding their transports as the browser client does, receive again.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { RemoteTrack } from '@kaigi/protocol';
import { MediaNet } from '../../../src/sfu/net/MediaNet.js';
import { MediaWorkers } from '../../../src/sfu/worker/MediaWorkers.js';
import type { RouterProxy } from '../../../src/sfu/worker/RouterProxy.js';
import { spawnMediaWorker } from '../../../src/sfu/worker/spawn.js';
import { MediaPeer } from '../../support/mediaPeer.js';
import { routerSignalling } from '../../support/routerLoopback.js';

class WorkerLoop {
  readonly peers = new Map<string, MediaPeer>();
  readonly offers = new Map<string, { sdp: string; tracks: RemoteTrack[] }[]>();
  readonly deaths: string[][] = [];
  private constructor(
    readonly net: MediaNet,
    readonly workers: MediaWorkers,
    readonly router: RouterProxy,
  ) {}

  static async open(): Promise<WorkerLoop> {
    const net = await MediaNet.open({ ip: '127.0.0.1', port: 0 });
    let loop: WorkerLoop | null = null;
    const workers = new MediaWorkers(1, () => spawnMediaWorker('127.0.0.1', net.port), net, {
      died: (_i, moved) => loop?.deaths.push(moved),
    });
    const router = workers.create(false, {
      subscribeOffer: (pid, offer) => {
        loop?.offers.set(pid, [...(loop.offers.get(pid) ?? []), offer]);
        void loop?.peers.get(pid)?.answerOffer(offer).catch(() => undefined);
      },
      producersChanged: () => undefined,
    });
    assert.ok(router, 'a worker hosts the Router');
    loop = new WorkerLoop(net, workers, router);
    return loop;
  }

  join(pid: string): MediaPeer {
    const peer = new MediaPeer(routerSignalling(this.router, pid), pid);
    this.peers.set(pid, peer);
    this.router.subscribe(pid);
    return peer;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.peers.values()].map((p) => p.close()));
    this.router.close();
    await this.workers.close();
    this.net.close();
  }
}

describe('media workers with werift peers', () => {
  let loop: WorkerLoop | null = null;
  afterEach(async () => {
    await loop?.close();
    loop = null;
  });

  it("forwards a publisher's media to the subscribers through a worker, on the node's one port", async () => {
    loop = await WorkerLoop.open();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    await alice.publish(['microphone', 'camera']);
    await Promise.all([bob.receivesMore('alice', 'microphone'), bob.receivesMore('alice', 'camera')]);
    assert.equal(alice.received('alice', 'microphone'), 0);
    assert.deepEqual([...loop.router.publishing()], [['alice', ['microphone', 'camera']]]);
    // The first contacts were answered in the worker: the listener dropped none as unknown.
    assert.equal(loop.net.stats().dropped['unknown-ufrag'], 0);

    // An observer on the main thread (the e2e tap) sees the forwarded packets while it listens.
    const seen: string[] = [];
    const off = loop.router.observer.on('forwarded', (p) => seen.push(`${p.from}>${p.to}/${p.source}/${p.payload.length > 0}`));
    await bob.until(() => seen.length >= 5, 'forwarded packets observed');
    assert.ok(seen.includes('alice>bob/microphone/true'), seen.slice(0, 3).join(', '));
    off();
  });

  it('a terminated worker is replaced; the peers rebuild their transports and receive again', async () => {
    loop = await WorkerLoop.open();
    const l = loop;
    l.join('alice');
    const bob = l.join('bob');
    await l.peers.get('alice')!.publish(['microphone']);
    await bob.receivesMore('alice', 'microphone');

    const offersBefore = l.offers.get('bob')?.length ?? 0;
    void bob.restartReceiving();
    await l.workers.worker(0)!.terminate();
    await bob.until(() => l.deaths.length === 1, 'the death handled');
    assert.deepEqual(l.deaths, [[l.router.id]]);
    assert.equal(l.workers.placement(l.router.id), 0);
    // The browser client rebuilds its publisher on transport failure; here at once.
    await l.peers.get('alice')!.close();
    const alice2 = new MediaPeer(routerSignalling(l.router, 'alice'), 'alice');
    l.peers.set('alice', alice2);
    await alice2.publish(['microphone']);
    await bob.until(() => (l.offers.get('bob')?.length ?? 0) > offersBefore, 'a new offer for bob');
    await bob.receivesMore('alice', 'microphone');
  });
});
