// SSRC -> per-stream state for the SRTP hot path, without boxing. A 32-bit SSRC does not fit a V8
// small integer (31 bits), so handing it to Map.get or to a function that is not inlined
// allocates a heap number per packet (the hot-path test measured it). The SSRC is therefore
// carried as two 16-bit halves, and looked up as 30 bits of key in one of four maps chosen by the
// low 2 bits. Bounded: the oldest entry goes when full (only a packet that authenticated adds one
// on the receive side).

export class SsrcTable<T> {
  private readonly m0 = new Map<number, T>();
  private readonly m1 = new Map<number, T>();
  private readonly m2 = new Map<number, T>();
  private readonly m3 = new Map<number, T>();
  /** Insertion order for eviction, as SSRC values (only touched when an SSRC is added). */
  private readonly order: number[] = [];

  constructor(private readonly max: number) {}

  get size(): number {
    return this.order.length;
  }

  private map(lo: number): Map<number, T> {
    switch (lo & 3) {
      case 0:
        return this.m0;
      case 1:
        return this.m1;
      case 2:
        return this.m2;
      default:
        return this.m3;
    }
  }

  /** The state of the SSRC whose high and low 16 bits are `hi` and `lo`. */
  get(hi: number, lo: number): T | undefined {
    return this.map(lo).get((hi << 14) | (lo >>> 2));
  }

  /** Adds a state (allocates: once per new SSRC), dropping the oldest when the table is full. */
  add(hi: number, lo: number, value: T): void {
    if (this.order.length >= this.max) {
      const oldest = this.order.shift();
      if (oldest !== undefined) this.map(oldest & 0xffff).delete(oldest >>> 2);
    }
    this.map(lo).set((hi << 14) | (lo >>> 2), value);
    this.order.push(hi * 0x10000 + lo);
  }
}
