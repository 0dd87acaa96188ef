// Wire format of the transport-wide congestion-control feedback message
// (draft-holmer-rmcat-transport-wide-cc-extensions-01, section 3.1): RTPFB (PT 205), FMT 15.

/** Packet status symbols (section 3.1.1). */
export const NOT_RECEIVED = 0;
export const SMALL_DELTA = 1;
export const LARGE_DELTA = 2;
export type StatusSymbol = typeof NOT_RECEIVED | typeof SMALL_DELTA | typeof LARGE_DELTA;

/** Receive deltas are in units of 250 µs; the reference time in units of 64 ms = 256 deltas. */
export const DELTA_TICK_US = 250;
export const REFERENCE_TICK_US = 64_000;

const MAX_RUN_LENGTH = 0x1fff;
const ONE_BIT_CAPACITY = 14;
const TWO_BIT_CAPACITY = 7;

/** The status symbol a receive delta (in 250 µs ticks) needs, or null if it does not fit 16 bits. */
export function symbolForDelta(ticks: number): StatusSymbol | null {
  if (ticks >= 0 && ticks <= 0xff) return SMALL_DELTA;
  if (ticks >= -0x8000 && ticks <= 0x7fff) return LARGE_DELTA;
  return null;
}

/**
 * Packs status symbols into packet status chunks greedily, the way libwebrtc's sender-side
 * parser expects them to be common: a run-length chunk while all symbols are equal, else a
 * 1-bit vector (14 symbols, no large deltas) or a 2-bit vector (7 symbols).
 */
export class StatusChunkEncoder {
  readonly chunks: number[] = [];
  /** The first (up to 14) pending symbols; beyond 14 they are all equal to the first. */
  private pending: StatusSymbol[] = [];
  private size = 0;
  private allSame = true;
  private hasLarge = false;

  add(symbol: StatusSymbol): void {
    if (!this.canAdd(symbol)) this.chunks.push(this.emit());
    if (this.size < ONE_BIT_CAPACITY) this.pending.push(symbol);
    this.allSame = this.allSame && (this.size === 0 || symbol === this.pending[0]);
    this.hasLarge = this.hasLarge || symbol === LARGE_DELTA;
    this.size++;
  }

  /** Bytes the chunks take once finished (pending symbols always fit in one more chunk). */
  get byteLength(): number {
    return 2 * (this.chunks.length + (this.size > 0 ? 1 : 0));
  }

  finish(): number[] {
    if (this.size > 0) {
      if (this.allSame) this.chunks.push(this.runLength());
      else if (this.size <= TWO_BIT_CAPACITY) this.chunks.push(this.twoBit(this.size));
      else this.chunks.push(this.oneBit());
      this.clear();
    }
    return this.chunks;
  }

  private canAdd(symbol: StatusSymbol): boolean {
    if (this.size < TWO_BIT_CAPACITY) return true;
    if (this.size < ONE_BIT_CAPACITY && !this.hasLarge && symbol !== LARGE_DELTA) return true;
    return this.size < MAX_RUN_LENGTH && this.allSame && symbol === this.pending[0];
  }

  private emit(): number {
    if (this.allSame) {
      const chunk = this.runLength();
      this.clear();
      return chunk;
    }
    if (this.size === ONE_BIT_CAPACITY) {
      const chunk = this.oneBit();
      this.clear();
      return chunk;
    }
    // 7 < size < 14 with a large delta among them: send the first 7 and keep the rest pending.
    const chunk = this.twoBit(TWO_BIT_CAPACITY);
    const rest = this.pending.slice(TWO_BIT_CAPACITY);
    this.clear();
    for (const s of rest) this.add(s);
    return chunk;
  }

  private clear(): void {
    this.pending = [];
    this.size = 0;
    this.allSame = true;
    this.hasLarge = false;
  }

  // |T=0| S (2) | run length (13) |
  private runLength(): number {
    return ((this.pending[0] ?? NOT_RECEIVED) << 13) | this.size;
  }

  // |T=1|S=0| 14 one-bit symbols |, unused trailing slots are zero
  private oneBit(): number {
    let chunk = 0x8000;
    this.pending.forEach((s, i) => {
      chunk |= (s === NOT_RECEIVED ? 0 : 1) << (ONE_BIT_CAPACITY - 1 - i);
    });
    return chunk;
  }

  // |T=1|S=1| 7 two-bit symbols |
  private twoBit(count: number): number {
    let chunk = 0xc000;
    for (let i = 0; i < count; i++) chunk |= (this.pending[i] ?? NOT_RECEIVED) << (2 * (TWO_BIT_CAPACITY - 1 - i));
    return chunk;
  }
}

export interface TwccPacketFields {
  senderSsrc: number;
  mediaSourceSsrc: number;
  /** 16-bit transport-wide sequence number of the first packet described */
  baseSequenceNumber: number;
  packetStatusCount: number;
  /** 24-bit, in 64 ms units */
  referenceTime: number;
  /** 8-bit */
  feedbackPacketCount: number;
  chunks: readonly number[];
  /** receive deltas of the received packets, in 250 µs ticks, in sequence order */
  deltas: readonly number[];
}

/** Serializes one feedback message, padded to 32 bits as RFC 3550 padding (as libwebrtc does). */
export function serializeTwcc(f: TwccPacketFields): Buffer {
  let deltaBytes = 0;
  for (const d of f.deltas) deltaBytes += symbolForDelta(d) === SMALL_DELTA ? 1 : 2;
  const unpadded = 20 + 2 * f.chunks.length + deltaBytes;
  const padding = (4 - (unpadded % 4)) % 4;
  const buf = Buffer.alloc(unpadded + padding);
  buf[0] = 0x80 | (padding > 0 ? 0x20 : 0) | 15; // V=2, P, FMT=15
  buf[1] = 205; // RTPFB
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
  buf.writeUInt32BE(f.senderSsrc >>> 0, 4);
  buf.writeUInt32BE(f.mediaSourceSsrc >>> 0, 8);
  buf.writeUInt16BE(f.baseSequenceNumber & 0xffff, 12);
  buf.writeUInt16BE(f.packetStatusCount, 14);
  buf.writeUIntBE(f.referenceTime & 0xffffff, 16, 3);
  buf[19] = f.feedbackPacketCount & 0xff;
  let pos = 20;
  for (const c of f.chunks) pos = buf.writeUInt16BE(c, pos);
  for (const d of f.deltas) {
    const symbol = symbolForDelta(d);
    if (symbol === null) throw new RangeError(`receive delta ${d} does not fit 16 bits`);
    pos = symbol === SMALL_DELTA ? buf.writeUInt8(d, pos) : buf.writeInt16BE(d, pos);
  }
  if (padding > 0) buf[buf.length - 1] = padding;
  return buf;
}
