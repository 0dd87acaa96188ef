import { GenericNack, RtcpRrPacket, RtcpSrPacket, RtcpTransportLayerFeedback, type RTCRtpTransceiver, type RtcpPacket, type RtpPacket } from 'werift';
import { Emitter } from './Emitter.js';
import type { Producer, RtpSink } from './Producer.js';
import { isVp8KeyframeStart } from './vp8.js';
import { KeyframeRequestGate } from './KeyframeRequestGate.js';
import type { RouterObserver } from './RouterObserver.js';
import { boundSentHistory } from './senderHistory.js';
import type { Downlink, DownlinkSlot, ReportedStream } from './forward/Downlink.js';
import { OutboundStream } from './forward/OutboundStream.js';
import { RetransmitBudget } from './forward/RetransmitBudget.js';
import { RttEstimator } from './forward/senderReport.js';

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
  /** Round-trip time, in seconds, once measured (from our sender reports on the fast path, else werift's). */
  rttSeconds: number | null;
}

/** A gap this long between packets sent ends a run of sending (for how long a stream went unanswered). */
const SENDING_PAUSE_MS = 2_000;

/** RTP clock rates of what the SFU forwards: Opus and VP8 (MediaConfig). */
const CLOCK_RATE = { audio: 48_000, video: 90_000 } as const;

const SDES_MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
/** While waiting for the first keyframe, ask the publisher again at most this often. */
const FIRST_KEYFRAME_ASK_MS = 250;
/** Sequence numbers looked at per NACK packet: a NACK listing thousands costs no more than this. */
const MAX_NACK_ENTRIES = 256;

/**
 * One Producer forwarded to one subscriber, on a transceiver of the subscriber's recv
 * Transport. Forwards one simulcast layer at a time and switches only at a keyframe of the new
 * layer, rewriting sequence numbers and timestamps so the subscriber sees one continuous stream
 * (OutboundStream). Once the transport's DTLS is up with AEAD_AES_128_GCM, packets go out on the
 * forwarding fast path (forward/Downlink.ts); before that, or with another profile, through
 * werift's sender as before.
 */
export class Consumer extends Emitter<{ close: [] }> implements RtpSink {
  private _closed = false;
  private readonly unsubscribers: (() => void)[] = [];
  /** The layer forwarded now (-1: none yet) and the one wanted. */
  current = -1;
  target = 0;
  private readonly out = new OutboundStream();
  private readonly rtt = new RttEstimator();
  private readonly budget = new RetransmitBudget();
  /** The fast path this Consumer is registered with, and what its stream was configured from. */
  private link: Downlink | null = null;
  private configuredFrom: { codec: unknown; extensions: unknown } = { codec: null, extensions: null };
  private reported: ReportedStream | null = null;
  private firstKeyframeAskedAt = -Infinity;
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
    /** The recv Transport's choice of path; null: always werift's sender. */
    private readonly slot: DownlinkSlot | null = null,
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
    const rtcp = sender.onRtcp.subscribe((packet) => this.onRtcp(packet));
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

  /** Hot path, per packet per subscriber: no Promise, closure or object on the fast path. */
  send(rtp: RtpPacket, layer: number): void {
    if (this._closed) return;
    const link = this.slot ? this.slot.downlink() : null;
    if (link) {
      if (!this.ready(link)) return;
    } else if (this.slot && !this.slot.weriftPath) {
      return; // ICE/DTLS not up yet: nothing could be sent anyway
    }
    const now = Date.now();
    if (layer !== this.current) {
      const canSwitch = layer === this.target && (this.producer.kind === 'audio' || isVp8KeyframeStart(rtp.payload));
      if (!canSwitch) {
        this.awaitFirstKeyframe(layer, now);
        return;
      }
      this.switchTo(layer, rtp, now);
    }
    const before = this.out.lastSentAt;
    if (!this.out.accept(rtp, now)) return;
    // A pause (a muted or paused source) ends a run of packets; the next packet starts a new one.
    if (now - before > SENDING_PAUSE_MS) this.sendingSince = now;
    // An observer nobody watches costs this one check per packet: no event is built.
    if (this.observer && this.observer.listenerCount('forwarded') > 0) {
      const p = this.producer;
      this.observer.notify('forwarded', { from: p.participantId, to: this.subscriberId, source: p.source, kind: p.kind, seq: this.out.seq, payload: rtp.payload });
    }
    if (link) link.forward(this.out, rtp);
    else this.sendWithWerift(rtp);
  }

  /** Backlog and loss from the subscriber's receiver reports since the last call. */
  delivery(): DeliveryReport {
    const fresh = this.fresh;
    this.fresh = false;
    // Reports carry the extended highest sequence; compare within 16 bits to stay simple.
    const backlog = this.reportedExtSeq < 0 ? 0 : (this.out.lastSeq - (this.reportedExtSeq & 0xffff) + 0x10000) & 0xffff;
    return { backlog: backlog > 0x8000 ? 0 : backlog, fractionLost: this.fractionLost, fresh };
  }

  /**
   * What the subscriber last reported about this stream, and when the SFU sent on it: since when
   * without a pause, and last (Date.now() times; 0: never). Unlike delivery(), reading it takes nothing away from the layer selection.
   */
  receiverReport(): { report: ReceiverReport | null; sendingSince: number; lastSentAt: number } {
    return { report: this.report, sendingSince: this.sendingSince, lastSentAt: this.out.lastSentAt };
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.producer.removeSink(this);
    for (const u of this.unsubscribers) u();
    if (this.link && this.reported) this.link.removeReported(this.reported);
    this.link = null;
    this.emit('close');
    this.removeAllListeners();
  }

  /**
   * Takes what werift's sender negotiated (SSRC, payload types, mid and its extension id) into the
   * stream: once on the first packet of the fast path, again only when a renegotiation replaced
   * the codec or the extension list (two identity checks per packet). False before the answer.
   */
  private ready(link: Downlink): boolean {
    const s = this.transceiver.sender as unknown as NegotiatedSender;
    const codec = s.codec;
    if (!codec) return false;
    if (codec !== this.configuredFrom.codec || s.headerExtensions !== this.configuredFrom.extensions) {
      this.configuredFrom = { codec, extensions: s.headerExtensions };
      this.out.configure({
        ssrc: s.ssrc,
        payloadType: codec.payloadType,
        rtxSsrc: s.rtxSsrc,
        rtxPayloadType: s.rtxPayloadType ?? -1,
        midExtensionId: s.headerExtensions.find((e) => e.uri === SDES_MID_URI)?.id ?? 0,
        mid: s.mid ?? this.transceiver.mid ?? null,
        clockRate: codec.clockRate || CLOCK_RATE[this.producer.kind],
      });
      if (this.link && this.reported) this.link.removeReported(this.reported);
      this.reported = { stream: this.out, cname: Buffer.from(s.cname || this.subscriberId || 'kaigi', 'utf8'), rtt: this.rtt };
      this.link = null;
    }
    if (this.link !== link && this.reported) {
      link.addReported(this.reported);
      this.link = link;
    }
    return true;
  }

  /** Today's path: werift's sender, with a copy (it changes the packet it sends). */
  private sendWithWerift(rtp: RtpPacket): void {
    const copy = rtp.clone();
    const h = copy.header;
    h.sequenceNumber = this.out.seq;
    h.timestamp = this.out.ts;
    // The publisher's extension IDs mean nothing on this transport; the sender adds its own.
    h.extensions = [];
    void this.transceiver.sender.sendRtp(copy).catch(() => undefined);
  }

  private onRtcp(packet: RtcpPacket): void {
    if (packet.type === RtcpTransportLayerFeedback.type) {
      const fb = (packet as RtcpTransportLayerFeedback).feedback;
      if (fb instanceof GenericNack && fb.mediaSourceSsrc === this.transceiver.sender.ssrc) this.answerNack(fb.lost);
      return;
    }
    if (packet.type !== RtcpRrPacket.type && packet.type !== RtcpSrPacket.type) return;
    const sender = this.transceiver.sender;
    for (const r of (packet as RtcpRrPacket).reports) {
      if (r.ssrc !== sender.ssrc) continue;
      this.reportedExtSeq = r.highestSequence;
      this.fractionLost = r.fractionLost / 256;
      this.fresh = true;
      this.report = {
        at: Date.now(),
        fractionLost: this.fractionLost,
        jitterSeconds: r.jitter / CLOCK_RATE[this.producer.kind],
        rttSeconds: this.link ? this.fastPathRtt(r.lsr, r.dlsr) : weriftRtt(sender),
      };
    }
  }

  /** RTT from our own SRs (RFC 3550 §6.4.1): the report's LSR/DLSR against when we sent that SR. */
  private fastPathRtt(lsr: number, dlsr: number): number | null {
    return this.rtt.received(lsr, dlsr, performance.timeOrigin + performance.now()) ?? this.rtt.rttSeconds;
  }

  /**
   * The subscriber lost packets: resend those of the current layer run the layer's history still
   * holds (RTX when negotiated), within the retransmission budget. Unknown, too old or other
   * layers' sequence numbers are ignored. werift's sender answers nothing here: it sent nothing.
   */
  private answerNack(lost: readonly number[]): void {
    const link = this.link;
    if (!link || link.closed || this.current < 0) return;
    const history = this.producer.history(this.current);
    const n = Math.min(lost.length, MAX_NACK_ENTRIES);
    for (let i = 0; i < n; i++) {
      const seq = lost[i]!;
      const original = this.out.lookup(seq, history);
      if (!original) continue;
      if (!this.budget.take()) return;
      link.retransmit(this.out, original, seq);
    }
  }

  /**
   * Nothing forwarded yet and the transport just came up: the keyframe asked for when the answer
   * arrived was most likely sent before DTLS was up, so ask again now rather than wait for the
   * next layer-selection tick (join to first picture; the producer still rate-limits per layer).
   */
  private awaitFirstKeyframe(layer: number, now: number): void {
    if (this.current >= 0 || layer !== this.target || now - this.firstKeyframeAskedAt < FIRST_KEYFRAME_ASK_MS) return;
    this.firstKeyframeAskedAt = now;
    this.producer.requestKeyframe(layer);
  }

  private switchTo(layer: number, rtp: RtpPacket, now: number): void {
    // Retransmitting the old layer's packets to a subscriber that left it (often because its
    // link is congested) only delays the new layer: werift's retransmission history is dropped
    // (the fast path's NACK answers stay within the current run, OutboundStream.lookup).
    if (this.current >= 0) (this.transceiver.sender as unknown as { rtpCache: unknown[] }).rtpCache = [];
    this.out.switchLayer(rtp, now);
    this.current = layer;
  }
}

/**
 * What werift's sender learnt from the negotiation (RTCRtpSender.prepareSend); its typings call
 * these fields private, they are plain properties.
 */
interface NegotiatedSender {
  ssrc: number;
  rtxSsrc: number;
  rtxPayloadType?: number;
  codec?: { payloadType: number; clockRate: number };
  headerExtensions: readonly { id: number; uri: string }[];
  mid?: string;
  cname?: string;
}

/** werift's sender works the RTT out of the same report; its typings call the field private, it is a plain property. */
function weriftRtt(sender: RTCRtpTransceiver['sender']): number | null {
  const rtt = (sender as unknown as { rtt?: number }).rtt;
  return typeof rtt === 'number' && Number.isFinite(rtt) && rtt >= 0 ? rtt : null;
}
