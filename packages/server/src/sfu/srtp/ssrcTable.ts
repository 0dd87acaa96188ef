// SSRC -> per-stream state for the SRTP hot path, without boxing. A 32-bit SSRC does not fit a V8
// small integer (31 bits), so handing it to Map.get or to a function that is not inlined
// allocates a heap number per packet (the hot-path test measured it). The SSRC is therefore
// carried as two 16-bit halves, and looked up as 30 bits of key in one of four maps chosen by the
// low 2 bits. Bounded: when full, the entry used longest ago goes (on the send side an evicted
// stream that is still live would restart at ROC 0, so the least recently used one is the one to
// lose, not the oldest); on the receive side only a packet that authenticated adds an entry.

/** What the table keeps: the caller stamps `lastUsed` from its own counter on every packet. */
export interface SsrcEntry {
  lastUsed: number;
}

export class SsrcTable<T extends SsrcEntry> {
  private readonly m0 = new Map<number, T>();
  private readonly m1 = new Map<number, T>();
  private readonly m2 = new Map<number, T>();
  private readonly m3 = new Map<number, T>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.m0.size + this.m1.size + this.m2.size + this.m3.size;
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

  /** Adds a state (allocates: once per new SSRC), dropping the least recently used when full. */
  add(hi: number, lo: number, value: T): void {
    if (this.size >= this.max) this.evictLeastRecentlyUsed();
    this.map(lo).set((hi << 14) | (lo >>> 2), value);
  }

  /** Forgets an SSRC (a stream that ended). */
  delete(hi: number, lo: number): void {
    this.map(lo).delete((hi << 14) | (lo >>> 2));
  }

  /** A scan of every entry: only when a new SSRC arrives at a full table. */
  private evictLeastRecentlyUsed(): void {
    let victim: { map: Map<number, T>; key: number } | null = null;
    let oldest = Infinity;
    for (const map of [this.m0, this.m1, this.m2, this.m3]) {
      for (const [key, entry] of map) {
        if (entry.lastUsed < oldest) {
          oldest = entry.lastUsed;
          victim = { map, key };
        }
      }
    }
    victim?.map.delete(victim.key);
  }
}
