// MediaWorkers and RouterProxy with fake workers (issue 15 item 3): placement on the least-loaded
// worker, requests and answers, the pushed state the Room reads synchronously, malformed
// messages dropped, and the death cascade (a new worker, the Routers rebuilt with exactly the
// Room's standing requests, pending requests failed).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { RouterSignals } from '../../../src/sfu/RouterPort.js';
import { MediaWorkers, type WorkerLike } from '../../../src/sfu/worker/MediaWorkers.js';
import type { ToWorker } from '../../../src/sfu/worker/protocol.js';

class FakeWorker extends EventEmitter implements WorkerLike {
  readonly sent: ToWorker[] = [];
  postMessage(msg: ToWorker): void {
    this.sent.push(msg);
  }
  terminate(): Promise<number> {
    this.emit('exit', 1);
    return Promise.resolve(1);
  }
  reply(msg: unknown): void {
    this.emit('message', msg);
  }
  of<T extends ToWorker['t']>(t: T): Extract<ToWorker, { t: T }>[] {
    return this.sent.filter((m): m is Extract<ToWorker, { t: T }> => m.t === t);
  }
}

function pool(count: number) {
  const workers: FakeWorker[] = [];
  const deaths: { index: number; moved: string[] }[] = [];
  let malformed = 0;
  const mw = new MediaWorkers(
    count,
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    null,
    { died: (index, moved) => deaths.push({ index, moved }), malformed: () => malformed++ },
  );
  for (const w of workers) w.reply({ t: 'ready' });
  return { mw, workers, deaths, malformed: () => malformed };
}

function signals() {
  const offers: string[] = [];
  const restarts: string[][] = [];
  let changed = 0;
  const s: RouterSignals = { subscribeOffer: (pid) => offers.push(pid), producersChanged: () => changed++, mediaRestart: (pids) => restarts.push(pids.sort()) };
  return { s, offers, restarts, changed: () => changed };
}

describe('MediaWorkers', () => {
  it('places each meeting on the least-loaded worker and records it', () => {
    const { mw } = pool(2);
    const a = mw.create(false, signals().s)!;
    const b = mw.create(false, signals().s)!;
    const c = mw.create(false, signals().s)!;
    assert.deepEqual([mw.placement(a.id), mw.placement(b.id), mw.placement(c.id)], [0, 1, 0]);
    assert.deepEqual(mw.load(), [2, 1]);
    // A closed meeting frees its place.
    a.close();
    c.close();
    const d = mw.create(false, signals().s)!;
    assert.equal(mw.placement(d.id), 0);
  });

  it('answers publish and subscribeAnswer through requests; a failure keeps its KaigiError code', async () => {
    const { mw, workers } = pool(1);
    const w = workers[0]!;
    const proxy = mw.create(false, signals().s)!;
    const published = proxy.publish('alice', { sdp: 'v=0 offer sdp', tracks: [{ mid: '0', source: 'camera' }] });
    const req = w.of('publish')[0]!;
    assert.equal(req.pid, 'alice');
    w.reply({ t: 'result', id: req.id, ok: true, value: 'v=0 answer sdp' });
    assert.equal(await published, 'v=0 answer sdp');

    const answered = proxy.subscribeAnswer('bob', 'v=0 answer from bob');
    w.reply({ t: 'result', id: w.of('subscribeAnswer')[0]!.id, ok: true, value: false });
    assert.equal(await answered, false);

    const refused = proxy.publish('carol', { sdp: 'v=0 offer sdp', tracks: [] });
    w.reply({ t: 'failure', id: w.of('publish')[1]!.id, code: 'INVALID_MESSAGE', message: 'the offer has no ICE credentials' });
    await assert.rejects(refused, (err: Error & { code?: string }) => err.code === 'INVALID_MESSAGE');
  });

  it("serves the Room's sync reads from what the worker pushed; a paired participant is not listed as publishing", () => {
    const { mw, workers } = pool(1);
    const w = workers[0]!;
    const sig = signals();
    const proxy = mw.create(false, sig.s)!;
    w.reply({ t: 'changed', router: proxy.id, publishing: [['alice', ['camera', 'microphone']], ['bob', ['microphone']]] });
    assert.equal(sig.changed(), 1);
    assert.deepEqual([...proxy.publishing()], [['alice', ['camera', 'microphone']], ['bob', ['microphone']]]);
    proxy.pair('bob', 'alice');
    assert.equal(proxy.partnerOf('alice'), 'bob');
    assert.deepEqual([...proxy.publishing().keys()], []);
    proxy.unpair('bob');
    assert.deepEqual([...proxy.publishing().keys()], ['alice', 'bob']);
    assert.equal(proxy.closeProducer('alice', 'camera'), true);
    assert.equal(proxy.closeProducer('alice', 'camera'), false);
    assert.equal(proxy.closeProducer('carol', 'camera'), false);
    w.reply({ t: 'tick', router: proxy.id, loudest: 'alice', quality: [['bob', 'poor']] });
    assert.equal(proxy.loudest(), 'alice');
    assert.deepEqual([...proxy.connectionQuality()], [['bob', 'poor']]);
    assert.deepEqual([...proxy.connectionQuality()], [], 'verdicts are drained once');
    w.reply({ t: 'offer', router: proxy.id, pid: 'bob', sdp: 'v=0 offer for bob', tracks: [] });
    assert.deepEqual(sig.offers, ['bob']);
  });

  it("asks the worker to stream 'forwarded' only while someone listens, and hands the packets to the listeners", () => {
    const { mw, workers } = pool(1);
    const w = workers[0]!;
    const proxy = mw.create(false, signals().s)!;
    assert.equal(w.of('observe').length, 0);
    const seen: number[] = [];
    const off1 = proxy.observer.on('forwarded', (p) => seen.push(p.seq));
    const off2 = proxy.observer.on('forwarded', () => undefined);
    assert.deepEqual(w.of('observe').map((m) => m.on), [true]);
    w.reply({ t: 'forwarded', router: proxy.id, from: 'alice', to: 'bob', source: 'camera', kind: 'video', seq: 7, payload: new Uint8Array(10) });
    assert.deepEqual(seen, [7]);
    off1();
    assert.deepEqual(w.of('observe').map((m) => m.on), [true]);
    off2();
    assert.deepEqual(w.of('observe').map((m) => m.on), [true, false]);
  });

  it('drops and counts malformed messages from a worker; nothing reaches the proxy', () => {
    const { mw, workers, malformed } = pool(1);
    const w = workers[0]!;
    const sig = signals();
    const proxy = mw.create(false, sig.s)!;
    w.reply({ t: 'changed', router: proxy.id, publishing: [['alice', ['speaker']]] });
    w.reply({ t: 'offer', router: proxy.id, pid: 'bob', sdp: 'x'.repeat(70_000), tracks: [] });
    w.reply('garbage');
    assert.equal(malformed(), 3);
    assert.equal(sig.changed(), 0);
    assert.deepEqual(sig.offers, []);
  });

  it("a worker that dies is replaced; its Routers are rebuilt elsewhere with the Room's standing requests only", async () => {
    const { mw, workers, deaths } = pool(2);
    const sig = signals();
    const proxy = mw.create(true, sig.s)!;
    const other = mw.create(false, signals().s)!;
    const w0 = workers[0]!;
    proxy.subscribe('alice');
    proxy.subscribe('bob');
    proxy.subscribe('guest');
    proxy.closeParticipant('guest');
    proxy.setVideoPreferences('alice', [{ participantId: 'bob', source: 'camera', maxHeight: 180 }]);
    proxy.pair('newcomer', 'alice');
    w0.reply({ t: 'changed', router: proxy.id, publishing: [['bob', ['camera']]] });
    const pending = proxy.publish('bob', { sdp: 'v=0 offer sdp', tracks: [] });

    await w0.terminate();

    await assert.rejects(pending, (err: Error & { code?: string }) => err.code === 'INTERNAL');
    assert.equal(workers.length, 3, 'a new worker took its place');
    assert.deepEqual(deaths, [{ index: 0, moved: [proxy.id] }]);
    // Least loaded after the death: the new worker at index 0 (empty) over index 1 (one meeting).
    assert.equal(mw.placement(proxy.id), 0);
    assert.equal(mw.placement(other.id), 1);
    const w2 = workers[2]!;
    assert.deepEqual(
      w2.sent.map((m) => [m.t, 'pid' in m ? m.pid : '']),
      [
        ['open', ''],
        ['pair', 'newcomer'],
        ['prefs', 'alice'],
        ['subscribe', 'alice'],
        ['subscribe', 'bob'],
      ],
    );
    assert.equal(w2.of('open')[0]!.backOff, true);
    // Nobody publishes until the browsers publish again; the Room is told.
    assert.deepEqual([...proxy.publishing()], []);
    assert.equal(sig.changed(), 2);
    // Everyone the Router had is told to publish again at once; the guest who left is not.
    assert.deepEqual(sig.restarts, [['alice', 'bob', 'newcomer']]);
    // Messages from the dead worker are ignored.
    w0.reply({ t: 'changed', router: proxy.id, publishing: [['bob', ['camera']]] });
    assert.deepEqual([...proxy.publishing()], []);
  });

  it('stops restarting a worker that keeps dying before it is ready; meetings then stay in the main thread', async () => {
    const workers: FakeWorker[] = [];
    const mw = new MediaWorkers(1, () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    }, null);
    for (let i = 0; i < 3; i++) await workers.at(-1)!.terminate();
    assert.equal(workers.length, 3);
    assert.equal(mw.create(false, signals().s), null);
    await mw.close();
  });
});
