import { SOURCE_KIND, type RemoteTrack } from '@kaigi/protocol';
import { MediaStreamTrack } from 'werift';
import { Consumer } from './Consumer.js';
import { DownlinkSlot, type ProtectorFactory } from './forward/Downlink.js';
import { defaultProtectorFactory } from './forward/protector.js';
import { gatherDownlink, type DownlinkFacts } from './connectionQuality.js';
import { LayerSelector, MAX_LAYER, type TilePreference } from './LayerSelector.js';
import type { MediaConfig } from './MediaConfig.js';
import type { Producer } from './Producer.js';
import type { RouterObserver } from './RouterObserver.js';
import { Transport } from './Transport.js';

/** A browser that does not answer an offer in this time gets a new transport and offer. */
const ANSWER_TIMEOUT_MS = 15_000;
/** How often simulcast layers are reconsidered. */
const ADAPT_INTERVAL_MS = 500;

export interface OfferSink {
  (offer: { sdp: string; tracks: RemoteTrack[] }): void;
}

/**
 * A participant's receive side: one recv Transport and a Consumer per Producer of the others.
 * Changes are negotiated one offer at a time (the SFU offers, the browser answers); changes made
 * while an offer is out are folded into the next one.
 */
export class Subscriber {
  private transport: Transport;
  /** The current transport's forwarding path (fast path once DTLS is up with AES-GCM). */
  private slot: DownlinkSlot;
  private readonly consumers = new Map<string, Consumer>();
  private negotiating = false;
  private dirty = false;
  private awaitingAnswer: ((sdp: string) => void) | null = null;
  private _closed = false;
  /** Producers this participant should receive while its receive transport is gone (until restart). */
  private lost: Producer[] = [];
  readonly layers = new LayerSelector();
  private readonly adapter: NodeJS.Timeout;

  constructor(
    readonly participantId: string,
    private readonly config: MediaConfig,
    private readonly sendOffer: OfferSink,
    private readonly preferences: () => readonly TilePreference[],
    /** The Router's observer, handed to each Consumer. */
    private readonly observer: RouterObserver | null = null,
    /** The SRTP sending context of the fast path (forward/protector.ts). */
    private readonly protectorFactory: ProtectorFactory = defaultProtectorFactory,
  ) {
    this.transport = this.newTransport();
    this.slot = new DownlinkSlot(this.transport, this.protectorFactory);
    this.adapter = setInterval(() => this.layers.update(this.consumers.values(), this.preferences()), ADAPT_INTERVAL_MS).unref();
  }

  /** Makes the set of consumed producers equal to `producers`. */
  sync(producers: Iterable<Producer>): void {
    if (this._closed) return;
    // No transport to send on until the browser asks to start over: remember what it should get.
    if (this.transport.closed) {
      this.lost = [...producers].filter((p) => !p.closed);
      return;
    }
    const wanted = new Map([...producers].map((p) => [p.id, p]));
    let changed = false;
    for (const [id, c] of this.consumers) {
      if (!wanted.has(id) || c.closed) {
        this.dropConsumer(id, c);
        changed = true;
      }
    }
    for (const [id, p] of wanted) {
      if (this.consumers.has(id) || p.closed) continue;
      const track = new MediaStreamTrack({ kind: SOURCE_KIND[p.source] });
      const transceiver = this.transport.pc.addTransceiver(track, { direction: 'sendonly' });
      const c = new Consumer(p, transceiver, this.participantId, this.config.backOffKeyframeRequests === true, this.observer, this.slot);
      c.on('close', () => {
        if (this.consumers.get(id) === c) this.sync([...this.consumers.values()].filter((x) => !x.closed).map((x) => x.producer));
      });
      this.consumers.set(id, c);
      changed = true;
    }
    if (changed) this.negotiate();
  }

  /** The browser's answer to the last offer. */
  answer(sdp: string): boolean {
    const resolve = this.awaitingAnswer;
    if (!resolve) return false;
    this.awaitingAnswer = null;
    resolve(sdp);
    return true;
  }

  /** The browser lost its receive transport: start over on a new one with the same producers. */
  restart(): void {
    if (this._closed) return;
    const producers = [...[...this.consumers.values()].map((c) => c.producer), ...this.lost];
    this.lost = [];
    for (const [id, c] of this.consumers) this.dropConsumer(id, c);
    this.transport.close();
    this.transport = this.newTransport();
    this.slot = new DownlinkSlot(this.transport, this.protectorFactory);
    this.awaitingAnswer = null;
    this.negotiating = false;
    this.sync(producers);
  }

  tracks(): RemoteTrack[] {
    const out: RemoteTrack[] = [];
    for (const c of this.consumers.values()) {
      const mid = c.mid;
      if (!mid || c.closed) continue;
      out.push({ mid, participantId: c.producer.participantId, source: c.producer.source, kind: c.producer.kind });
    }
    return out;
  }

  /** Packets the forwarding fast path sent on the current transport (media, retransmissions); null while it is not in use. */
  fastPath(): { sent: number; retransmitted: number; dropped: number } | null {
    const link = this.slot.downlink();
    return link ? { sent: link.sent, retransmitted: link.retransmitted, dropped: link.dropped } : null;
  }

  /** What the SFU measured of this participant's downlink (A6): the facts connectionQuality evaluates. */
  downlink(now: number): DownlinkFacts {
    const streams = [...this.consumers.values()].filter((c) => !c.closed).map((c) => ({ kind: c.producer.kind, ...c.receiverReport() }));
    return gatherDownlink(streams, { cap: this.layers.bandwidthCap, max: MAX_LAYER }, now);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this.adapter);
    for (const c of this.consumers.values()) c.close();
    this.consumers.clear();
    this.transport.close();
  }

  private newTransport(): Transport {
    const t = new Transport(this.participantId, 'recv', this.config);
    // mediasoup's transportclose: a receive transport that failed (or was closed under us) takes
    // its Consumers with it, so nothing is sent into a dead connection. Its producers are kept
    // for the browser's resubscribe, which starts over on a new transport (design review §1.1).
    t.on('close', () => {
      if (t === this.transport && !this._closed) this.transportLost();
    });
    return t;
  }

  private transportLost(): void {
    this.lost = [...this.consumers.values()].map((c) => c.producer);
    for (const [id, c] of this.consumers) {
      this.consumers.delete(id);
      c.close();
    }
  }

  private dropConsumer(id: string, c: Consumer): void {
    this.consumers.delete(id);
    c.close();
    // The m-line stays (m-lines are never removed) but carries nothing from now on.
    c.transceiver.setDirection('inactive');
  }

  private negotiate(): void {
    if (this.negotiating) {
      this.dirty = true;
      return;
    }
    this.negotiating = true;
    void this.runNegotiation().finally(() => {
      this.negotiating = false;
      if (this.dirty && !this._closed) {
        this.dirty = false;
        this.negotiate();
      }
    });
  }

  private async runNegotiation(): Promise<void> {
    const transport = this.transport;
    try {
      await transport.whenConnected();
      if (transport !== this.transport || this._closed) return;
      await transport.pc.setLocalDescription(await transport.pc.createOffer());
      if (transport !== this.transport || this._closed) return;
      const answer = new Promise<string>((resolve, reject) => {
        this.awaitingAnswer = resolve;
        setTimeout(() => reject(new Error('no answer')), ANSWER_TIMEOUT_MS).unref();
      });
      this.sendOffer({ sdp: await transport.localSdp(), tracks: this.tracks() });
      const sdp = await answer;
      if (transport !== this.transport || this._closed) return;
      await transport.pc.setRemoteDescription({ type: 'answer', sdp });
      for (const c of this.consumers.values()) c.producer.requestKeyframe();
    } catch {
      // A broken negotiation leaves the transport useless: start again on a new one.
      if (!this._closed && transport === this.transport) queueMicrotask(() => this.restart());
    }
  }
}
