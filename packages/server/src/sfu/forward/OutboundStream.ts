// One forwarded stream as the subscriber sees it (issue 15, item 2; A1, A6): the RTP header
// rewrite of the forwarding fast path. Pure: no I/O, no timers, no crypto. The caller hands it the
// packets (werift already decrypted and parsed them on the way in) and a preallocated buffer.
//
// Per packet per subscriber: no Promise, no closure, no object. Everything written is a number
// into the caller's buffer; the payload is copied once (Buffer.copy) into that buffer.
import type { RtpPacket } from 'werift';
import type { PacketHistory } from './PacketHistory.js';

/** RFC 8285 §4.2: the one-byte header extension profile. */
const ONE_BYTE_PROFILE = 0xbede;
/** RTP fixed header (RFC 3550 §5.1) without CSRCs: the forwarded packet carries none. */
export const RTP_HEADER_SIZE = 12;
/** RFC 8285 one-byte elements carry 1 … 16 bytes; a longer mid is not announced in the header. */
const MAX_ONE_BYTE_ELEMENT = 16;
/** RFC 4588 §4: an RTX payload starts with the original sequence number (OSN). */
const OSN_SIZE = 2;
/** How far back a late packet or a NACK may reach in a run; far beyond any history (PacketHistory). */
const RUN_REACH = 0x1000;

/**
 * What the subscriber's transport negotiated for this stream (from werift's sender once the
 * answer is applied). Plain numbers: -1 (or 0 for an extension id) means "not negotiated".
 */
export interface OutboundParams {
  ssrc: number;
  payloadType: number;
  /** RFC 4588 RTX: the repair stream's SSRC and payload type, or -1 without RTX. */
  rtxSsrc: number;
  rtxPayloadType: number;
  /** The one-byte extension id of sdes:mid (RFC 8843), or 0 when not negotiated. */
  midExtensionId: number;
  mid: string | null;
  /** RTP clock rate (48 kHz Opus, 90 kHz VP8). */
  clockRate: number;
}

/**
 * Sequence numbers and timestamps continue across simulcast layer switches: the subscriber sees
 * one stream with one SSRC whose sequence runs on by one per packet forwarded, and whose
 * timestamps move on by about the wall time between the last packet of the old layer and the
 * first of the new. A "run" is the packets forwarded from one layer since the last switch: only
 * those map back to a publisher packet for a retransmission (NACK), so a subscriber that left a
 * layer never gets that layer's packets again.
 */
export class OutboundStream {
  ssrc = 0;
  payloadType = 0;
  rtxSsrc = -1;
  rtxPayloadType = -1;
  clockRate = 90_000;
  private midId = 0;
  /** The mid's bytes as the extension carries them (pre-encoded once per negotiation). */
  private midBytes: Buffer = Buffer.alloc(0);
  /** Bytes of the extension block (0, or 4 + element + padding). */
  private extSize = 0;

  /** Offsets added to the publisher's numbers in the current run. */
  private seqOffset = 0;
  private tsOffset = 0;
  /** First subscriber sequence number of the current run. */
  private runStart = 0;
  /** The last packet forwarded (subscriber's numbers); -1 before the first. */
  lastSeq = -1;
  lastTs = 0;
  /** Date.now() of the last packet forwarded; 0: never. */
  lastSentAt = 0;
  /** The sequence number and timestamp the last accepted packet goes out with. */
  seq = 0;
  ts = 0;
  private rtxSeq = Math.floor(Math.random() * 0x10000);
  /** For sender reports (RFC 3550 §6.4.1): packets and payload octets sent, RTX excluded. */
  packetCount = 0;
  octetCount = 0;

  /** Takes what was negotiated; cheap to call again (a renegotiation keeps ssrc and mid). */
  configure(p: OutboundParams): void {
    this.ssrc = p.ssrc >>> 0;
    this.payloadType = p.payloadType & 0x7f;
    this.rtxSsrc = p.rtxPayloadType >= 0 ? p.rtxSsrc >>> 0 : -1;
    this.rtxPayloadType = p.rtxPayloadType >= 0 ? p.rtxPayloadType & 0x7f : -1;
    this.clockRate = p.clockRate;
    const mid = p.mid === null ? null : Buffer.from(p.mid, 'utf8');
    const usable = p.midExtensionId >= 1 && p.midExtensionId <= 14 && mid !== null && mid.length >= 1 && mid.length <= MAX_ONE_BYTE_ELEMENT;
    this.midId = usable ? p.midExtensionId : 0;
    this.midBytes = usable ? mid : Buffer.alloc(0);
    // 4 bytes of profile and length, one element header, the mid, padded to 32 bits (RFC 8285 §4.2).
    this.extSize = usable ? 4 + (((1 + this.midBytes.length + 3) >> 2) << 2) : 0;
  }

  /** Bytes of header this stream writes before the payload. */
  get headerSize(): number {
    return RTP_HEADER_SIZE + this.extSize;
  }

  /**
   * Starts a new run on another layer at `rtp` (the first packet of the new layer's keyframe, or
   * any audio packet): the next packet continues right after the last one sent, in sequence and
   * (roughly) in time.
   */
  switchLayer(rtp: RtpPacket, now: number): void {
    const h = rtp.header;
    if (this.lastSeq >= 0) {
      this.seqOffset = (this.lastSeq + 1 - h.sequenceNumber) & 0xffff;
      const elapsed = Math.max(1, Math.round(((now - this.lastSentAt) * this.clockRate) / 1000));
      this.tsOffset = (this.lastTs + elapsed - h.timestamp) >>> 0;
    } else {
      this.seqOffset = 0;
      this.tsOffset = 0;
    }
    this.runStart = (h.sequenceNumber + this.seqOffset) & 0xffff;
  }

  /**
   * Numbers the packet goes out with (`seq`, `ts`); counts it as sent at `now`. Returns false for
   * a packet that must not go out: a late one from before the current run (its number was the
   * old run's: same SSRC, sequence and rollover counter with other bytes would reuse an AES-GCM
   * IV, RFC 7714 §8.1), or a late one from before the last sequence wrap (it would be sealed under
   * the new rollover counter, the same reuse a wrap later).
   */
  accept(rtp: RtpPacket, now: number): boolean {
    const h = rtp.header;
    const seq = (h.sequenceNumber + this.seqOffset) & 0xffff;
    if (this.lastSeq >= 0) {
      const behind = (this.lastSeq - seq) & 0xffff;
      if (behind !== 0 && behind < 0x8000) {
        if (behind > ((this.lastSeq - this.runStart) & 0xffff)) return false;
        if (seq > this.lastSeq) return false;
      }
    }
    this.seq = seq;
    this.ts = (h.timestamp + this.tsOffset) >>> 0;
    // A packet that arrives late (reordered) does not move the stream's "last" back.
    if (this.lastSeq < 0 || ((seq - this.lastSeq) & 0xffff) < 0x8000) {
      this.lastSeq = seq;
      this.lastTs = this.ts;
      // The run's start trails the newest packet by at most RUN_REACH, so that "before the run"
      // keeps its meaning on a stream that never switches (audio) past half the sequence space.
      if (((seq - this.runStart) & 0xffff) > RUN_REACH) this.runStart = (seq - RUN_REACH) & 0xffff;
    }
    this.lastSentAt = now;
    this.packetCount = (this.packetCount + 1) >>> 0;
    this.octetCount = (this.octetCount + rtp.payload.length) >>> 0;
    return true;
  }

  /**
   * Writes the accepted packet (header with `seq`/`ts`, this stream's SSRC, PT and mid, then
   * the payload) at buf[0 …). Returns its length, or 0 when it does not fit in `room` bytes.
   * The publisher's header extensions are never copied: their ids mean nothing here, and
   * transport-cc is left out on purpose (see Downlink.ts).
   */
  write(rtp: RtpPacket, buf: Buffer, room: number): number {
    const payload = rtp.payload;
    const end = this.headerSize + payload.length;
    if (end > room) return 0;
    this.writeHeader(buf, rtp.header.marker, this.payloadType, this.seq, this.ts, this.ssrc);
    payload.copy(buf, this.headerSize);
    return end;
  }

  /**
   * The subscriber lost its packet `seq`: the publisher packet behind it, when `seq` belongs to
   * the current run and `history` (the current layer's) still holds it; else null.
   */
  lookup(seq: number, history: PacketHistory | null): RtpPacket | null {
    if (!history || this.lastSeq < 0) return null;
    const sinceStart = (seq - this.runStart) & 0xffff;
    if (sinceStart > ((this.lastSeq - this.runStart) & 0xffff)) return null;
    return history.get((seq - this.seqOffset) & 0xffff);
  }

  /**
   * Writes a retransmission of `original` (found by lookup for subscriber seq `seq`): an RTX
   * packet (RFC 4588: RTX SSRC and PT, its own sequence, OSN first) when RTX was negotiated,
   * else the packet exactly as first sent. Returns the length, 0 when it does not fit or must
   * not be sent: a plain resend from before the last sequence wrap would be sealed under a
   * rollover counter the receiver no longer expects (RFC 3711 §3.3.1), so it is skipped.
   */
  writeRetransmission(original: RtpPacket, seq: number, buf: Buffer, room: number): number {
    const payload = original.payload;
    const ts = (original.header.timestamp + this.tsOffset) >>> 0;
    if (this.rtxPayloadType < 0) {
      if (seq > this.lastSeq) return 0;
      const end = this.headerSize + payload.length;
      if (end > room) return 0;
      this.writeHeader(buf, original.header.marker, this.payloadType, seq, ts, this.ssrc);
      payload.copy(buf, this.headerSize);
      return end;
    }
    const end = this.headerSize + OSN_SIZE + payload.length;
    if (end > room) return 0;
    this.writeHeader(buf, original.header.marker, this.rtxPayloadType, this.rtxSeq, ts, this.rtxSsrc);
    this.rtxSeq = (this.rtxSeq + 1) & 0xffff;
    buf.writeUInt16BE(seq, this.headerSize);
    payload.copy(buf, this.headerSize + OSN_SIZE);
    return end;
  }

  /** The RTP timestamp that corresponds to wall time `now`, from the last packet sent (for SRs). */
  rtpTimeAt(now: number): number {
    if (this.lastSentAt === 0) return this.lastTs;
    return (this.lastTs + Math.round(((now - this.lastSentAt) * this.clockRate) / 1000)) >>> 0;
  }

  /** The fixed header (RFC 3550 §5.1: V=2, no padding, no CSRC) and the mid extension (RFC 8285). */
  private writeHeader(buf: Buffer, marker: boolean, pt: number, seq: number, ts: number, ssrc: number): void {
    buf[0] = this.extSize > 0 ? 0x90 : 0x80;
    buf[1] = (marker ? 0x80 : 0) | pt;
    buf.writeUInt16BE(seq, 2);
    buf.writeUInt32BE(ts, 4);
    buf.writeUInt32BE(ssrc, 8);
    if (this.extSize === 0) return;
    buf.writeUInt16BE(ONE_BYTE_PROFILE, 12);
    buf.writeUInt16BE((this.extSize - 4) >> 2, 14);
    buf[16] = (this.midId << 4) | (this.midBytes.length - 1);
    this.midBytes.copy(buf, 17);
    // Zero padding after the last element (RFC 8285 §4.2: padding bytes are 0).
    buf.fill(0, 17 + this.midBytes.length, RTP_HEADER_SIZE + this.extSize);
  }
}
