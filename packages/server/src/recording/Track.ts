import type { MediaSource } from '@kaigi/protocol';
import type { RtpPacket } from 'werift';
import { JitterBufferBase } from 'werift/nonstandard';
import type { Producer } from '../sfu/Producer.js';
import { isVp8KeyframeStart, vp8DescriptorLength } from '../sfu/vp8.js';
import { now } from './clock.js';
import { ProducerTap } from './ProducerTap.js';

// The VP8 framing is done here, not by werift's depacketizer: that one breaks the frame after
// every padding-only packet (Chromium's bandwidth probes) and misreads descriptors with T set and
// L clear.

const VIDEO_JITTER_MS = 300;
const AUDIO_JITTER_MS = 150;
const KEYFRAME_RETRY_MS = 1000;

/** Whose media a track holds; stored parts list their tracks. */
export interface RecordedTrack {
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
}

/** One encoded frame of a track, ready to be muxed. */
export interface Frame {
  track: number;
  video: boolean;
  /** Whole milliseconds on the recorder's clock. */
  time: number;
  data: Buffer;
  key: boolean;
}

/** Width and height of a VP8 keyframe (RFC 6386 9.1), or null. */
function vp8FrameSize(frame: Buffer): { width: number; height: number } | null {
  if (frame.length < 10 || (frame[0]! & 0x01) !== 0) return null;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** One Matroska track of a part: its producer's packets, reordered, in frames, on one clock. */
export class Track {
  tap: ProducerTap | null = null;
  private jitter!: JitterBufferBase;
  /** VP8: the packets of the frame being assembled, in sequence order. */
  private pieces: RtpPacket[] = [];
  private broken = false;
  private lastSeq = -1;
  private needKeyframe = true;
  private lastKeyframeAsk = 0;
  /** When the first packet arrived: the track's place on the recorder's clock. */
  private anchorMs: number | null = null;
  private lastRtpTs = 0;
  private extTs = 0;
  private lastTime = -Infinity;
  size: { width: number; height: number } | null = null;

  constructor(
    readonly number: number,
    readonly info: RecordedTrack,
    private readonly out: (f: Frame) => void,
  ) {
    this.reset();
  }

  get key(): string {
    return `${this.info.participantId}/${this.info.source}`;
  }

  private get clockRate(): number {
    return this.info.kind === 'video' ? 90000 : 48000;
  }

  /** A (new) producer for this participant and source: a new RTP stream, anchored on arrival. */
  attach(producer: Producer): void {
    this.tap?.detach();
    this.reset();
    this.tap = new ProducerTap(producer, (rtp) => this.packet(rtp));
  }

  detach(): void {
    this.tap?.detach();
    this.tap = null;
  }

  private reset(): void {
    this.jitter = new JitterBufferBase(this.clockRate, { latency: this.info.kind === 'video' ? VIDEO_JITTER_MS : AUDIO_JITTER_MS });
    this.pieces = [];
    this.broken = false;
    this.lastSeq = -1;
    this.needKeyframe = true;
    this.anchorMs = null;
  }

  private packet(rtp: RtpPacket): void {
    if (this.anchorMs === null) {
      this.anchorMs = now();
      this.lastRtpTs = rtp.header.timestamp;
      this.extTs = 0;
    }
    this.process(this.jitter.processInput({ rtp }));
  }

  /** Drains what the jitter buffer still holds (the part ends). */
  drain(): void {
    this.process(this.jitter.processInput({ eol: true }));
  }

  private process(outputs: { rtp?: RtpPacket; isPacketLost?: unknown }[]): void {
    for (const o of outputs) {
      const rtp = o.rtp;
      if (!rtp) continue;
      if (this.info.kind === 'audio') {
        if (rtp.payload.length > 0) this.emit(Buffer.from(rtp.payload), true, rtp.header.timestamp);
      } else {
        this.videoPacket(rtp);
      }
    }
  }

  /**
   * Packets arrive in sequence order, losses leaving gaps. A frame is the packets of one RTP
   * timestamp from a partition start to the marker, with no gap; padding-only packets (bandwidth
   * probes) take sequence numbers but belong to no frame.
   */
  private videoPacket(rtp: RtpPacket): void {
    const seq = rtp.header.sequenceNumber;
    const gap = this.lastSeq >= 0 && seq !== ((this.lastSeq + 1) & 0xffff);
    this.lastSeq = seq;
    if (gap) {
      this.broken = true;
      // What follows refers to what was lost: wait for a keyframe.
      this.needKeyframe = true;
      this.askKeyframe();
    }
    if (rtp.payload.length === 0) return;
    const first = this.pieces[0];
    if (!first || first.header.timestamp !== rtp.header.timestamp) {
      // A new frame; one left without its marker is incomplete.
      this.pieces = [rtp];
      this.broken = (rtp.payload[0]! & 0x17) !== 0x10; // S set and partition index 0
    } else {
      this.pieces.push(rtp);
    }
    if (!rtp.header.marker) return;
    const pieces = this.pieces;
    this.pieces = [];
    if (this.broken) return;
    const parts: Buffer[] = [];
    for (const p of pieces) {
      const d = vp8DescriptorLength(p.payload);
      if (d < 0) return;
      parts.push(p.payload.subarray(d));
    }
    const data = Buffer.concat(parts);
    const key = isVp8KeyframeStart(pieces[0]!.payload);
    if (key) {
      this.needKeyframe = false;
      this.size ??= vp8FrameSize(data);
    } else if (this.needKeyframe) {
      this.askKeyframe();
      return;
    }
    this.emit(data, key, rtp.header.timestamp);
  }

  private askKeyframe(): void {
    const t = now();
    if (t - this.lastKeyframeAsk < KEYFRAME_RETRY_MS) return;
    this.lastKeyframeAsk = t;
    this.tap?.requestKeyframe();
  }

  private emit(data: Buffer, key: boolean, rtpTs: number): void {
    if (this.anchorMs === null) return;
    // Signed 32-bit difference: unwraps the timestamp and tolerates slight reordering.
    this.extTs += (rtpTs - this.lastRtpTs) | 0;
    this.lastRtpTs = rtpTs;
    let time = Math.round(this.anchorMs + (this.extTs / this.clockRate) * 1000);
    // After a new producer is anchored, never step back behind what this track already wrote.
    if (time <= this.lastTime) time = this.lastTime + 1;
    this.lastTime = time;
    this.out({ track: this.number, video: this.info.kind === 'video', time, data, key });
  }
}
