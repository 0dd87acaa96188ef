/**
 * Counts failures per key (an address, a meeting, a username). A few failures pass freely;
 * past `freeFailures` within the memory window every further attempt must wait, and the wait
 * doubles with each failure up to `maxDelayMs`. In memory: a multi-node deployment moves this
 * to Redis behind the same interface.
 */
export interface RateLimitDecision {
  allowed: boolean;
  retryAfterMs: number;
}

export interface RateLimiterOptions {
  freeFailures: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  memoryMs?: number;
  now?: () => number;
}

export class RateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly free: number;
  private readonly base: number;
  private readonly max: number;
  private readonly memory: number;
  private readonly now: () => number;

  constructor(opts: RateLimiterOptions) {
    this.free = opts.freeFailures;
    this.base = opts.baseDelayMs ?? 2_000;
    this.max = opts.maxDelayMs ?? 15 * 60_000;
    this.memory = opts.memoryMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  check(key: string): RateLimitDecision {
    const list = this.recent(key);
    const last = list[list.length - 1];
    if (list.length < this.free || last === undefined) return { allowed: true, retryAfterMs: 0 };
    const delay = Math.min(this.max, this.base * 2 ** (list.length - this.free));
    const wait = last + delay - this.now();
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true, retryAfterMs: 0 };
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    // Bounded: beyond this many the delay is at its maximum anyway.
    if (list.length > 64) list.shift();
    this.failures.set(key, list);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  /** Drops keys whose failures have all expired; call now and then. */
  sweep(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.memory;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}
