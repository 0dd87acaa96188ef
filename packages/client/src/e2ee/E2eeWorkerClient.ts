// Main-thread side of the E2EE worker: promise-based MLS operations (mirroring KeyManager) and
// the hookup of RTP senders/receivers to the worker's frame transform. No secret ever passes
// through here: the worker returns public MLS bytes, epochs, safety codes and counters only.
import type { CryptorStats, FrameKind } from './FrameCryptor.js';
import {
  ResultSchemas,
  WorkerToPage,
  type EpochPublic,
  type PageToWorker,
  type RequestResult,
  type RequestType,
  type WorkerRequest,
} from './workerMessages.js';

export type { EpochPublic } from './workerMessages.js';

interface EncodedStreams {
  readable: ReadableStream;
  writable: WritableStream;
}
type MaybeEncodedStreams = { createEncodedStreams?: () => EncodedStreams };

function hasScriptTransform(): boolean {
  return typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';
}

function hasEncodedStreams(): boolean {
  return typeof RTCRtpSender !== 'undefined' && 'createEncodedStreams' in RTCRtpSender.prototype;
}

/** RTCPeerConnection settings the transform needs: `encodedInsertableStreams` only on the
 * createEncodedStreams() fallback (without it, that API throws). */
export function peerConnectionConfigExtras(): { encodedInsertableStreams?: true } {
  return !hasScriptTransform() && hasEncodedStreams() ? { encodedInsertableStreams: true } : {};
}

export class E2eeWorkerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'E2eeWorkerError';
  }
}

type Pending = { type: RequestType; resolve: (v: unknown) => void; reject: (e: Error) => void };
type RequestBody<T extends RequestType> = Omit<Extract<WorkerRequest, { type: T }>, 'id' | 'type'>;

export class E2eeWorkerClient {
  /** This browser can encrypt media frames in a worker. */
  static supported(): boolean {
    return typeof Worker !== 'undefined' && (hasScriptTransform() || hasEncodedStreams());
  }

  static peerConnectionConfigExtras(): { encodedInsertableStreams?: true } {
    return peerConnectionConfigExtras();
  }

  /** Protected for the e2e test build's subclass (testing/MarkingE2eeWorkerClient.ts), which posts its own message. */
  protected readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly epochListeners = new Set<(e: EpochPublic) => void>();
  private readonly attached = new WeakSet<RTCRtpSender | RTCRtpReceiver>();
  private nextId = 1;
  private closed = false;

  constructor(participantId: string, opts?: { worker?: Worker }) {
    this.worker = opts?.worker ?? new Worker(new URL('./e2ee.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<unknown>) => this.onMessage(ev.data);
    this.worker.onerror = () => this.failAll(new E2eeWorkerError('E2EE worker failed'));
    this.send({ type: 'init', participantId });
  }

  keyPackage(): Promise<Uint8Array> {
    return this.request('keyPackage', {});
  }

  createGroup(groupId: Uint8Array): Promise<EpochPublic> {
    return this.request('createGroup', { groupId });
  }

  /** Pending in the worker until applyCommit of our own commit (or rejectPending). */
  commit(req: {
    epoch: number;
    adds: { participantId: string; keyPackage: Uint8Array }[];
    removes: string[];
  }): Promise<{ commit: Uint8Array; welcome?: Uint8Array }> {
    return this.request('commit', { ...req });
  }

  applyCommit(epoch: number, commit: Uint8Array, from: string): Promise<EpochPublic> {
    return this.request('applyCommit', { epoch, commit, from });
  }

  joinFromWelcome(welcome: Uint8Array): Promise<EpochPublic> {
    return this.request('joinFromWelcome', { welcome });
  }

  async rejectPending(): Promise<void> {
    await this.request('rejectPending', {});
  }

  /** Plaintext in, MLS application message (base64) out. */
  encryptChat(text: string): Promise<string> {
    return this.request('encryptChat', { text });
  }

  decryptChat(ciphertext: string): Promise<{ text: string; senderId: string }> {
    return this.request('decryptChat', { ciphertext });
  }

  /** Forget the group and every key (left or removed); the next keyPackage starts afresh. */
  async reset(): Promise<void> {
    await this.request('reset', {});
  }

  stats(): Promise<CryptorStats> {
    return this.request('stats', {});
  }

  /** A verifier's check (B7): a fresh ECDH key pair in the worker; returns our public key. */
  checkKeyStart(req: { role: 'newcomer' | 'verifier'; meetingId: string; newcomerId: string; verifierId: string }): Promise<Uint8Array> {
    return this.request('checkKeyStart', { ...req });
  }

  /** The other side's public key: the worker derives and installs the check's keys. */
  checkKeyFinish(peerPublicKey: Uint8Array): Promise<{ safetyCode: string }> {
    return this.request('checkKeyFinish', { peerPublicKey });
  }

  async checkKeyEnd(): Promise<void> {
    await this.request('checkKeyEnd', {});
  }

  /** Called on every new epoch (after the worker has installed its keys). Returns an unsubscribe. */
  onEpoch(cb: (e: EpochPublic) => void): () => void {
    this.epochListeners.add(cb);
    return () => this.epochListeners.delete(cb);
  }

  /** Encrypts everything this sender sends. Throws if no transform could be installed: the
   * caller must then not send media in an E2EE meeting. */
  attachSender(sender: RTCRtpSender, kind: FrameKind): void {
    this.attach(sender, 'send', kind);
  }

  attachReceiver(receiver: RTCRtpReceiver, kind: FrameKind): void {
    this.attach(receiver, 'recv', kind);
  }

  /** Terminates the worker: every key in it is gone with it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.terminate();
    this.epochListeners.clear();
    this.failAll(new E2eeWorkerError('E2EE worker closed'));
  }

  private attach(target: RTCRtpSender | RTCRtpReceiver, direction: 'send' | 'recv', kind: FrameKind): void {
    if (this.closed) throw new E2eeWorkerError('E2EE worker closed');
    if (this.attached.has(target)) return;
    if (hasScriptTransform()) {
      target.transform = new RTCRtpScriptTransform(this.worker, { direction, kind });
    } else {
      // Needs the RTCPeerConnection built with peerConnectionConfigExtras().
      const streams = (target as unknown as MaybeEncodedStreams).createEncodedStreams?.();
      if (!streams) throw new E2eeWorkerError('no encoded transform API in this browser');
      const { readable, writable } = streams;
      this.send({ type: 'streams', direction, kind, readable, writable }, [readable, writable]);
    }
    this.attached.add(target);
  }

  private send(msg: PageToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<RequestResult<T>> {
    if (this.closed) return Promise.reject(new E2eeWorkerError('E2EE worker closed'));
    const id = this.nextId++;
    return new Promise<RequestResult<T>>((resolve, reject) => {
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject });
      this.send({ ...body, type, id } as PageToWorker);
    });
  }

  private onMessage(data: unknown): void {
    const parsed = WorkerToPage.safeParse(data);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'epoch') {
      const e: EpochPublic = { epoch: msg.epoch, safetyCode: msg.safetyCode, members: msg.members };
      for (const cb of this.epochListeners) cb(e);
      return;
    }
    if (msg.type === 'error') return; // a transform the worker refused: its media stays blocked
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (!msg.ok) return p.reject(new E2eeWorkerError(msg.error, msg.code));
    const result = ResultSchemas[p.type].safeParse(msg.result);
    if (result.success) p.resolve(result.data);
    else p.reject(new E2eeWorkerError(`unexpected ${p.type} result from the E2EE worker`));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
