import { ErrorCode, SOURCE_KIND, type ConnectionQuality, type MediaSource } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import { evaluateDownlink, QUALITY_EVERY_MS, QualityTracker } from './connectionQuality.js';
import { Observer } from './Emitter.js';
import type { MediaConfig } from './MediaConfig.js';
import { Producer } from './Producer.js';
import type { RouterObserver, RouterObserverEvents } from './RouterObserver.js';
import type { PublishRequest, RouterPort, RouterSignals } from './RouterPort.js';
import { Subscriber } from './Subscriber.js';
import { Transport } from './Transport.js';

export type { PublishRequest, RouterSignals } from './RouterPort.js';

/**
 * One meeting's media plane. Knows nothing of passwords or roles: the meeting layer decides who
 * may publish what and who is admitted, then calls publish / subscribe / closeParticipant.
 * Every admitted participant receives every other participant's producers, except while a private
 * pair (a verifier's check) is open: then the pair's media stays between its two sides.
 */
export class Router implements RouterPort {
  private readonly senders = new Map<string, Transport>();
  private readonly producers = new Map<string, Map<MediaSource, Producer>>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly preferences = new Map<string, { participantId: string; source: MediaSource; maxHeight: number }[]>();
  /** Private pairs (a verifier's check, B7): each side's media goes to the other side only. */
  private readonly pairs = new Map<string, string>();
  /** Participants who receive media from their pair partner only (the newcomer being checked). */
  private readonly isolated = new Set<string>();
  private _closed = false;
  private readonly quality = new QualityTracker();
  private qualityAt = -Infinity;
  /** What this Router does, for anyone who watches (see RouterObserver.ts); nothing in the server listens. */
  readonly observer: RouterObserver = new Observer<RouterObserverEvents>();

  constructor(
    private readonly config: MediaConfig,
    private readonly signals: RouterSignals,
  ) {}

  /** The meeting's media plane has ended: nothing is published or forwarded any more. */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * The browser's offer for its send transport with the complete list of tracks it sends.
   * The caller has checked each source against the participant's permissions. A new ICE
   * session (another ufrag) means a new browser connection: the old transport is replaced.
   */
  async publish(participantId: string, req: PublishRequest): Promise<string> {
    if (this._closed) throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'the meeting has ended');
    const ufrag = /a=ice-ufrag:(\S+)/.exec(req.sdp)?.[1];
    if (!ufrag) throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'the offer has no ICE credentials');
    let transport = this.senders.get(participantId);
    if (transport && transport.remoteUfrag() !== ufrag) {
      transport.close();
      transport = undefined;
    }
    if (!transport) {
      const t = new Transport(participantId, 'send', this.config);
      this.senders.set(participantId, t);
      t.on('close', () => {
        if (this.senders.get(participantId) === t) this.senders.delete(participantId);
      });
      // One event per incoming track: a simulcast camera sends one per layer.
      t.pc.onTrack.subscribe((track) => {
        const transceiver = t.pc.getTransceivers().find((x) => x.receiver.tracks.includes(track));
        const producer = [...(this.producers.get(participantId)?.values() ?? [])].find(
          (p) => p.transport === t && p.transceiver === transceiver,
        );
        producer?.attach(track);
      });
      transport = t;
    }
    await transport.whenConnected();
    await transport.pc.setRemoteDescription({ type: 'offer', sdp: req.sdp });
    transport.preferDtlsServer();
    const listed = new Map(req.tracks.map((t) => [t.mid, t.source]));
    const mine = this.producers.get(participantId) ?? new Map<MediaSource, Producer>();
    this.producers.set(participantId, mine);
    const keep = new Set<Producer>();
    for (const transceiver of transport.pc.getTransceivers()) {
      const mid = transceiver.mid;
      const source = mid ? listed.get(mid) : undefined;
      if (!source || SOURCE_KIND[source] !== transceiver.kind) {
        // Unlisted or mislabelled: refuse it in the answer; its packets would reach no one.
        transceiver.setDirection('inactive');
        continue;
      }
      transceiver.setDirection('recvonly');
      let p = mine.get(source);
      if (!p || p.closed || p.transceiver !== transceiver) {
        p?.close();
        p = new Producer(transport, transceiver, source);
        const created = p;
        p.on('close', () => {
          if (mine.get(source) === created) mine.delete(source);
          this.changed();
        });
        mine.set(source, p);
        for (const known of transceiver.receiver.tracks) p.attach(known);
      }
      keep.add(p);
    }
    for (const p of [...mine.values()]) if (!keep.has(p)) p.close();
    await transport.pc.setLocalDescription(await transport.pc.createAnswer());
    transport.pinTransceivers();
    const answer = await transport.localSdp();
    this.changed();
    return answer;
  }

  /** Starts (or keeps) sending the others' media to this participant. */
  subscribe(participantId: string): void {
    if (this._closed || this.subscribers.has(participantId)) return;
    const s = new Subscriber(
      participantId,
      this.config,
      (offer) => this.signals.subscribeOffer(participantId, offer),
      () => this.preferences.get(participantId) ?? [],
      this.observer,
    );
    this.subscribers.set(participantId, s);
    s.sync(this.producersFor(participantId));
  }

  subscribeAnswer(participantId: string, sdp: string): boolean {
    return this.subscribers.get(participantId)?.answer(sdp) ?? false;
  }

  resubscribe(participantId: string): void {
    const s = this.subscribers.get(participantId);
    if (s) s.restart();
    else this.subscribe(participantId);
  }

  /** Tile sizes a subscriber shows; the simulcast layer choice uses them. */
  setVideoPreferences(participantId: string, tiles: { participantId: string; source: MediaSource; maxHeight: number }[]): void {
    this.preferences.set(participantId, tiles);
  }

  /**
   * Opens a private pair (B7): from now on `isolated`'s media goes to `partner` only, `partner`'s
   * to `isolated` only, and `isolated` receives nothing but `partner`'s. Nobody else, not even the
   * recorder or the active-speaker highlight, sees either side's media while the pair is open.
   */
  pair(isolated: string, partner: string): void {
    if (this._closed) return;
    this.unpair(isolated, false);
    this.unpair(partner, false);
    this.pairs.set(isolated, partner);
    this.pairs.set(partner, isolated);
    this.isolated.add(isolated);
    this.changed();
  }

  /** Closes the pair this participant is in, if any; media flows by the ordinary rules again. */
  unpair(participantId: string, sync = true): void {
    const partner = this.pairs.get(participantId);
    if (partner === undefined) return;
    this.pairs.delete(participantId);
    this.pairs.delete(partner);
    this.isolated.delete(participantId);
    this.isolated.delete(partner);
    if (sync) this.changed();
  }

  /** The participant's pair partner, if it is in a private pair. */
  partnerOf(participantId: string): string | undefined {
    return this.pairs.get(participantId);
  }

  /** Stops one source at once (permission withdrawn, the host stopped it). */
  closeProducer(participantId: string, source: MediaSource): boolean {
    const p = this.producers.get(participantId)?.get(source);
    p?.close();
    return p !== undefined;
  }

  /** Removed, sent back, gone: everything of this participant stops, in both directions. */
  closeParticipant(participantId: string): void {
    this.unpair(participantId, false);
    this.senders.get(participantId)?.close();
    for (const p of this.producers.get(participantId)?.values() ?? []) p.close();
    this.producers.delete(participantId);
    this.subscribers.get(participantId)?.close();
    this.subscribers.delete(participantId);
    this.preferences.delete(participantId);
    this.changed();
  }

  /** Sources each participant publishes right now (not those in a private pair: nobody else sees them). */
  publishing(): Map<string, MediaSource[]> {
    const out = this.liveSources();
    for (const pid of this.pairs.keys()) out.delete(pid);
    return out;
  }

  /** Every participant's live sources, paired or not (what a RouterProxy mirrors, sfu/worker/). */
  liveSources(): Map<string, MediaSource[]> {
    const out = new Map<string, MediaSource[]>();
    for (const [pid, m] of this.producers) {
      const live = [...m.values()].filter((p) => !p.closed).map((p) => p.source);
      if (live.length) out.set(pid, live);
    }
    return out;
  }

  /** Every live producer, for observers that only read media (the server recorder). */
  *allProducers(): IterableIterator<Producer> {
    for (const [pid, m] of this.producers) {
      if (this.pairs.has(pid)) continue;
      for (const p of m.values()) if (!p.closed) yield p;
    }
  }

  /**
   * What to tell each receiving participant about its own connection now (A6): the changes since
   * the last call, from what the SFU measures of its downlink (loss, jitter and RTT in its receiver
   * reports, the simulcast layer it can carry). null: no verdict any more. Call it on a steady tick;
   * the links are looked at once every QUALITY_EVERY_MS (reports come about once a second).
   */
  connectionQuality(now: number = Date.now()): Map<string, ConnectionQuality | null> {
    if (now - this.qualityAt < QUALITY_EVERY_MS) return new Map();
    this.qualityAt = now;
    const verdicts = new Map<string, ConnectionQuality | null>();
    for (const [pid, s] of this.subscribers) verdicts.set(pid, evaluateDownlink(s.downlink(now)));
    return this.quality.update(verdicts, now);
  }

  /** The loudest microphone above a floor, for the active-speaker highlight. */
  loudest(): string | null {
    let best: Producer | null = null;
    for (const [pid, m] of this.producers) {
      if (this.pairs.has(pid)) continue;
      const mic = m.get('microphone');
      if (mic && !mic.closed && mic.level > 20 && (!best || mic.level > best.level)) best = mic;
    }
    return best?.participantId ?? null;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const pid of [...new Set([...this.senders.keys(), ...this.subscribers.keys(), ...this.producers.keys()])]) {
      this.closeParticipant(pid);
    }
  }

  private producersFor(participantId: string): Producer[] {
    const out: Producer[] = [];
    const only = this.isolated.has(participantId) ? this.pairs.get(participantId) : undefined;
    for (const [pid, m] of this.producers) {
      if (pid === participantId) continue;
      // An isolated participant receives its partner only; a paired one's media reaches its partner only.
      if (this.isolated.has(participantId) && pid !== only) continue;
      const partner = this.pairs.get(pid);
      if (partner !== undefined && partner !== participantId) continue;
      for (const p of m.values()) if (!p.closed) out.push(p);
    }
    return out;
  }

  private changed(): void {
    if (this._closed) return;
    for (const [pid, s] of this.subscribers) s.sync(this.producersFor(pid));
    this.signals.producersChanged();
  }
}
