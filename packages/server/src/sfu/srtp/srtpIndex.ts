// Packet index bookkeeping for SRTP (RFC 3711 §3.3.1, Appendix A) and the receive replay window
// (RFC 3711 §3.3.2, 64 packets). Pure functions and one small per-SSRC record: no allocation per
// packet.

const SEQ_MODULUS = 0x10000;
const HALF_SEQ = 0x8000;
const ROC_MODULUS = 0x100000000;
export const REPLAY_WINDOW = 64;

/**
 * The rollover counter v of a packet with sequence number `seq`, given the highest sequence number
 * s_l seen so far with rollover counter `roc` (RFC 3711 Appendix A). A packet from before the
 * first one (v = -1 while ROC is 0) is taken as ROC 0: nothing was sent or received there.
 */
export function guessRoc(roc: number, highestSeq: number, seq: number): number {
  if (highestSeq < HALF_SEQ) {
    if (seq - highestSeq > HALF_SEQ) return roc === 0 ? 0 : roc - 1;
    return roc;
  }
  if (highestSeq - HALF_SEQ > seq) return (roc + 1) % ROC_MODULUS;
  return roc;
}

/** The 48-bit packet index i = 2^16 * ROC + SEQ (a double holds it exactly). */
export function packetIndex(roc: number, seq: number): number {
  return roc * SEQ_MODULUS + seq;
}

/** Per-SSRC state: the highest index so far and, on the receive side, which recent ones were seen. */
export class IndexState {
  /** Highest packet index accepted (sent, or received and authenticated). */
  highest: number;
  /** The context's packet counter when this SSRC last had a packet (for the table's eviction). */
  lastUsed = 0;
  /** seen[i % 64] === i when index i was accepted; -1 when unused. Null on the send side. */
  private readonly seen: Float64Array | null;

  constructor(firstIndex: number, withReplayWindow: boolean) {
    this.highest = firstIndex;
    this.seen = withReplayWindow ? new Float64Array(REPLAY_WINDOW).fill(-1) : null;
    if (this.seen) this.seen[firstIndex % REPLAY_WINDOW] = firstIndex;
  }

  get roc(): number {
    return Math.floor(this.highest / SEQ_MODULUS);
  }

  get highestSeq(): number {
    return this.highest % SEQ_MODULUS;
  }

  /** False for an index too old for the window or already accepted (RFC 3711 §3.3.2). */
  isFresh(index: number): boolean {
    if (index > this.highest) return true;
    if (index <= this.highest - REPLAY_WINDOW) return false;
    return this.seen === null || this.seen[index % REPLAY_WINDOW] !== index;
  }

  /** Records an accepted index (after authentication on the receive side). */
  accept(index: number): void {
    if (this.seen) this.seen[index % REPLAY_WINDOW] = index;
    if (index > this.highest) this.highest = index;
  }
}
