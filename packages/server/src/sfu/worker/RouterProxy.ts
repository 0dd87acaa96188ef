import { ErrorCode, type ConnectionQuality, type MediaSource } from '@kaigi/protocol';
import { KaigiError } from '../../errors.js';
import { Observer } from '../Emitter.js';
import type { Producer } from '../Producer.js';
import type { RouterObserver, RouterObserverEvents } from '../RouterObserver.js';
import type { PublishRequest, RouterPort, RouterSignals, VideoPreference } from '../RouterPort.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** Messages a proxy sends (a Router's id is added by the channel's owner, MediaWorkers). */
type Call = Extract<ToWorker, { router: string }>;
type Request = Extract<Call, { id: number }>;
/** A request before its id is given (distributes over the union, which Omit does not). */
export type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/** How a proxy reaches the worker its Router lives on (a WorkerSlot in MediaWorkers.ts). */
export interface WorkerChannel {
  post(msg: Call): void;
  /** A request with an answer; rejects if the worker dies first. */
  request(msg: RequestBody): Promise<string | boolean>;
}

/** An observer that tells its owner when the first 'forwarded' listener comes and the last goes. */
class WatchedObserver extends Observer<RouterObserverEvents> {
  constructor(private readonly watch: (on: boolean) => void) {
    super();
  }

  override on<K extends keyof RouterObserverEvents>(event: K, fn: (...args: RouterObserverEvents[K]) => void): () => void {
    const off = super.on(event, fn);
    if (event !== 'forwarded') return off;
    if (this.listenerCount('forwarded') === 1) this.watch(true);
    return () => {
      off();
      if (this.listenerCount('forwarded') === 0) this.watch(false);
    };
  }
}

/**
 * The main thread's stand-in for a Router that lives in a media worker (issue 15 item 3). The
 * Room, Checks and the media handlers use it as they use a Router (RouterPort). The main thread
 * stays the only authority on who may publish and subscribe: the proxy forwards exactly the
 * Room's calls, and keeps what it needs to rebuild the Router on another worker after a death
 * (who subscribes, the tiles they show, the private pairs) -- never anything that admits.
 * close() is idempotent.
 */
export class RouterProxy implements RouterPort {
  /** The worker streams 'forwarded' here only while someone listens (the e2e tap); else nothing per packet. */
  readonly observer: RouterObserver = new WatchedObserver((on) => {
    this.observed = on;
    if (!this._closed) this.channel.post({ t: 'observe', router: this.id, on });
  });
  private observed = false;
  private _closed = false;
  private live = new Map<string, MediaSource[]>();
  private readonly pairs = new Map<string, string>();
  private readonly isolated = new Set<string>();
  private readonly subscribed = new Set<string>();
  private readonly prefs = new Map<string, VideoPreference[]>();
  private speaker: string | null = null;
  private quality = new Map<string, ConnectionQuality | null>();

  constructor(
    readonly id: string,
    private readonly backOff: boolean,
    private readonly signals: RouterSignals,
    private channel: WorkerChannel,
  ) {
    channel.post({ t: 'open', router: id, backOff });
  }

  get closed(): boolean {
    return this._closed;
  }

  async publish(participantId: string, req: PublishRequest): Promise<string> {
    if (this._closed) throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'the meeting has ended');
    const sdp = await this.channel.request({ t: 'publish', router: this.id, pid: participantId, sdp: req.sdp, tracks: req.tracks });
    if (typeof sdp !== 'string') throw new Error('media worker: no answer');
    return sdp;
  }

  subscribe(participantId: string): void {
    if (this._closed) return;
    this.subscribed.add(participantId);
    this.channel.post({ t: 'subscribe', router: this.id, pid: participantId });
  }

  async subscribeAnswer(participantId: string, sdp: string): Promise<boolean> {
    if (this._closed) return false;
    return (await this.channel.request({ t: 'subscribeAnswer', router: this.id, pid: participantId, sdp })) === true;
  }

  resubscribe(participantId: string): void {
    if (this._closed) return;
    this.subscribed.add(participantId);
    this.channel.post({ t: 'resubscribe', router: this.id, pid: participantId });
  }

  setVideoPreferences(participantId: string, tiles: VideoPreference[]): void {
    if (this._closed) return;
    this.prefs.set(participantId, tiles);
    this.channel.post({ t: 'prefs', router: this.id, pid: participantId, tiles });
  }

  pair(isolated: string, partner: string): void {
    if (this._closed) return;
    this.forgetPair(isolated);
    this.forgetPair(partner);
    this.pairs.set(isolated, partner);
    this.pairs.set(partner, isolated);
    this.isolated.add(isolated);
    this.channel.post({ t: 'pair', router: this.id, pid: isolated, partner });
  }

  unpair(participantId: string): void {
    if (this._closed || !this.pairs.has(participantId)) return;
    this.forgetPair(participantId);
    this.channel.post({ t: 'unpair', router: this.id, pid: participantId });
  }

  partnerOf(participantId: string): string | undefined {
    return this.pairs.get(participantId);
  }

  /** Whether the source was live (as last pushed); it is taken off the mirror at once. */
  closeProducer(participantId: string, source: MediaSource): boolean {
    const sources = this.live.get(participantId);
    const had = sources?.includes(source) ?? false;
    if (had) this.live.set(participantId, sources!.filter((s) => s !== source));
    if (!this._closed) this.channel.post({ t: 'closeProducer', router: this.id, pid: participantId, source });
    return had;
  }

  closeParticipant(participantId: string): void {
    this.forgetPair(participantId);
    this.subscribed.delete(participantId);
    this.prefs.delete(participantId);
    this.live.delete(participantId);
    if (!this._closed) this.channel.post({ t: 'closeParticipant', router: this.id, pid: participantId });
  }

  publishing(): Map<string, MediaSource[]> {
    const out = new Map<string, MediaSource[]>();
    for (const [pid, sources] of this.live) if (!this.pairs.has(pid) && sources.length) out.set(pid, [...sources]);
    return out;
  }

  /** The recorder's producers are in the worker: a meeting the server may record is not placed on one (MediaWorkers.create). */
  *allProducers(): IterableIterator<Producer> {
    // none in this thread
  }

  /** The verdicts the worker pushed since the last call (the Room's tick drains them). */
  connectionQuality(): Map<string, ConnectionQuality | null> {
    const out = this.quality;
    this.quality = new Map();
    return out;
  }

  loudest(): string | null {
    return this.speaker;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.channel.post({ t: 'close', router: this.id });
  }

  // From the worker (MediaWorkers routes validated messages by router id).

  workerMessage(msg: Extract<FromWorker, { router: string }>): void {
    if (this._closed) return;
    switch (msg.t) {
      case 'offer':
        return this.signals.subscribeOffer(msg.pid, { sdp: msg.sdp, tracks: msg.tracks });
      case 'changed':
        this.live = new Map(msg.publishing);
        return this.signals.producersChanged();
      case 'tick':
        this.speaker = msg.loudest;
        for (const [pid, q] of msg.quality) this.quality.set(pid, q);
        return;
      case 'forwarded': {
        const { from, to, source, kind, seq } = msg;
        const payload = Buffer.from(msg.payload.buffer, msg.payload.byteOffset, msg.payload.byteLength);
        this.observer.notify('forwarded', { from, to, source, kind, seq, payload });
        return;
      }
    }
  }

  /**
   * The worker died: the Router is rebuilt on `channel` with the Room's standing requests (the
   * pairs, the tiles, who subscribes: each gets a fresh offer). Publishers publish again when
   * their browsers rebuild their send transports; until then nobody publishes.
   */
  rehome(channel: WorkerChannel): void {
    if (this._closed) return;
    this.channel = channel;
    channel.post({ t: 'open', router: this.id, backOff: this.backOff });
    if (this.observed) channel.post({ t: 'observe', router: this.id, on: true });
    for (const [isolated, partner] of this.pairs) if (this.isolated.has(isolated)) channel.post({ t: 'pair', router: this.id, pid: isolated, partner });
    for (const [pid, tiles] of this.prefs) channel.post({ t: 'prefs', router: this.id, pid, tiles });
    for (const pid of this.subscribed) channel.post({ t: 'subscribe', router: this.id, pid });
    this.speaker = null;
    this.quality = new Map();
    const affected = new Set([...this.live.keys(), ...this.subscribed, ...this.pairs.keys()]);
    if (this.live.size) {
      this.live = new Map();
      this.signals.producersChanged();
    }
    this.signals.mediaRestart?.([...affected]);
  }

  /** No worker is left to host the Router (they all keep dying): the meeting's media has ended. */
  orphaned(): void {
    if (this._closed) return;
    this._closed = true;
    if (this.live.size) {
      this.live = new Map();
      this.signals.producersChanged();
    }
  }

  private forgetPair(participantId: string): void {
    const partner = this.pairs.get(participantId);
    if (partner === undefined) return;
    this.pairs.delete(participantId);
    this.pairs.delete(partner);
    this.isolated.delete(participantId);
    this.isolated.delete(partner);
  }
}
