import { randomUUID } from 'node:crypto';
import type { MediaSource } from '@kaigi/protocol';
import type { MediaStreamTrack, RTCRtpTransceiver, RtpPacket } from 'werift';
import { Emitter } from './Emitter.js';
import { AUDIO_LEVEL_URI } from './MediaConfig.js';
import type { Transport } from './Transport.js';

/** Keyframe requests reach a publisher at most this often, however many subscribers ask. */
const KEYFRAME_INTERVAL_MS = 500;

export interface RtpSink {
  send(rtp: RtpPacket): void;
}

/**
 * One published track (microphone, camera or screen) arriving on a send Transport. Fans each
 * RTP packet out to its sinks (Consumers). close() is idempotent and stops all forwarding.
 */
export class Producer extends Emitter<{ close: [] }> {
  readonly id: string = randomUUID();
  readonly kind: 'audio' | 'video';
  private readonly sinks = new Set<RtpSink>();
  private track: MediaStreamTrack | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastKeyframeRequest = 0;
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

  /** Called when werift reports the incoming track for this transceiver. */
  attach(track: MediaStreamTrack): void {
    if (this._closed) return;
    this.unsubscribe?.();
    this.track = track;
    const sub = track.onReceiveRtp.subscribe((rtp, ext) => {
      this.packets++;
      if (this.kind === 'audio') {
        const al = ext?.[AUDIO_LEVEL_URI] as { level?: number } | undefined;
        // RFC 6464 carries -dBov (0 loud … 127 silent); keep loudness, smoothed.
        if (al?.level !== undefined) this.level = this.level * 0.8 + (127 - al.level) * 0.2;
      }
      for (const s of this.sinks) s.send(rtp);
    });
    this.unsubscribe = () => sub.unSubscribe();
    this.requestKeyframe();
  }

  addSink(sink: RtpSink): void {
    this.sinks.add(sink);
  }

  removeSink(sink: RtpSink): void {
    this.sinks.delete(sink);
  }

  /** Asks the publisher for a keyframe (a new subscriber, a lost picture), rate limited. */
  requestKeyframe(): void {
    if (this.kind !== 'video' || this._closed) return;
    const now = Date.now();
    const ssrc = this.track?.ssrc;
    if (ssrc === undefined || now - this.lastKeyframeRequest < KEYFRAME_INTERVAL_MS) return;
    this.lastKeyframeRequest = now;
    void this.transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.unsubscribe?.();
    this.sinks.clear();
    this.emit('close');
    this.removeAllListeners();
  }
}
