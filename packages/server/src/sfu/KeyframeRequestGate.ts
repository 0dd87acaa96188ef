/** Shortest and longest gap between keyframe requests forwarded for one subscriber. */
const MIN_GAP_MS = 500;
const MAX_GAP_MS = 4000;

/**
 * One subscriber's keyframe requests (PLI). A receiver that lost a packet asks now and then; one
 * that cannot decode what it gets (no E2EE keys, a broken decoder) asks again right after every
 * keyframe, and each request makes every sender encode a costly keyframe. Requests that keep
 * coming soon after the last one double the gap, up to 4 s; a quiet spell resets it.
 */
export class KeyframeRequestGate {
  private gap = MIN_GAP_MS;
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Whether to forward this request to the publisher. */
  allow(): boolean {
    const t = this.now();
    const since = t - this.last;
    if (since < this.gap) return false;
    this.gap = since < this.gap * 3 ? Math.min(this.gap * 2, MAX_GAP_MS) : MIN_GAP_MS;
    this.last = t;
    return true;
  }
}
