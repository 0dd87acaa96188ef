// The forwarding fast path of one receive Transport (issue 15, item 2; A1, D5): everything the SFU
// sends a subscriber leaves here, sealed with the transport's own SRTP context and sent on its
// DatagramOut, instead of through werift's RTCRtpSender (a Promise, a header rebuilt and three
// Buffers per packet).
//
// werift's sender sends nothing for a Consumer on this path, so its SR loop, NACK history
// (rtpCache) and transport-wide sequence stay unused. The transport-cc header extension is left out
// of the forwarded packets on purpose: the subscriber's transport-cc feedback was never read by
// Kaigi (layer selection uses the receiver reports' backlog and loss, LayerSelector.ts, A6), and
// numbering packets nobody evaluates only costs bytes.
import type { RtpPacket } from 'werift';
import type { DatagramOut } from '../net/types.js';
import { SRTCP_OVERHEAD, SRTP_OVERHEAD, type SrtpMasterKeys, type SrtpProtector } from '../srtp/types.js';
import type { OutboundStream } from './OutboundStream.js';
import { sentLsr, writeSenderReport, type RttEstimator } from './senderReport.js';

/** Makes the sending SRTP context of one DTLS association (the srtp engineer's SrtpSendContext). */
export type ProtectorFactory = (keys: SrtpMasterKeys) => SrtpProtector;

/**
 * The send buffer: an Ethernet MTU with room to spare. A packet that does not fit with the SRTP
 * tag is dropped and counted (browsers packetize to ~1200 bytes; werift drops bigger on the way in).
 */
const BUFFER_SIZE = 2048;
/** RFC 3550 §6.2: a sender reports about once a second (at this bandwidth share, the minimum 5 s is too slow for RTT). */
const REPORT_INTERVAL_MS = 1000;

/** A stream the Downlink sends sender reports for. */
export interface ReportedStream {
  readonly stream: OutboundStream;
  readonly cname: Buffer;
  readonly rtt: RttEstimator;
}

/** What a Downlink needs of its Transport (Transport.ts's contract on main). */
export interface DownlinkTransport {
  readonly pc: { readonly connectionState: string };
  readonly closed: boolean;
  srtpKeys(): { local: SrtpMasterKeys; remote: SrtpMasterKeys } | null;
  datagramOut(): DatagramOut | null;
  on(event: 'close', fn: () => void): () => void;
}

/** The SRTP context, the one send buffer and the sender-report clock of one receive Transport. */
export class Downlink {
  /** Reused for every packet: DatagramOut sends or copies before it returns. */
  private readonly buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private readonly reported = new Set<ReportedStream>();
  private readonly timer: NodeJS.Timeout;
  private _closed = false;
  /** Packets sent on this path (media, retransmissions) and dropped (too big, not sealable). */
  sent = 0;
  retransmitted = 0;
  dropped = 0;

  constructor(
    private readonly protector: SrtpProtector,
    private readonly out: DatagramOut,
  ) {
    this.timer = setInterval(() => this.sendReports(), REPORT_INTERVAL_MS).unref();
  }

  get closed(): boolean {
    return this._closed;
  }

  /**
   * Forwards a packet the stream accepted. Hot path: nothing here allocates: the rewrite writes
   * into `buf` (OutboundStream.write), the SRTP context seals in place with the native AES-GCM
   * (sfu/srtp; node:crypto's fallback allocates a cipher per packet), and DatagramOut copies
   * into the media socket's send ring (sfu/net).
   */
  forward(stream: OutboundStream, rtp: RtpPacket): void {
    if (this._closed) return;
    const length = stream.write(rtp, this.buf, BUFFER_SIZE - SRTP_OVERHEAD);
    if (this.seal(length)) this.sent++;
  }

  /** Resends `original` as subscriber seq `seq` (RTX when negotiated); false when it was not sent. */
  retransmit(stream: OutboundStream, original: RtpPacket, seq: number): boolean {
    if (this._closed) return false;
    const length = stream.writeRetransmission(original, seq, this.buf, BUFFER_SIZE - SRTP_OVERHEAD);
    if (!this.seal(length)) return false;
    this.retransmitted++;
    return true;
  }

  /** Sender reports go out for this stream from now on, until removed. */
  addReported(r: ReportedStream): void {
    this.reported.add(r);
  }

  removeReported(r: ReportedStream): void {
    this.reported.delete(r);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this.timer);
    this.reported.clear();
  }

  private seal(length: number): boolean {
    if (length <= 0) {
      this.dropped++;
      return false;
    }
    const sealed = this.protectRtp(length);
    if (sealed <= 0) {
      this.dropped++;
      return false;
    }
    this.out.send(this.buf, sealed);
    return true;
  }

  /**
   * The protector throws on a packet it cannot seal (SrtpSendContext: malformed, no room). The
   * path only hands it packets it wrote, so this should never happen; if it does, the packet is
   * dropped and counted rather than the exception breaking the Producer's fan-out to the others.
   */
  private protectRtp(length: number): number {
    try {
      return this.protector.protectRtp(this.buf, length);
    } catch {
      return -1;
    }
  }

  /** Once a second: one compound SR + SDES per stream that has sent anything (RFC 3550 §6.4.1). */
  private sendReports(): void {
    if (this._closed) return;
    const now = performance.timeOrigin + performance.now();
    for (const r of this.reported) {
      if (r.stream.packetCount === 0 || r.stream.ssrc === 0) continue;
      const length = writeSenderReport(this.buf, this.buf.length - SRTCP_OVERHEAD, r.stream, r.cname, now);
      if (length === 0) continue;
      const lsr = sentLsr(this.buf);
      let sealed = -1;
      try {
        sealed = this.protector.protectRtcp(this.buf, length);
      } catch {
        // As in protectRtp: a report that cannot be sealed is skipped, the timer goes on.
      }
      if (sealed <= 0) continue;
      r.rtt.sentReport(lsr);
      this.out.send(this.buf, sealed);
    }
  }
}

/**
 * Which path a receive Transport's Consumers send on: pending until ICE and DTLS are up, then the
 * fast path (a Downlink) when DTLS negotiated AEAD_AES_128_GCM, else werift's sender (today's
 * path). Decided once per Transport; the Downlink closes with it.
 *
 * Never both: once this transport's keys are known the fast path owns every SSRC on it, since
 * werift sealing packets of the same SSRC and sequence under the same key would reuse GCM IVs.
 */
export class DownlinkSlot {
  private link: Downlink | null = null;
  /** True once the transport turned out not to use AEAD_AES_128_GCM: werift's sender carries media. */
  weriftPath = false;

  constructor(
    private readonly transport: DownlinkTransport,
    private readonly factory: ProtectorFactory,
  ) {
    transport.on('close', () => this.link?.close());
  }

  /** The fast path, once it can be used; null while pending or on werift's path. Cheap per packet. */
  downlink(): Downlink | null {
    if (this.link || this.weriftPath) return this.link;
    const t = this.transport;
    if (t.closed || t.pc.connectionState !== 'connected') return null;
    const keys = t.srtpKeys();
    if (!keys) {
      this.weriftPath = true;
      return null;
    }
    const out = t.datagramOut();
    if (!out) return null;
    this.link = new Downlink(this.factory(keys.local), out);
    return this.link;
  }
}
