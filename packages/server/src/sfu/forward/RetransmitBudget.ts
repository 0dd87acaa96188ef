/** Retransmissions one subscriber may get per second, in the long run. */
export const RETRANSMIT_PER_SECOND = 200;
/** And at once, after a quiet spell. */
export const RETRANSMIT_BURST = 64;

/**
 * A token bucket over the retransmissions of one Consumer: a NACK flood (a broken or hostile
 * receiver asking for everything again and again) gets at most RETRANSMIT_PER_SECOND packets a
 * second, so it cannot turn the SFU into an amplifier. 200/s is far above what loss recovery
 * needs (5 % loss of a 250 packets/s layer is ~12/s).
 */
export class RetransmitBudget {
  private tokens = RETRANSMIT_BURST;
  private at: number;

  constructor(private readonly now: () => number = Date.now) {
    this.at = now();
  }

  /** Takes one retransmission from the budget; false when it is spent. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(RETRANSMIT_BURST, this.tokens + ((t - this.at) * RETRANSMIT_PER_SECOND) / 1000);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
