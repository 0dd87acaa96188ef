import type { RtpPacket } from 'werift';
import type { Producer, RtpSink } from '../sfu/Producer.js';
import { isVp8KeyframeStart } from '../sfu/vp8.js';

/**
 * Takes RTP from one Producer. For a simulcast camera it follows one layer, the highest the
 * publisher sends, and switches only at a keyframe of the new layer, rewriting sequence numbers
 * and timestamps so the recording sees one continuous stream (as a Consumer does).
 */
export class ProducerTap implements RtpSink {
  private current = -1;
  private target = 0;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq = -1;
  private lastTs = 0;
  private lastAt = 0;

  constructor(
    readonly producer: Producer,
    private readonly deliver: (rtp: RtpPacket) => void,
  ) {
    producer.addSink(this);
    this.retarget();
  }

  send(rtp: RtpPacket, layer: number): void {
    if (this.producer.kind === 'audio') {
      if (layer === 0) this.deliver(rtp.clone());
      return;
    }
    if (layer !== this.current) {
      if (layer !== this.target || !isVp8KeyframeStart(rtp.payload)) return;
      if (this.lastSeq >= 0) {
        this.seqOffset = (this.lastSeq + 1 - rtp.header.sequenceNumber) & 0xffff;
        const elapsed = Math.max(1, Math.round((Date.now() - this.lastAt) * 90));
        this.tsOffset = (this.lastTs + elapsed - rtp.header.timestamp) >>> 0;
      }
      this.current = layer;
    }
    const copy = rtp.clone();
    const h = copy.header;
    h.sequenceNumber = (h.sequenceNumber + this.seqOffset) & 0xffff;
    h.timestamp = (h.timestamp + this.tsOffset) >>> 0;
    this.lastSeq = h.sequenceNumber;
    this.lastTs = h.timestamp;
    this.lastAt = Date.now();
    this.deliver(copy);
  }

  /** Aims at the highest layer sending now, and asks for the keyframe the switch needs. */
  retarget(): void {
    if (this.producer.kind !== 'video') return;
    const active = this.producer.activeLayers();
    const best = active.length ? active[active.length - 1]!.index : this.current >= 0 ? this.current : this.target;
    this.target = best;
    if (this.current !== this.target) this.requestKeyframe();
  }

  requestKeyframe(): void {
    this.producer.requestKeyframe(this.current >= 0 && this.current === this.target ? this.current : this.target);
  }

  detach(): void {
    this.producer.removeSink(this);
  }
}
