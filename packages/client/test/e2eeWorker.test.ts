// The E2EE worker end to end in Node: the real e2ee.worker.ts runs in three worker threads, each
// behind a fake worker scope (postMessage/onmessage on its own globalThis), and the real
// E2eeWorkerClient drives it as the page would. Messages are structured-cloned between threads
// and the encoded-frame streams are real web streams transferred to the worker (the
// createEncodedStreams() fallback path), so what crosses the boundary is what a browser would see.
//
// Alice and Bob form an MLS group through the worker protocol; Carol has a group of her own at the
// same epoch number (same SFrame epoch bits, other keys). Test-only instrumentation in each thread
// copies every epoch secret as the worker hands it to its FrameCryptor, on a side channel, so the
// last test can look for those exact bytes in everything the worker posted to the page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { E2eeWorkerClient, E2eeWorkerError, type EpochPublic } from '../src/e2ee/E2eeWorkerClient.ts';
import { FrameCryptor, type FrameKind } from '../src/e2ee/FrameCryptor.ts';
import { WorkerToPage } from '../src/e2ee/workerMessages.ts';

const SCOPE_FLAG = 'kaigiE2eeFakeWorkerScope';

/** What the test thread and a worker thread say to each other. `page` is the worker's own traffic. */
type FromThread =
  | { channel: 'ready' }
  | { channel: 'page'; msg: unknown }
  | { channel: 'secret'; epoch: number; secret: Uint8Array };

// ---------------------------------------------------------------------------------------------
// Worker thread: a fake dedicated-worker scope around the real worker module.
// ---------------------------------------------------------------------------------------------

async function runFakeWorkerScope(): Promise<void> {
  const port = parentPort!;
  const tell = (m: FromThread, transfer?: ArrayBuffer[]): void => (transfer ? port.postMessage(m, transfer) : port.postMessage(m));

  // Instrumentation: a copy of each epoch secret, taken before the cryptor imports (and zeroes) it.
  // Same module instance as the worker's './FrameCryptor.js' (tsx resolves both to the .ts file).
  const setEpoch = FrameCryptor.prototype.setEpoch;
  FrameCryptor.prototype.setEpoch = function (epoch, epochSecret, selfIndex) {
    tell({ channel: 'secret', epoch, secret: new Uint8Array(epochSecret) });
    return setEpoch.call(this, epoch, epochSecret, selfIndex);
  };
  // A check's base key likewise (epoch -1: not an MLS epoch).
  const setCheckKey = FrameCryptor.prototype.setCheckKey;
  FrameCryptor.prototype.setCheckKey = function (baseSecret, role) {
    tell({ channel: 'secret', epoch: -1, secret: new Uint8Array(baseSecret) });
    return setCheckKey.call(this, baseSecret, role);
  };

  const scope = globalThis as unknown as {
    postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
    onmessage: ((ev: { data: unknown }) => void) | null;
  };
  scope.postMessage = (msg, transfer) => tell({ channel: 'page', msg }, transfer);
  port.on('message', (data: unknown) => scope.onmessage?.({ data }));
  await import('../src/e2ee/e2ee.worker.ts');
  assert.equal(typeof scope.onmessage, 'function', 'the worker installed its message handler');
  tell({ channel: 'ready' });
}

// ---------------------------------------------------------------------------------------------
// Test thread: the page.
// ---------------------------------------------------------------------------------------------

interface Frame {
  data: ArrayBuffer;
  type?: 'key' | 'delta';
}

interface Scope {
  name: string;
  participantId: string;
  thread: Worker;
  client: E2eeWorkerClient;
  /** Every message the worker posted to the page, in order, as the page received it. */
  posted: unknown[];
  /** Request id → request type, for everything the page sent (client and raw). */
  requests: Map<number, string>;
  epochEvents: EpochPublic[];
  /** Captured by the instrumentation, never by the page. */
  secrets: { epoch: number; secret: Uint8Array }[];
  /** 'error' / 'exit' events of the thread: a crashed or stopped worker. */
  failures: string[];
  /** Sends anything, bypassing the client (which would never send an invalid message). */
  raw(data: unknown, transfer?: unknown[]): void;
  /** Resolves with the next posted message matching `pred` (registered before sending). */
  next(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** A worker thread that loads tsx, then this file in fake-worker-scope mode. */
function spawnThread(): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const self = import.meta.url;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); })`;
  return new Worker(boot, { eval: true, workerData: { [SCOPE_FLAG]: true } });
}

async function startScope(name: string, participantId: string): Promise<Scope> {
  const thread = spawnThread();
  const posted: unknown[] = [];
  const secrets: Scope['secrets'] = [];
  const failures: string[] = [];
  const requests = new Map<number, string>();
  type Msg = Record<string, unknown>;
  type Waiter = { pred: (m: Msg) => boolean; resolve: (m: Msg) => void; reject: (e: Error) => void };
  const waiters = new Set<Waiter>();
  const fail = (why: string): void => {
    failures.push(why);
    for (const w of waiters) w.reject(new Error(`${name}'s worker thread: ${why}`));
    waiters.clear();
  };
  // The DOM Worker surface E2eeWorkerClient uses, over the thread.
  const asDomWorker = {
    onmessage: null as ((ev: { data: unknown }) => void) | null,
    onerror: null as (() => void) | null,
    postMessage(msg: unknown, transfer?: unknown[]): void {
      const m = msg as { type?: unknown; id?: unknown } | null;
      if (typeof m?.id === 'number') requests.set(m.id, String(m.type));
      thread.postMessage(msg, transfer as never);
    },
    terminate(): void {
      void thread.terminate();
    },
  };
  const ready = new Promise<void>((resolve, reject) => {
    thread.on('message', (m: FromThread) => {
      if (m.channel === 'ready') return resolve();
      if (m.channel === 'secret') return void secrets.push({ epoch: m.epoch, secret: m.secret });
      posted.push(m.msg);
      for (const w of waiters) {
        if (w.pred(m.msg as Record<string, unknown>)) {
          waiters.delete(w);
          w.resolve(m.msg as Record<string, unknown>);
        }
      }
      asDomWorker.onmessage?.({ data: m.msg });
    });
    thread.on('error', (e) => {
      fail(`error: ${String(e)}`);
      asDomWorker.onerror?.();
      reject(e);
    });
    thread.on('exit', (code) => fail(`exit ${code}`));
  });
  await ready;
  const client = new E2eeWorkerClient(participantId, { worker: asDomWorker as unknown as globalThis.Worker });
  const epochEvents: EpochPublic[] = [];
  client.onEpoch((e) => epochEvents.push(e));
  return {
    name,
    participantId,
    thread,
    client,
    posted,
    requests,
    epochEvents,
    secrets,
    failures,
    raw: (data, transfer) => asDomWorker.postMessage(data, transfer),
    next: (pred) =>
      failures.length
        ? Promise.reject(new Error(`${name}'s worker thread: ${failures.join('; ')}`))
        : new Promise((resolve, reject) => waiters.add({ pred, resolve, reject })),
  };
}

/** Runs frames through one worker transform (send or receive) and returns what it wrote out. All
 * frames go in, the input closes, and the result is read once the output has closed: the pipe
 * has then handled every frame, so "nothing written" is a fact and not a timeout. */
async function transform(s: Scope, direction: 'send' | 'recv', kind: FrameKind, frames: Frame[]): Promise<Frame[]> {
  const out: Frame[] = [];
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  const readable = new ReadableStream<Frame>({
    start(c) {
      for (const f of frames) c.enqueue({ ...f, data: f.data.slice(0) });
      c.close();
    },
  });
  const writable = new WritableStream<Frame>({ write: (f) => void out.push(f), close: () => closed() });
  // What an RTCRtpSender/Receiver built with encodedInsertableStreams offers: the client posts
  // these streams to the worker (transferred), as on browsers without RTCRtpScriptTransform.
  const target = { createEncodedStreams: () => ({ readable, writable }) };
  if (direction === 'send') s.client.attachSender(target as unknown as RTCRtpSender, kind);
  else s.client.attachReceiver(target as unknown as RTCRtpReceiver, kind);
  await done;
  return out;
}

const bytes = (b: ArrayBuffer | Uint8Array): Buffer => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b));

function vp8KeyFrame(): Frame {
  const b = new Uint8Array(3000).map((_, i) => (i * 29 + 7) & 0xff);
  // Frame tag (bit 0 = 0: key frame; show_frame), start code 9d 01 2a, 1280×720.
  b.set([0x50, 0x2c, 0x01, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02]);
  return { data: b.buffer, type: 'key' };
}
function vp8DeltaFrame(): Frame {
  const b = new Uint8Array(700).map((_, i) => (i * 17 + 3) & 0xff);
  b.set([0x51, 0x12, 0x00]); // bit 0 = 1: inter frame
  return { data: b.buffer, type: 'delta' };
}
function opusFrame(): Frame {
  const b = new Uint8Array(120).map((_, i) => (i * 11 + 5) & 0xff);
  b[0] = 0x78; // TOC: SILK/CELT config, mono, one frame
  return { data: b.buffer };
}

/** Every binary value and every non-plain object in a posted message, with its path. */
function inspect(v: unknown, path: string, out: { binaries: { path: string; bytes: Buffer }[]; odd: string[]; strings: string[] }): void {
  if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) out.binaries.push({ path, bytes: bytes(new Uint8Array(v)) });
  else if (ArrayBuffer.isView(v)) out.binaries.push({ path, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) });
  else if (typeof v === 'string') out.strings.push(v);
  else if (Array.isArray(v)) v.forEach((x, i) => inspect(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) out.odd.push(`${path}: ${Object.prototype.toString.call(v)}`);
    for (const [k, x] of Object.entries(v)) inspect(x, path ? `${path}.${k}` : k, out);
  } else if (!['number', 'boolean', 'undefined'].includes(typeof v) && v !== null) out.odd.push(`${path}: ${typeof v}`);
}

/** Where a secret shows up in a message: raw bytes, hex, base64, or inside any base64 string. */
function findSecret(msg: unknown, secret: Uint8Array): string | null {
  const found = { binaries: [] as { path: string; bytes: Buffer }[], odd: [] as string[], strings: [] as string[] };
  inspect(msg, '', found);
  const needle = bytes(secret);
  for (const b of found.binaries) if (b.bytes.includes(needle)) return `bytes at ${b.path || '(root)'}`;
  for (const s of found.strings) {
    if (s.toLowerCase().includes(needle.toString('hex'))) return 'hex in a string';
    if (s.includes(needle.toString('base64').slice(0, 20))) return 'base64 in a string';
    if (/^[A-Za-z0-9+/]{16,}={0,2}$/.test(s) && Buffer.from(s, 'base64').includes(needle)) return 'inside a base64 string';
  }
  return null;
}

const keysOf = (o: unknown): string[] => Object.keys(o as object).sort();

function assertEpochPublicShape(e: unknown, where: string, extra: string[] = []): void {
  assert.deepEqual(keysOf(e), [...extra, 'epoch', 'members', 'safetyCode'].sort(), `${where}: only epoch, safetyCode, members`);
  const p = e as EpochPublic;
  assert.equal(typeof p.epoch, 'number', where);
  assert.match(p.safetyCode, /^\d{4}( \d{4}){4}$/, where);
  for (const m of p.members) assert.deepEqual(keysOf(m), ['leafIndex', 'participantId'], `${where}: a member is an id and a leaf`);
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[SCOPE_FLAG] === true) {
  await runFakeWorkerScope();
} else {
  describe('E2EE worker (fake worker scopes in worker threads)', { timeout: 20_000 }, () => {
    let alice: Scope;
    let bob: Scope;
    let carol: Scope;
    let started = 0;

    before(async () => {
      started = performance.now();
      [alice, bob, carol] = await Promise.all([
        startScope('alice', 'p_alice'),
        startScope('bob', 'p_bob'),
        startScope('carol', 'p_carol'),
      ]);
    });

    after(async () => {
      for (const s of [alice, bob, carol]) if (s) await s.thread.terminate();
      console.log(`e2ee worker test: ${Math.round(performance.now() - started)} ms`);
    });

    it('two workers form an MLS group through keyPackage/createGroup/commit/applyCommit/joinFromWelcome', async () => {
      const created = await alice.client.createGroup(randomBytes(16));
      assert.equal(created.epoch, 0);
      assert.deepEqual(created.members, [{ participantId: 'p_alice', leafIndex: 0 }]);

      const kp = await bob.client.keyPackage();
      assert.ok(kp instanceof Uint8Array && kp.length > 100, 'a KeyPackage');
      const { commit, welcome } = await alice.client.commit({ epoch: 0, adds: [{ participantId: 'p_bob', keyPackage: kp }], removes: [] });
      assert.ok(welcome, 'an add commit comes with a Welcome');
      // The delivery service echoes the commit to its sender; the newcomer joins from the Welcome.
      const a1 = await alice.client.applyCommit(0, commit, 'p_alice');
      const b1 = await bob.client.joinFromWelcome(welcome);

      assert.equal(a1.epoch, 1);
      assert.equal(b1.epoch, 1);
      assert.equal(a1.safetyCode, b1.safetyCode, 'both see the same safety code');
      assert.notEqual(a1.safetyCode, created.safetyCode, 'a new epoch, a new safety code');
      const members = [
        { participantId: 'p_alice', leafIndex: 0 },
        { participantId: 'p_bob', leafIndex: 1 },
      ];
      assert.deepEqual(a1.members, members);
      assert.deepEqual(b1.members, members);
      // Epoch events reach the page in MLS order, matching the responses.
      assert.deepEqual(alice.epochEvents, [created, a1]);
      assert.deepEqual(bob.epochEvents, [b1]);

      // Carol: a group of her own, moved to epoch 1 by an empty (key update) commit.
      await carol.client.createGroup(randomBytes(16));
      const c = await carol.client.commit({ epoch: 0, adds: [], removes: [] });
      assert.equal(c.welcome, undefined);
      const c1 = await carol.client.applyCommit(0, c.commit, 'p_carol');
      assert.equal(c1.epoch, 1);
      assert.notEqual(c1.safetyCode, a1.safetyCode);

      // The instrumentation saw the keys the workers installed: the two members share one.
      const secretAt = (s: Scope, epoch: number) =>
        s.secrets.filter((x) => x.epoch === epoch).map((x) => bytes(x.secret).toString('hex'));
      const [sa] = secretAt(alice, 1);
      assert.equal(sa?.length, 32, '16-byte SFrame base key');
      assert.deepEqual(secretAt(bob, 1), [sa]);
      assert.notDeepEqual(secretAt(carol, 1), [sa]);
    });

    it('VP8 and Opus frames round-trip between the two members; a worker outside the group writes nothing', async () => {
      const frames: [FrameKind, Frame][] = [
        ['video', vp8KeyFrame()],
        ['video', vp8DeltaFrame()],
        ['audio', opusFrame()],
      ];
      for (const [from, to] of [
        [alice, bob],
        [bob, alice],
      ] as const) {
        for (const [kind, plain] of frames) {
          const p = bytes(plain.data);
          const enc = await transform(from, 'send', kind, [plain]);
          assert.equal(enc.length, 1, `${from.name} sends one ${kind} frame`);
          const e = bytes(enc[0]!.data);
          assert.equal(enc[0]!.type, plain.type, 'frame type kept');
          assert.ok(e.length > p.length, 'SFrame header and tag added');
          assert.equal(e.includes(p.subarray(20, 52)), false, 'payload not in clear');
          if (kind === 'video') {
            assert.equal(e[0]! & 1, p[0]! & 1, 'key-frame bit in clear');
            if (plain.type === 'key') assert.deepEqual(e.subarray(3, 10), p.subarray(3, 10), 'start code and size in clear');
          } else {
            assert.equal(e[0], p[0], 'Opus TOC in clear');
          }

          const dec = await transform(to, 'recv', kind, enc);
          assert.equal(dec.length, 1, `${to.name} decrypts the ${kind} frame`);
          assert.deepEqual(bytes(dec[0]!.data), p, 'the exact frame comes out');
          assert.equal(dec[0]!.type, plain.type);

          const outside = await transform(carol, 'recv', kind, enc);
          assert.deepEqual(outside, [], `carol (epoch 1 of another group) writes nothing for a ${kind} frame`);
        }
      }
      const [as, bs, cs] = await Promise.all([alice.client.stats(), bob.client.stats(), carol.client.stats()]);
      assert.equal(as.encrypted, 3);
      assert.equal(bs.encrypted, 3);
      assert.equal(as.decrypted, 3);
      assert.equal(bs.decrypted, 3);
      assert.deepEqual(bs.lastDecryptEpochBySender, { 0: 1 });
      assert.deepEqual(as.lastDecryptEpochBySender, { 1: 1 });
      // Same epoch bits, so Carol tried her own keys and every frame failed to authenticate.
      assert.equal(cs.decrypted, 0);
      assert.equal(cs.failed, 6);
      assert.equal(cs.encrypted, 0);
    });

    it('chat encrypted in one member decrypts in the other, not outside the group', async () => {
      const text = 'Quarterly numbers: 4 2 1 ✓';
      const ct = await alice.client.encryptChat(text);
      assert.equal(Buffer.from(ct, 'base64').includes(Buffer.from(text)), false, 'ciphertext hides the text');
      assert.deepEqual(await bob.client.decryptChat(ct), { text, senderId: 'p_alice' });
      const back = await bob.client.encryptChat('received');
      assert.deepEqual(await alice.client.decryptChat(back), { text: 'received', senderId: 'p_bob' });
      await assert.rejects(carol.client.decryptChat(ct), (e: unknown) => e instanceof E2eeWorkerError && e.code === 'invalid-message');
    });

    it('invalid messages are refused with an error and the worker keeps working', async () => {
      const refused = async (data: Record<string, unknown>, transfer?: unknown[]) => {
        const id = data.id as number;
        const reply = alice.next((m) => m.type === 'response' && m.id === id);
        alice.raw(data, transfer);
        assert.deepEqual(await reply, { type: 'response', id, ok: false, error: 'invalid request' }, `refused: ${String(data.type)}`);
      };
      await refused({ type: 'frobnicate', id: 9001 }); // wrong type
      await refused({ type: 'applyCommit', id: 9002, epoch: 1 }); // missing commit and from
      await refused({ type: 'createGroup', id: 9003, groupId: 'not bytes' }); // wrong field type
      await refused({ type: 'commit', id: 9004, epoch: -1, adds: [], removes: [] }); // out of range
      await refused({ type: 'encryptChat', id: 9005, text: 'x'.repeat(4001) }); // oversized chat
      await refused({ type: 'decryptChat', id: 9006, ciphertext: 'A'.repeat(24_004) }); // oversized ciphertext
      await refused({ type: 'decryptChat', id: 9007, ciphertext: 'not base64!' });
      await refused({ type: 'joinFromWelcome', id: 9008, welcome: new Uint8Array(90_001) }); // oversized MLS message
      // The production worker has no plaintext marker (the e2e test build's is in src/testing/).
      await refused({ type: 'setMarker', id: 9009, marker: new Uint8Array(12) });

      // Without a usable id there is nothing to answer: a generic error event.
      const unanswerable = [
        null,
        'hello',
        42,
        { type: 'keyPackage', id: 'x' },
        { type: 'init' },
        { type: 'streams', direction: 'send', kind: 'video', readable: {}, writable: {} },
        { type: 'kaigiTest.setMarker', marker: new Uint8Array(12) },
      ];
      for (const data of unanswerable) {
        const reply = alice.next((m) => m.type === 'error');
        alice.raw(data);
        assert.deepEqual(await reply, { type: 'error', error: 'invalid message' }, `refused: ${JSON.stringify(data)}`);
      }

      // Well-formed but wrong MLS content: KeyManager refuses it; the group is untouched.
      const code = (c: string) => (e: unknown) => e instanceof E2eeWorkerError && e.code === c;
      await assert.rejects(alice.client.applyCommit(1, new Uint8Array(randomBytes(64)), 'p_bob'), code('invalid-message'));
      await assert.rejects(alice.client.applyCommit(5, new Uint8Array(randomBytes(64)), 'p_bob'), code('wrong-epoch'));

      // Still alive, still in the group, still in epoch 1.
      assert.deepEqual(alice.failures, []);
      const ct = await alice.client.encryptChat('still here');
      assert.deepEqual(await bob.client.decryptChat(ct), { text: 'still here', senderId: 'p_alice' });
      assert.equal((await alice.client.stats()).epoch, 1);
      const dec = await transform(bob, 'recv', 'audio', await transform(alice, 'send', 'audio', [opusFrame()]));
      assert.deepEqual(bytes(dec[0]!.data), bytes(opusFrame().data), 'media still flows');
    });

    it('a worker without keys (after reset) sends nothing, never a clear frame', async () => {
      await carol.client.reset();
      const before = await carol.client.stats();
      assert.equal(before.epoch, null);
      assert.deepEqual(await transform(carol, 'send', 'video', [vp8KeyFrame()]), []);
      assert.deepEqual(await transform(carol, 'send', 'audio', [opusFrame()]), []);
      assert.equal((await carol.client.stats()).noKey, before.noKey + 2);
    });

    it("a verifier's check: Carol (no group) and Alice (in the group) exchange frames under the check's keys only", async () => {
      const context = { meetingId: 'm_1', newcomerId: 'p_carol', verifierId: 'p_alice' };
      const [carolKey, aliceKey] = await Promise.all([
        carol.client.checkKeyStart({ role: 'newcomer', ...context }),
        alice.client.checkKeyStart({ role: 'verifier', ...context }),
      ]);
      assert.equal(carolKey.length, 65);
      const [c, a] = await Promise.all([carol.client.checkKeyFinish(aliceKey), alice.client.checkKeyFinish(carolKey)]);
      assert.deepEqual(keysOf(c), ['safetyCode'], 'only the code comes back');
      assert.equal(c.safetyCode, a.safetyCode);
      await assert.rejects(carol.client.checkKeyFinish(aliceKey), /already/);

      const video = await transform(carol, 'send', 'video', [vp8KeyFrame()]);
      assert.equal(video.length, 1, 'the newcomer sends once the check has keys');
      assert.deepEqual(bytes((await transform(alice, 'recv', 'video', video))[0]!.data), bytes(vp8KeyFrame().data));
      assert.deepEqual(await transform(bob, 'recv', 'video', video), [], 'a member of the meeting cannot open the check');
      const audio = await transform(alice, 'send', 'audio', [opusFrame()]);
      assert.deepEqual(bytes((await transform(carol, 'recv', 'audio', audio))[0]!.data), bytes(opusFrame().data));
      assert.deepEqual(await transform(bob, 'recv', 'audio', audio), [], "the verifier's check media is not the meeting's");

      // The check ends: Alice is back on the group's epoch, Carol sends nothing.
      await Promise.all([alice.client.checkKeyEnd(), carol.client.checkKeyEnd()]);
      assert.deepEqual(await transform(carol, 'send', 'video', [vp8KeyFrame()]), []);
      const back = await transform(alice, 'send', 'audio', [opusFrame()]);
      assert.deepEqual(bytes((await transform(bob, 'recv', 'audio', back))[0]!.data), bytes(opusFrame().data));
      await assert.rejects(alice.client.checkKeyFinish(carolKey), /no check/);
      const stats = await alice.client.stats();
      assert.equal(stats.checkEncrypted, 1);
      assert.equal(stats.checkDecrypted, 1);
    });

    it('no message posted to the page carries an epoch secret or key bytes', () => {
      const all = [alice, bob, carol];
      const secrets = all.flatMap((s) => s.secrets);
      assert.ok(secrets.length >= 5, 'secrets of every epoch were captured');
      for (const { secret } of secrets) {
        assert.equal(secret.length, 16);
        assert.ok(secret.some((b) => b !== 0), 'a real secret, not zeroed bytes');
      }
      // The scan itself finds a secret wherever it is put.
      const planted = secrets[0]!.secret;
      assert.ok(findSecret({ result: { commit: Buffer.concat([randomBytes(9), planted, randomBytes(5)]) } }, planted));
      assert.ok(findSecret({ result: Buffer.concat([randomBytes(7), planted]).toString('base64') }, planted));
      assert.ok(findSecret({ error: `x ${Buffer.from(planted).toString('hex')}` }, planted));

      // checkKeyStart returns the check's public ECDH key (its private half stays in the worker).
      const binaryPaths: Record<string, string[]> = { keyPackage: ['result'], commit: ['result.commit', 'result.welcome'], checkKeyStart: ['result'] };
      for (const s of all) {
        assert.deepEqual(s.failures, [], `${s.name}: the worker thread never failed`);
        const responses = new Map<number, number>();
        for (const msg of s.posted) {
          const shown = JSON.stringify(msg, (_k, v: unknown) => (ArrayBuffer.isView(v) ? `<${v.byteLength} bytes>` : v));
          const where = `${s.name}: ${shown}`.slice(0, 300);
          assert.ok(WorkerToPage.safeParse(msg).success, `${where}: a WorkerToPage message`);
          for (const { secret } of secrets) assert.equal(findSecret(msg, secret), null, `${where}: contains an epoch secret`);

          const m = msg as Record<string, unknown>;
          const found = { binaries: [] as { path: string; bytes: Buffer }[], odd: [] as string[], strings: [] as string[] };
          inspect(m, '', found);
          assert.deepEqual(found.odd, [], `${where}: only plain data`);
          const reqType = m.type === 'response' ? s.requests.get(m.id as number) : undefined;
          const allowed = m.ok === true && reqType ? (binaryPaths[reqType] ?? []) : [];
          for (const b of found.binaries) {
            assert.ok(allowed.includes(b.path), `${where}: bytes at ${b.path} (only KeyPackage, commit, Welcome and a check's public key may carry bytes)`);
          }

          if (m.type === 'epoch') assertEpochPublicShape(m, where, ['type']);
          else if (m.type === 'error') assert.deepEqual(keysOf(m), ['error', 'type'], where);
          else if (m.type === 'response') {
            responses.set(m.id as number, (responses.get(m.id as number) ?? 0) + 1);
            if (m.ok) {
              assert.deepEqual(keysOf(m), ['id', 'ok', 'result', 'type'], where);
              if (reqType === 'createGroup' || reqType === 'applyCommit' || reqType === 'joinFromWelcome') {
                assertEpochPublicShape(m.result, where);
              }
              if (reqType === 'commit') assert.ok(keysOf(m.result).every((k) => k === 'commit' || k === 'welcome'), where);
            } else {
              assert.ok(['error,id,ok,type', 'code,error,id,ok,type'].includes(keysOf(m).join()), where);
            }
          } else assert.fail(`${where}: unknown message type`);
        }
        // Every request got exactly one response.
        const ids = (m: Map<number, unknown>) => [...m.keys()].sort((x, y) => x - y);
        assert.deepEqual(ids(responses), ids(s.requests), `${s.name}: a response per request`);
        assert.ok([...responses.values()].every((n) => n === 1), `${s.name}: one response each`);
      }
      assert.ok(alice.posted.some((m) => (m as { type?: string }).type === 'epoch'), 'epoch events were scanned');
    });
  });
}
