// Receiver side of transport-wide congestion control: records when each transport-wide
// sequence number arrived and describes that, losses included, in RTCP transport-cc feedback
// for the sender's delay-based bandwidth estimator (libwebrtc's GoogCC in browsers).
import {
  DELTA_TICK_US,
  NOT_RECEIVED,
  REFERENCE_TICK_US,
  StatusChunkEncoder,
  serializeTwcc,
  symbolForDelta,
  SMALL_DELTA,
} from './twccPacket.js';

export interface TwccFeedbackOptions {
  /** SSRC written as "SSRC of packet sender" */
  senderSsrc: number;
  /** Upper bound of one serialized feedback message (it must fit one SRTCP datagram). */
  maxPacketBytes?: number;
  /** How long reported arrivals are kept, to re-report them if an older packet shows up late. */
  historyUs?: number;
}

/** A jump this large is no reordering or loss burst: the sender's numbering restarted. */
const RESTART_GAP = 0x4000;
const MAX_STATUS_COUNT = 0xffff;
const HEADER_BYTES = 20;

export class TwccFeedback {
  private readonly senderSsrc: number;
  private readonly maxPacketBytes: number;
  private readonly historyUs: number;
  /** unwrapped sequence number -> arrival time (µs); a missing key in range = not received */
  private readonly arrivals = new Map<number, number>();
  private lastUnwrapped: number | undefined;
  private started = false;
  /** Everything below is forgotten; everything from here up to maxSeq is known. */
  private historyStart = 0;
  /** First sequence number the next feedback describes. */
  private windowStart = 0;
  private maxSeq = -1;
  private latestArrivalUs = 0;
  private feedbackPacketCount = 0;
  /** "SSRC of media source": like libwebrtc, the SSRC of the latest media packet. */
  private mediaSourceSsrc = 0;

  constructor(options: TwccFeedbackOptions) {
    this.senderSsrc = options.senderSsrc >>> 0;
    this.maxPacketBytes = Math.max(64, options.maxPacketBytes ?? 1200);
    this.historyUs = options.historyUs ?? 500_000;
  }

  /**
   * Records one received RTP packet: its 16-bit transport-wide sequence number and its arrival
   * time in microseconds on a monotonic clock (taken as the datagram arrives).
   */
  onPacket(sequenceNumber: number, arrivalUs: number, mediaSsrc?: number): void {
    if (mediaSsrc !== undefined) this.mediaSourceSsrc = mediaSsrc >>> 0;
    const seq = this.unwrap(sequenceNumber & 0xffff);
    if (!this.started) {
      this.started = true;
      this.restartAt(seq);
    } else if (seq < this.historyStart) {
      if (this.historyStart - seq < RESTART_GAP) return; // too late: already forgotten
      this.restartAt(seq);
    } else if (seq > this.maxSeq + RESTART_GAP) {
      this.restartAt(seq);
    }
    if (this.arrivals.has(seq)) return; // a duplicate: the first arrival is the one that counts
    this.arrivals.set(seq, arrivalUs);
    this.latestArrivalUs = Math.max(this.latestArrivalUs, arrivalUs);
    if (seq > this.maxSeq) this.maxSeq = seq;
    // A late packet reopens the window so that it is reported as received after all.
    if (seq < this.windowStart) this.windowStart = seq;
  }

  /** Whether packets arrived that no feedback has described yet. */
  get hasPending(): boolean {
    return this.windowStart <= this.maxSeq;
  }

  /**
   * Serialized RTCP transport-cc messages describing every packet since the previous call
   * (usually one; more when they do not fit one message or a delta overflows 16 bits). Each
   * message starts with a received packet; losses are reported between received ones.
   */
  buildFeedback(): Buffer[] {
    const out: Buffer[] = [];
    let next = this.windowStart;
    while (next <= this.maxSeq) {
      let first = next;
      while (first <= this.maxSeq && !this.arrivals.has(first)) first++;
      if (first > this.maxSeq) break; // only losses left: nothing to anchor a reference time to
      const built = this.buildOne(next, this.arrivals.get(first)!);
      out.push(built.packet);
      next = built.next;
    }
    this.windowStart = this.maxSeq + 1;
    this.prune();
    return out;
  }

  /** One message from `base` (leading losses included); `firstArrivalUs` of its first received packet. */
  private buildOne(base: number, firstArrivalUs: number): { packet: Buffer; next: number } {
    // The reference time is that of the first received packet, so its delta is 0..256 ticks.
    const referenceTime = Math.floor(firstArrivalUs / REFERENCE_TICK_US);
    // Deltas are differences of rounded absolute times, so rounding never accumulates.
    let previousTicks = referenceTime * (REFERENCE_TICK_US / DELTA_TICK_US);
    const chunks = new StatusChunkEncoder();
    const deltas: number[] = [];
    let deltaBytes = 0;
    let seq = base;
    for (; seq <= this.maxSeq && seq - base < MAX_STATUS_COUNT; seq++) {
      const arrival = this.arrivals.get(seq);
      const fixedBytes = HEADER_BYTES + chunks.byteLength + 2 + deltaBytes;
      if (arrival === undefined) {
        if (fixedBytes > this.maxPacketBytes) break;
        chunks.add(NOT_RECEIVED);
        continue;
      }
      const ticks = Math.round(arrival / DELTA_TICK_US);
      const delta = ticks - previousTicks;
      const symbol = symbolForDelta(delta);
      // Out of 16-bit range: end here, the next message gets its own reference time.
      if (symbol === null) break;
      const size = symbol === SMALL_DELTA ? 1 : 2;
      if (fixedBytes + size > this.maxPacketBytes) break;
      chunks.add(symbol);
      deltas.push(delta);
      deltaBytes += size;
      previousTicks = ticks;
    }
    const packet = serializeTwcc({
      senderSsrc: this.senderSsrc,
      mediaSourceSsrc: this.mediaSourceSsrc,
      baseSequenceNumber: base & 0xffff,
      packetStatusCount: seq - base,
      referenceTime: referenceTime & 0xffffff,
      feedbackPacketCount: this.feedbackPacketCount,
      chunks: chunks.finish(),
      deltas,
    });
    this.feedbackPacketCount = (this.feedbackPacketCount + 1) & 0xff;
    return { packet, next: seq };
  }

  private unwrap(seq: number): number {
    if (this.lastUnwrapped === undefined) {
      this.lastUnwrapped = seq;
      return seq;
    }
    let diff = (seq - this.lastUnwrapped) & 0xffff;
    if (diff >= 0x8000) diff -= 0x10000;
    this.lastUnwrapped += diff;
    return this.lastUnwrapped;
  }

  private restartAt(seq: number): void {
    this.arrivals.clear();
    this.historyStart = seq;
    this.windowStart = seq;
    this.maxSeq = seq - 1;
  }

  /** Forgets reported packets that are older than the history window. */
  private prune(): void {
    const cutoff = this.latestArrivalUs - this.historyUs;
    while (this.historyStart < this.windowStart) {
      const arrival = this.arrivals.get(this.historyStart);
      if (arrival !== undefined && arrival >= cutoff && this.windowStart - this.historyStart <= 0x1000) break;
      this.arrivals.delete(this.historyStart);
      this.historyStart++;
    }
  }
}
