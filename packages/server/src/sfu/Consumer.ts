import { RtcpRrPacket, RtcpSrPacket, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import { Emitter } from './Emitter.js';
import type { Producer, RtpSink } from './Producer.js';
import { isVp8KeyframeStart } from './vp8.js';
import { KeyframeRequestGate } from './KeyframeRequestGate.js';
import type { RouterObserver } from './RouterObserver.js';
import { boundSentHistory } from './senderHistory.js';

/** What the subscriber's receiver reports lately, for layer selection. */
export interface DeliveryReport {
  /** Packets sent to the subscriber and not yet acknowledged by its reports. */
  backlog: number;
  /** Fraction lost in the last report, 0 … 1. */
  fractionLost: number;
  /** Whether a report arrived since the last look. */
  fresh: boolean;
}

/** The subscriber's latest receiver report about this stream, for the connection quality (A6). */
export interface ReceiverReport {
  /** When it arrived (Date.now()). */
  at: number;
  /** Fraction lost, 0 … 1. */
  fractionLost: number;
  /** Interarrival jitter, in seconds. */
  jitterSeconds: number;
  /** Round-trip time, in seconds, once werift has measured one. */
  rttSeconds: number | null;
}

/** A gap this long between packets sent ends a run of sending (for how long a stream went unanswered). */
const SENDING_PAUSE_MS = 2_000;

/** RTP clock rates of what the SFU forwards: Opus and VP8 (MediaConfig). */
const CLOCK_RATE = { audio: 48_000, video: 90_000 } as const;

/**
 * One Producer forwarded to one subscriber, on a transceiver of the subscriber's recv
 * Transport. Forwards one simulcast layer at a time and switches only at a keyframe of the new
 * layer, rewriting sequence numbers and timestamps so the subscriber sees one continuous stream.
 */
export class Consumer extends Emitter<{ close: [] }> implements RtpSink {
  private _closed = false;
  private readonly unsubscribers: (() => void)[] = [];
  /** The layer forwarded now (-1: none yet) and the one wanted. */
  current = -1;
  target = 0;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq = -1;
  private lastTs = 0;
  private lastSentAt = 0;
  private reportedExtSeq = -1;
  private fractionLost = 0;
  private fresh = false;
  private sendingSince = 0;
  private report: ReceiverReport | null = null;

  constructor(
    readonly producer: Producer,
    readonly transceiver: RTCRtpTransceiver,
    readonly subscriberId = '',
    backOffKeyframeRequests = false,
    /** The Router's observer, told of each packet forwarded while anyone listens. */
    private readonly observer: RouterObserver | null = null,
  ) {
    super();
    producer.addSink(this);
    producer.on('close', () => this.close());
    const sender = transceiver.sender;
    boundSentHistory(sender);
    const gate = backOffKeyframeRequests ? new KeyframeRequestGate() : null;
    const pli = sender.onPictureLossIndication.subscribe(() => {
      if (!gate || gate.allow()) producer.requestKeyframe(this.current < 0 ? this.target : this.current);
    });
    const rtcp = sender.onRtcp.subscribe((packet) => {
      if (packet.type !== RtcpRrPacket.type && packet.type !== RtcpSrPacket.type) return;
      for (const r of (packet as RtcpRrPacket).reports) {
        if (r.ssrc !== sender.ssrc) continue;
        this.reportedExtSeq = r.highestSequence;
        this.fractionLost = r.fractionLost / 256;
        this.fresh = true;
        // werift's sender works the RTT out of the same report (RFC 3550 §6.4.1, LSR/DLSR against
        // the time it sent that SR); its typings call the field private, it is a plain property.
        const rtt = (sender as unknown as { rtt?: number }).rtt;
        this.report = {
          at: Date.now(),
          fractionLost: this.fractionLost,
          jitterSeconds: r.jitter / CLOCK_RATE[producer.kind],
          rttSeconds: typeof rtt === 'number' && Number.isFinite(rtt) && rtt >= 0 ? rtt : null,
        };
      }
    });
    this.unsubscribers.push(() => pli.unSubscribe(), () => rtcp.unSubscribe());
  }

  get closed(): boolean {
    return this._closed;
  }

  get mid(): string | null {
    return this.transceiver.mid;
  }

  /**
   * Chooses the layer to forward; the switch happens at the next keyframe of that layer, which
   * is asked for again on every call until it comes (the producer rate-limits the requests).
   */
  setTarget(layer: number): void {
    this.target = layer;
    if (layer !== this.current) this.producer.requestKeyframe(layer);
  }

  send(rtp: RtpPacket, layer: number): void {
    if (this._closed) return;
    if (layer !== this.current) {
      const canSwitch = layer === this.target && (this.producer.kind === 'audio' || isVp8KeyframeStart(rtp.payload));
      if (!canSwitch) return;
      this.switchTo(layer, rtp);
    }
    const copy = rtp.clone();
    const h = copy.header;
    h.sequenceNumber = (h.sequenceNumber + this.seqOffset) & 0xffff;
    h.timestamp = (h.timestamp + this.tsOffset) >>> 0;
    // The publisher's extension IDs mean nothing on this transport; the sender adds its own.
    h.extensions = [];
    this.lastSeq = h.sequenceNumber;
    this.lastTs = h.timestamp;
    const now = Date.now();
    // A pause (a muted or paused source) ends a run of packets; the next packet starts a new one.
    if (now - this.lastSentAt > SENDING_PAUSE_MS) this.sendingSince = now;
    this.lastSentAt = now;
    // An observer nobody watches costs this one check per packet: no event is built.
    if (this.observer && this.observer.listenerCount('forwarded') > 0) {
      const p = this.producer;
      this.observer.notify('forwarded', { from: p.participantId, to: this.subscriberId, source: p.source, kind: p.kind, seq: h.sequenceNumber, payload: copy.payload });
    }
    void this.transceiver.sender.sendRtp(copy).catch(() => undefined);
  }

  /** Backlog and loss from the subscriber's receiver reports since the last call. */
  delivery(): DeliveryReport {
    const fresh = this.fresh;
    this.fresh = false;
    // Reports carry the extended highest sequence; compare within 16 bits to stay simple.
    const backlog = this.reportedExtSeq < 0 ? 0 : (this.lastSeq - (this.reportedExtSeq & 0xffff) + 0x10000) & 0xffff;
    return { backlog: backlog > 0x8000 ? 0 : backlog, fractionLost: this.fractionLost, fresh };
  }

  /**
   * What the subscriber last reported about this stream, and when the SFU sent on it: since when
   * without a pause, and last (Date.now() times; 0: never). Unlike delivery(), reading it takes nothing away from the layer selection.
   */
  receiverReport(): { report: ReceiverReport | null; sendingSince: number; lastSentAt: number } {
    return { report: this.report, sendingSince: this.sendingSince, lastSentAt: this.lastSentAt };
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.producer.removeSink(this);
    for (const u of this.unsubscribers) u();
    this.emit('close');
    this.removeAllListeners();
  }

  private switchTo(layer: number, rtp: RtpPacket): void {
    // Retransmitting the old layer's packets to a subscriber that left it (often because its
    // link is congested) only delays the new layer: werift's retransmission history is dropped.
    if (this.current >= 0) (this.transceiver.sender as unknown as { rtpCache: unknown[] }).rtpCache = [];
    if (this.lastSeq >= 0) {
      // Continue right after the last packet sent, in sequence and (roughly) in time.
      this.seqOffset = (this.lastSeq + 1 - rtp.header.sequenceNumber) & 0xffff;
      const elapsed = Math.max(1, Math.round((Date.now() - this.lastSentAt) * 90));
      this.tsOffset = (this.lastTs + elapsed - rtp.header.timestamp) >>> 0;
    }
    this.current = layer;
  }
}
