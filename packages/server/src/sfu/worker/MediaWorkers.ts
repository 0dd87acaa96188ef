import { ErrorCode, isErrorCode } from '@kaigi/protocol';
import { KaigiError } from '../../errors.js';
import { tupleKey } from '../net/IceEndpoint.js';
import type { MediaNet, RemoteSink } from '../net/MediaNet.js';
import type { RouterSignals } from '../RouterPort.js';
import { parseFromWorker, type FromWorker, type ToWorker } from './protocol.js';
import { RouterProxy, type WorkerChannel } from './RouterProxy.js';

// The node's media workers (issue 15 item 3): meetings are placed on worker threads, one per
// core by default (KAIGI_MEDIA_WORKERS), each hosting its meetings' Routers and its share of the
// media port; signalling and HTTP stay on the main thread. A meeting lives on one worker. A
// worker that dies is replaced, and its meetings' Routers are rebuilt on a live worker
// (RouterProxy.rehome); the browsers rebuild their transports by themselves.

/** What MediaWorkers needs of a worker_threads.Worker (tests pass a fake). */
export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  on(event: 'message', fn: (msg: unknown) => void): unknown;
  on(event: 'exit', fn: (code: number) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  terminate(): Promise<number>;
}

export type SpawnWorker = () => WorkerLike;

export interface MediaWorkersEvents {
  /** A worker died (exit or error) and was replaced; `moved` Routers were rebuilt elsewhere. */
  died?(index: number, moved: string[], err: Error | null): void;
  /** A message from a worker did not parse and was dropped. */
  malformed?(index: number): void;
}

/** A worker that dies this many times in a row before it is ready is not restarted (a broken build). */
const MAX_EARLY_DEATHS = 3;

/** Sink for a slot's requests: resolve with the answer or reject. */
interface Pending {
  resolve(v: string | boolean): void;
  reject(err: Error): void;
}

/** One worker and what lives on it. */
class WorkerSlot implements WorkerChannel {
  readonly proxies = new Map<string, RouterProxy>();
  readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;
  /** It said 'ready' (its entry loaded); one that dies before is not restarted forever. */
  ready = false;
  /** Datagrams the listener routes to this worker (first contacts, a verified address's first packets). */
  readonly sink: RemoteSink = (data, ip, port) => {
    if (!this.dead) this.worker.postMessage({ t: 'datagram', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ip, port });
  };

  constructor(
    readonly worker: WorkerLike,
    /** Deaths before 'ready' in a row at this index, this one's predecessors included. */
    readonly earlyDeaths: number,
  ) {}

  post(msg: Parameters<WorkerChannel['post']>[0]): void {
    if (!this.dead) this.worker.postMessage(msg);
  }

  request(msg: Parameters<WorkerChannel['request']>[0]): Promise<string | boolean> {
    if (this.dead) return Promise.reject(new KaigiError(ErrorCode.INTERNAL, 'the media worker is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id } as ToWorker);
    });
  }
}

/**
 * Created once per process by services.ts (when KAIGI_MEDIA_WORKERS > 0), closed by it after the
 * rooms. Owns the workers and the placement of Routers on them; Rooms get RouterProxies from
 * create() and close them as they closed Routers. close() is idempotent and terminates every worker.
 */
export class MediaWorkers {
  private readonly slots: WorkerSlot[] = [];
  private closed = false;
  /** Router ids are this process's own (a meeting that closes and opens again gets a new one). */
  private seq = 0;

  constructor(
    count: number,
    private readonly spawn: SpawnWorker,
    private readonly net: MediaNet | null,
    private readonly events: MediaWorkersEvents = {},
  ) {
    for (let i = 0; i < count; i++) this.slots.push(this.startSlot(0));
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Places a meeting's Router on the least-loaded live worker (fewest Routers; the lowest index
   * on a tie); null when no worker is live (the caller keeps the Router in its own thread).
   */
  create(backOff: boolean, signals: RouterSignals): RouterProxy | null {
    const slot = this.closed ? undefined : this.leastLoaded();
    if (!slot) return null;
    const id = `r${++this.seq}`;
    const proxy = new RouterProxy(id, backOff, signals, slot);
    slot.proxies.set(id, proxy);
    return proxy;
  }

  /** Which worker hosts a Router (tests, monitoring); -1 if none. */
  placement(id: string): number {
    return this.slots.findIndex((s) => s.proxies.has(id));
  }

  /** Routers per worker, in worker order (monitoring). */
  load(): number[] {
    return this.slots.map((s) => s.proxies.size);
  }

  /** The worker at an index (tests kill it to check recovery). */
  worker(index: number): WorkerLike | undefined {
    return this.slots[index]?.worker;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = this.slots.splice(0);
    await Promise.all(
      all.map((s) => {
        s.dead = true;
        this.net?.forgetRemote(s.sink);
        return s.worker.terminate().catch(() => 0);
      }),
    );
  }

  private leastLoaded(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const s of this.slots) {
      // A closed proxy leaves its slot when its Room closes it; count only live ones.
      if (!s.dead && (!best || this.liveCount(s) < this.liveCount(best))) best = s;
    }
    return best;
  }

  private liveCount(slot: WorkerSlot): number {
    let n = 0;
    for (const [id, p] of slot.proxies) {
      if (p.closed) slot.proxies.delete(id);
      else n++;
    }
    return n;
  }

  private startSlot(earlyDeaths: number): WorkerSlot {
    const slot = new WorkerSlot(this.spawn(), earlyDeaths);
    slot.worker.on('message', (raw) => this.fromWorker(slot, raw));
    slot.worker.on('error', (err) => this.died(slot, err));
    slot.worker.on('exit', () => this.died(slot, null));
    return slot;
  }

  private fromWorker(slot: WorkerSlot, raw: unknown): void {
    if (slot.dead) return;
    const msg = parseFromWorker(raw);
    if (!msg) {
      this.events.malformed?.(this.slots.indexOf(slot));
      return;
    }
    this.route(slot, msg);
  }

  private route(slot: WorkerSlot, msg: FromWorker): void {
    switch (msg.t) {
      case 'ready':
        slot.ready = true;
        return;
      case 'result':
        return this.settle(slot, msg.id)?.resolve(msg.value);
      case 'failure': {
        const code = msg.code !== null && isErrorCode(msg.code) ? msg.code : null;
        this.settle(slot, msg.id)?.reject(code ? new KaigiError(code, msg.message) : new Error(msg.message));
        return;
      }
      case 'offer':
      case 'changed':
      case 'tick':
      case 'forwarded':
        return slot.proxies.get(msg.router)?.workerMessage(msg);
      case 'ufrag':
        if (msg.on) this.net?.registerRemote(msg.ufrag, slot.sink);
        else this.net?.unregisterRemote(msg.ufrag, slot.sink);
        return;
      case 'tuple':
        if (msg.on) this.net?.addRemoteTuple(tupleKey(msg.ip, msg.port), slot.sink);
        else this.net?.removeRemoteTuple(tupleKey(msg.ip, msg.port), slot.sink);
        return;
      case 'send': {
        const data = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
        this.net?.sendFromListener(data, data.length, msg.ip, msg.port);
        return;
      }
    }
  }

  private settle(slot: WorkerSlot, id: number): Pending | undefined {
    const p = slot.pending.get(id);
    slot.pending.delete(id);
    return p;
  }

  /**
   * The death cascade (docs/lifecycle.md): the worker's routes on the media port go, its pending
   * requests fail, a new worker takes its place, and each of its live Routers is rebuilt on the
   * least-loaded live worker with the Room's standing requests (RouterProxy.rehome).
   */
  private died(slot: WorkerSlot, err: Error | null): void {
    if (slot.dead || this.closed) return;
    slot.dead = true;
    this.net?.forgetRemote(slot.sink);
    for (const p of slot.pending.values()) p.reject(new KaigiError(ErrorCode.INTERNAL, 'the media worker is gone'));
    slot.pending.clear();
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const early = slot.ready ? 0 : slot.earlyDeaths + 1;
    // A dead slot stays in place (not placed on) once its workers keep dying before they start.
    if (early < MAX_EARLY_DEATHS) this.slots[index] = this.startSlot(early);
    const moved: string[] = [];
    for (const [id, proxy] of slot.proxies) {
      if (proxy.closed) continue;
      const target = this.leastLoaded();
      if (!target) {
        proxy.orphaned();
        continue;
      }
      target.proxies.set(id, proxy);
      proxy.rehome(target);
      moved.push(id);
    }
    slot.proxies.clear();
    this.events.died?.(index, moved, err);
  }
}
