// Sender reports of the forwarding fast path (RFC 3550 §6.4.1, §6.5): werift's sender sends none
// for a stream it does not carry, so each OutboundStream gets its own SR + SDES CNAME about once a
// second, and the subscriber's receiver reports (LSR/DLSR) give the round-trip time that the
// connection quality reads (A6). Runs once a second per stream, not per packet.
import type { OutboundStream } from './OutboundStream.js';

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const RTCP_SR = 200;
const RTCP_SDES = 202;
const SDES_CNAME = 1;
/** SR with no report blocks: header 8 + sender info 20 (RFC 3550 §6.4.1). */
const SR_SIZE = 28;
/** RFC 3550 §6.5.1: a CNAME is at most 255 bytes. */
const MAX_CNAME = 255;
/** Smoothing of the round-trip time (werift's sender used the same weight). */
const RTT_ALPHA = 0.85;
/** Sent SRs remembered to match a report's LSR against. */
const REMEMBERED_SRS = 4;

/** Size of the compound packet writeSenderReport writes for a CNAME of `cnameLength` bytes. */
export function senderReportSize(cnameLength: number): number {
  // SDES: header 4, SSRC 4, CNAME item 2 + text, a null item, padded to 32 bits.
  return SR_SIZE + 8 + (((2 + cnameLength + 1 + 3) >> 2) << 2);
}

/**
 * The NTP time of `wallMs` (a Unix time in ms, fractional allowed), as the two 32-bit words of
 * an SR, written at buf[offset … offset+8).
 */
function writeNtp(buf: Buffer, offset: number, wallMs: number): void {
  const seconds = Math.floor(wallMs / 1000);
  const fraction = Math.floor(((wallMs - seconds * 1000) / 1000) * 0x1_0000_0000);
  buf.writeUInt32BE((seconds + NTP_UNIX_OFFSET_S) >>> 0, offset);
  buf.writeUInt32BE(Math.min(fraction, 0xffff_ffff) >>> 0, offset + 4);
}

/** The middle 32 bits of the NTP time of `wallMs`: what a receiver echoes as LSR (RFC 3550 §6.4.1). */
export function compactNtp(wallMs: number): number {
  const seconds = Math.floor(wallMs / 1000);
  const fraction = Math.floor(((wallMs - seconds * 1000) / 1000) * 0x1_0000);
  return ((((seconds + NTP_UNIX_OFFSET_S) & 0xffff) << 16) | (fraction & 0xffff)) >>> 0;
}

/**
 * Writes one compound RTCP packet, SR (no report blocks: the SFU receives nothing on this
 * transport) then SDES with the CNAME, at buf[0 …); returns its length, 0 if `room` is short.
 * `wallMs` is the send time; the RTP timestamp is the stream's clock at that time.
 */
export function writeSenderReport(buf: Buffer, room: number, stream: OutboundStream, cname: Buffer, wallMs: number): number {
  const cnameLength = Math.min(cname.length, MAX_CNAME);
  const size = senderReportSize(cnameLength);
  if (size > room) return 0;
  buf[0] = 0x80; // V=2, P=0, RC=0
  buf[1] = RTCP_SR;
  buf.writeUInt16BE(SR_SIZE / 4 - 1, 2);
  buf.writeUInt32BE(stream.ssrc, 4);
  writeNtp(buf, 8, wallMs);
  buf.writeUInt32BE(stream.rtpTimeAt(wallMs), 16);
  buf.writeUInt32BE(stream.packetCount, 20);
  buf.writeUInt32BE(stream.octetCount, 24);
  const s = SR_SIZE;
  buf[s] = 0x81; // V=2, P=0, SC=1
  buf[s + 1] = RTCP_SDES;
  buf.writeUInt16BE((size - SR_SIZE) / 4 - 1, s + 2);
  buf.writeUInt32BE(stream.ssrc, s + 4);
  buf[s + 8] = SDES_CNAME;
  buf[s + 9] = cnameLength;
  cname.copy(buf, s + 10, 0, cnameLength);
  // The item list ends with a null octet; the chunk is zero-padded to 32 bits (RFC 3550 §6.5).
  buf.fill(0, s + 10 + cnameLength, size);
  return size;
}

/** What a receiver echoes as LSR for the SR at buf[0 …): the middle 32 bits of its NTP timestamp. */
export function sentLsr(buf: Buffer): number {
  return buf.readUInt32BE(10);
}

/**
 * Round-trip time from a subscriber's receiver reports: RTT = A − LSR − DLSR in compact NTP
 * units (RFC 3550 §6.4.1), for an LSR that matches one of the last SRs this stream sent.
 */
export class RttEstimator {
  private readonly sent = new Uint32Array(REMEMBERED_SRS);
  private next = 0;
  /** Smoothed RTT in seconds; null until a report answers one of our SRs. */
  rttSeconds: number | null = null;

  /** An SR went out with this compact NTP time (the middle 32 bits of its NTP timestamp; sentLsr). */
  sentReport(compact: number): void {
    this.sent[this.next] = compact >>> 0;
    this.next = (this.next + 1) % REMEMBERED_SRS;
  }

  /** A report block's LSR/DLSR arrived at `wallMs`; returns the new RTT (s) or null if it answers no SR of ours. */
  received(lsr: number, dlsr: number, wallMs: number): number | null {
    if (lsr === 0 || !this.sent.includes(lsr >>> 0)) return null;
    const rtt = ((compactNtp(wallMs) - lsr - dlsr) >>> 0) / 0x1_0000;
    // A clock step or a forged report gives nonsense: a minute is far beyond any real link.
    if (rtt > 60) return null;
    this.rttSeconds = this.rttSeconds === null ? rtt : RTT_ALPHA * this.rttSeconds + (1 - RTT_ALPHA) * rtt;
    return this.rttSeconds;
  }
}
