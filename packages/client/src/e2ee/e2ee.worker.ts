// The E2EE worker. MLS (KeyManager) and SFrame (FrameCryptor) both live here, so group secrets
// and frame keys never reach the page: the page sends MLS operations and gets back public MLS
// bytes, epoch numbers, safety codes and member lists. This file only validates messages and
// routes them; the logic is in the two plain classes.
import '../zodConfig.js'; // first: the worker runs under the same CSP as the page (no eval)
import { CheckKey } from './CheckKey.js';
import { FrameCryptor, KeyFrameRequestLimiter, type FrameKind } from './FrameCryptor.js';
import { KeyManager, KeyManagerError, type EpochInfo } from './KeyManager.js';
import { TEST_HOOKS } from '../testing/flag.js';
import { handleTestMessage, MarkingFrameCryptor } from '../testing/MarkingFrameCryptor.js';
import {
  PageToWorker,
  TransformOptions,
  fromBase64,
  toBase64,
  type EpochPublic,
  type WorkerRequest,
  type WorkerToPage,
} from './workerMessages.js';

// The worker's own globals are not in the DOM lib this package compiles with: declare the little used.
interface EncodedFrame {
  data: ArrayBuffer;
  /** 'key' | 'delta' | 'empty' on video frames; absent on audio. */
  readonly type?: string;
}
interface ScriptTransformer {
  readonly readable: ReadableStream<EncodedFrame>;
  readonly writable: WritableStream<EncodedFrame>;
  readonly options: unknown;
  sendKeyFrameRequest?(): Promise<void>;
  generateKeyFrame?(rid?: string): Promise<unknown>;
}
interface WorkerScope {
  postMessage(message: WorkerToPage, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<unknown>) => void) | null;
  onrtctransform: ((ev: { transformer: ScriptTransformer }) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

// The e2e test build's cryptor adds a plaintext marker on request; production builds drop it (testing/flag.ts).
const cryptor = TEST_HOOKS ? new MarkingFrameCryptor() : new FrameCryptor();
let participantId: string | null = null;
let keyManager: Promise<KeyManager> | null = null;
/** The open check's key exchange (B7), if any. */
let check: CheckKey | null = null;

/** One encoded-frame stream (a sender or a receiver) running through the cryptor. */
class FramePipe {
  private readonly limiter = new KeyFrameRequestLimiter(500);
  private undecryptable = false;

  constructor(
    readonly direction: 'send' | 'recv',
    readonly kind: FrameKind,
    private readonly transformer: ScriptTransformer | null,
  ) {}

  async process(frame: EncodedFrame, out: TransformStreamDefaultController<EncodedFrame>): Promise<void> {
    const keyFrame = this.kind === 'video' && frame.type === 'key';
    if (this.direction === 'send') {
      // No key yet: the frame is dropped, never sent in clear.
      const data = await cryptor.encrypt({ data: frame.data, kind: this.kind, keyFrame });
      if (!data) return;
      frame.data = data;
      out.enqueue(frame);
      return;
    }
    const r = await cryptor.decrypt({ data: frame.data, kind: this.kind, keyFrame });
    if (!r) {
      this.undecryptable = true;
      return;
    }
    if (this.undecryptable) {
      // Frames were dropped: the decoder needs a fresh key frame to resume.
      this.undecryptable = false;
      this.requestKeyFrame();
    }
    frame.data = r.data;
    out.enqueue(frame);
  }

  /** A new epoch: receivers that dropped frames ask for a key frame, senders send one so that
   * everyone (new members included) can start decoding under the new key. */
  onEpoch(): void {
    if (this.direction === 'recv' ? this.undecryptable : true) this.requestKeyFrame();
  }

  private requestKeyFrame(): void {
    const t = this.transformer;
    if (this.kind !== 'video' || !t || !this.limiter.tryAcquire()) return;
    const p = this.direction === 'recv' ? t.sendKeyFrameRequest?.() : t.generateKeyFrame?.();
    p?.catch(() => undefined); // e.g. no encoder yet: nothing to do
  }
}

const pipes = new Set<FramePipe>();

function run(pipe: FramePipe, readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>): void {
  pipes.add(pipe);
  readable
    .pipeThrough(new TransformStream<EncodedFrame, EncodedFrame>({ transform: (f, c) => pipe.process(f, c) }))
    .pipeTo(writable)
    .catch(() => undefined) // the transceiver stopped
    .finally(() => pipes.delete(pipe));
}

scope.onrtctransform = (ev) => {
  const t = ev.transformer;
  const opts = TransformOptions.safeParse(t.options);
  // Unknown options: leave the stream unread so nothing flows, rather than guess and leak.
  if (!opts.success) return post({ type: 'error', error: 'bad transform options' });
  run(new FramePipe(opts.data.direction, opts.data.kind, t), t.readable, t.writable);
};

function post(msg: WorkerToPage, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

function km(): Promise<KeyManager> {
  if (!keyManager) {
    if (!participantId) return Promise.reject(new Error('worker not initialised'));
    const p = KeyManager.create({ participantId });
    p.catch(() => {
      if (keyManager === p) keyManager = null; // let a later request try again
    });
    keyManager = p;
  }
  return keyManager;
}

/** Keys go to the cryptor (which zeroes the secret); only public facts go back to the page. */
async function onEpoch(info: EpochInfo): Promise<EpochPublic> {
  await cryptor.setEpoch(info.epoch, info.epochSecret, info.selfIndex);
  const pub: EpochPublic = {
    epoch: info.epoch,
    safetyCode: info.safetyCode,
    members: info.members.map((m) => ({ participantId: m.participantId, leafIndex: m.leafIndex })),
  };
  post({ type: 'epoch', ...pub });
  for (const p of pipes) p.onEpoch();
  return pub;
}

/** Copies bytes into a buffer of their own so it can be transferred. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

async function handle(req: WorkerRequest): Promise<{ result: unknown; transfer?: Transferable[] }> {
  switch (req.type) {
    case 'keyPackage': {
      const kp = own(await (await km()).keyPackage());
      return { result: kp, transfer: [kp.buffer] };
    }
    case 'createGroup':
      return { result: await onEpoch(await (await km()).createGroup(req.groupId)) };
    case 'commit': {
      const r = await (await km()).commit({ epoch: req.epoch, adds: req.adds, removes: req.removes });
      const commit = own(r.commit);
      const welcome = r.welcome ? own(r.welcome) : undefined;
      return { result: { commit, ...(welcome && { welcome }) }, transfer: welcome ? [commit.buffer, welcome.buffer] : [commit.buffer] };
    }
    case 'applyCommit':
      try {
        return { result: await onEpoch(await (await km()).applyCommit(req.epoch, req.commit, req.from)) };
      } catch (e) {
        if (e instanceof KeyManagerError && e.code === 'removed') cryptor.clear(); // out of the group: no more keys
        throw e;
      }
    case 'joinFromWelcome':
      return { result: await onEpoch(await (await km()).joinFromWelcome(req.welcome)) };
    case 'rejectPending':
      (await km()).rejectPending();
      return { result: null };
    case 'encryptChat': {
      const ct = await (await km()).encryptApplication(new TextEncoder().encode(req.text));
      return { result: toBase64(ct) };
    }
    case 'decryptChat': {
      const { plaintext, senderId } = await (await km()).decryptApplication(fromBase64(req.ciphertext));
      const text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
      plaintext.fill(0);
      return { result: { text, senderId } };
    }
    case 'reset': {
      // Left or removed: forget every key; a fresh KeyManager (new key packages) on next use.
      cryptor.clear();
      check = null;
      const old = keyManager;
      keyManager = null;
      if (old) (await old.catch(() => null))?.destroy();
      return { result: null };
    }
    case 'stats':
      return { result: cryptor.stats() };
    case 'checkKeyStart': {
      endCheck();
      cryptor.holdForCheck();
      const { meetingId, newcomerId, verifierId } = req;
      check = await CheckKey.create(req.role, { meetingId, newcomerId, verifierId });
      const pub = own(check.publicKey);
      return { result: pub, transfer: [pub.buffer] };
    }
    case 'checkKeyFinish': {
      if (!check) throw new Error('no check is open');
      const { baseKey, safetyCode } = await check.derive(req.peerPublicKey);
      await cryptor.setCheckKey(baseKey, check.role);
      // Both sides start a fresh key frame under the new keys.
      for (const p of pipes) p.onEpoch();
      return { result: { safetyCode } };
    }
    case 'checkKeyEnd':
      endCheck();
      return { result: null };
  }
}

/** Forgets the check's keys; senders go back to the meeting's epoch (with a key frame). */
function endCheck(): void {
  const had = check !== null || cryptor.checking;
  check = null;
  cryptor.clearCheck();
  if (had) for (const p of pipes) p.onEpoch();
}

function errorText(e: unknown): { error: string; code?: string } {
  const error = (e instanceof Error ? e.message : 'failed').slice(0, 500);
  return e instanceof KeyManagerError ? { error, code: e.code } : { error };
}

// Requests run one at a time so epochs reach the cryptor and the page in MLS order.
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (ev) => {
  // Test build only: the marker's message, which the production worker's schema does not know.
  if (TEST_HOOKS && handleTestMessage(cryptor, ev.data)) return;
  const parsed = PageToWorker.safeParse(ev.data);
  if (!parsed.success) {
    const id = (ev.data as { id?: unknown } | null)?.id;
    if (typeof id === 'number') post({ type: 'response', id, ok: false, error: 'invalid request' });
    else post({ type: 'error', error: 'invalid message' });
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'init') {
    participantId = msg.participantId;
    return;
  }
  if (msg.type === 'streams') {
    // createEncodedStreams() fallback: no key frame request API on this path.
    run(new FramePipe(msg.direction, msg.kind, null), msg.readable as ReadableStream<EncodedFrame>, msg.writable);
    return;
  }
  queue = queue.then(async () => {
    try {
      const { result, transfer } = await handle(msg);
      post({ type: 'response', id: msg.id, ok: true, result }, transfer);
    } catch (e) {
      post({ type: 'response', id: msg.id, ok: false, ...errorText(e) });
    }
  });
};

// Retained epochs lose their keys on time even when no frames arrive to trigger it.
setInterval(() => cryptor.prune(), 1000);
