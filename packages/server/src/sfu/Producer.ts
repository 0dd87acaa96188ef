import { randomUUID } from 'node:crypto';
import { SIMULCAST_RIDS, type MediaSource } from '@kaigi/protocol';
import type { MediaStreamTrack, RTCRtpTransceiver, RtpPacket } from 'werift';
import { Emitter } from './Emitter.js';
import { historyPackets, PacketHistory } from './forward/PacketHistory.js';
import { AUDIO_LEVEL_URI } from './MediaConfig.js';
import type { Transport } from './Transport.js';
import { vp8KeyframeSize } from './vp8.js';

/** Keyframe requests reach a publisher layer at most this often, however many subscribers ask. */
const KEYFRAME_INTERVAL_MS = 500;
/** A layer that sent nothing for this long is treated as paused by the publisher's encoder. */
const LAYER_IDLE_MS = 1500;

export interface RtpSink {
  /** `layer` is the simulcast layer index (0 = lowest); single-layer tracks use 0. */
  send(rtp: RtpPacket, layer: number): void;
}

interface Layer {
  track: MediaStreamTrack;
  /** From the packets themselves: werift leaves a simulcast track's ssrc unset. */
  ssrc: number | undefined;
  lastPacketAt: number;
  lastKeyframeRequest: number;
  height: number;
  /** Recent packets for subscribers' NACKs (video only: audio negotiates no NACK, MediaConfig). */
  history: PacketHistory | null;
  unsubscribe: () => void;
}

/**
 * One published track (microphone, camera or screen) arriving on a send Transport, with up to
 * three simulcast layers. Fans each RTP packet out to its sinks (Consumers). close() is
 * idempotent and stops all forwarding.
 */
export class Producer extends Emitter<{ close: [] }> {
  readonly id: string = randomUUID();
  readonly kind: 'audio' | 'video';
  private readonly sinks = new Set<RtpSink>();
  private readonly layers = new Map<number, Layer>();
  private _closed = false;
  /** Smoothed audio level, 0 (silence) … 127 (loud); from RFC 6464 header extensions. */
  level = 0;
  packets = 0;

  constructor(
    readonly transport: Transport,
    readonly transceiver: RTCRtpTransceiver,
    readonly source: MediaSource,
  ) {
    super();
    this.kind = source === 'microphone' ? 'audio' : 'video';
    transport.on('close', () => this.close());
  }

  get participantId(): string {
    return this.transport.participantId;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** Called for each incoming track of this transceiver (one per simulcast layer). */
  attach(track: MediaStreamTrack): void {
    if (this._closed) return;
    const index = track.rid ? SIMULCAST_RIDS.indexOf(track.rid as (typeof SIMULCAST_RIDS)[number]) : 0;
    if (index < 0) return; // a layer name we do not know carries nothing
    this.layers.get(index)?.unsubscribe();
    const history = this.kind === 'video' ? new PacketHistory(historyPackets(index)) : null;
    const layer: Layer = { track, ssrc: track.ssrc, lastPacketAt: 0, lastKeyframeRequest: 0, height: 0, history, unsubscribe: () => undefined };
    const sub = track.onReceiveRtp.subscribe((rtp, ext) => {
      this.packets++;
      // Padding-only packets (bandwidth probes) keep no layer alive: a paused layer may send them.
      if (rtp.payload.length > 0) layer.lastPacketAt = Date.now();
      if (layer.ssrc !== rtp.header.ssrc) {
        const first = layer.ssrc === undefined;
        layer.ssrc = rtp.header.ssrc;
        // Another source's sequence numbers: the old packets answer no NACK any more.
        history?.clear();
        if (first) this.requestKeyframe(index);
      }
      if (this.kind === 'audio') {
        const al = ext?.[AUDIO_LEVEL_URI] as { level?: number } | undefined;
        // RFC 6464 carries -dBov (0 loud … 127 silent); keep loudness, smoothed.
        if (al?.level !== undefined) this.level = this.level * 0.8 + (127 - al.level) * 0.2;
      } else {
        const size = vp8KeyframeSize(rtp.payload);
        if (size) layer.height = size.height;
      }
      // Kept before the fan-out: one history per layer serves every subscriber (issue 15).
      history?.put(rtp);
      for (const s of this.sinks) s.send(rtp, index);
    });
    layer.unsubscribe = () => sub.unSubscribe();
    this.layers.set(index, layer);
    this.requestKeyframe(index);
  }

  /** Layers that carried packets recently, lowest first, with the height they last announced. */
  activeLayers(): { index: number; height: number }[] {
    const now = Date.now();
    return [...this.layers.entries()]
      .filter(([, l]) => now - l.lastPacketAt < LAYER_IDLE_MS)
      .map(([index, l]) => ({ index, height: l.height }))
      .sort((a, b) => a.index - b.index);
  }

  /** The retransmission history of one layer; null for audio or an unknown layer. */
  history(index: number): PacketHistory | null {
    return this.layers.get(index)?.history ?? null;
  }

  addSink(sink: RtpSink): void {
    this.sinks.add(sink);
  }

  removeSink(sink: RtpSink): void {
    this.sinks.delete(sink);
  }

  /** Asks the publisher for a keyframe on one layer (default: all), rate limited per layer. */
  requestKeyframe(index?: number): void {
    if (this.kind !== 'video' || this._closed) return;
    const now = Date.now();
    for (const [i, l] of this.layers) {
      if (index !== undefined && i !== index) continue;
      const ssrc = l.ssrc;
      if (ssrc === undefined || now - l.lastKeyframeRequest < KEYFRAME_INTERVAL_MS) continue;
      l.lastKeyframeRequest = now;
      void this.transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
    }
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const l of this.layers.values()) l.unsubscribe();
    this.layers.clear();
    this.sinks.clear();
    this.emit('close');
    this.removeAllListeners();
  }
}
