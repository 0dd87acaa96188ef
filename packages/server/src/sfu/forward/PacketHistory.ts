// The recent packets of one publisher layer, for answering subscribers' NACKs (issue 15, item 2).
// One per Producer layer, not per subscriber: every subscriber of a layer forwards the same
// payloads, so they share one history.
import type { RtpPacket } from 'werift';

/**
 * Packets kept per video layer, lowest layer first: about a second of the top 720p layer
 * (~200 packets/s) and several seconds of the lower ones (~30 and ~70 packets/s). A NACK comes one
 * round trip after the loss, far sooner. Memory: the ring keeps references to the packets werift
 * already allocated on the way in (no copy): at most 128 + 128 + 256 packets of ≤ ~1.2 kB, that
 * is ≤ 0.6 MB per simulcast camera, less in practice (low layers send small packets); issue 15's
 * goal is ≤ 2 MB of server memory per participant.
 */
export const VIDEO_HISTORY_PACKETS: readonly number[] = [128, 128, 256];

/** Capacity of the history of simulcast layer `index` (a layer past the table gets the last size). */
export function historyPackets(index: number): number {
  return VIDEO_HISTORY_PACKETS[Math.min(index, VIDEO_HISTORY_PACKETS.length - 1)] ?? 256;
}

/** A ring of the last `capacity` packets, indexed by the publisher's sequence number. */
export class PacketHistory {
  private readonly packets: (RtpPacket | undefined)[];
  /** The sequence number each slot holds (-1: empty), so a stale slot is never taken for another. */
  private readonly seqs: Int32Array;
  private readonly mask: number;

  /** `capacity` is rounded up to a power of two (slot = seq & mask, 65536 divisible by it). */
  constructor(capacity: number) {
    let size = 1;
    while (size < capacity && size < 0x10000) size <<= 1;
    this.packets = new Array<RtpPacket | undefined>(size).fill(undefined);
    this.seqs = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Remembers a packet as received (no copy: werift allocated it and nothing changes it). */
  put(rtp: RtpPacket): void {
    const seq = rtp.header.sequenceNumber;
    const slot = seq & this.mask;
    this.packets[slot] = rtp;
    this.seqs[slot] = seq;
  }

  /** The packet with this sequence number, if it is still held. */
  get(seq: number): RtpPacket | null {
    const slot = seq & this.mask;
    return this.seqs[slot] === seq ? (this.packets[slot] ?? null) : null;
  }

  /** Forgets everything (the layer's source changed SSRC, or it closed). */
  clear(): void {
    this.packets.fill(undefined);
    this.seqs.fill(-1);
  }
}
