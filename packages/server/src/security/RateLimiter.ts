/**
 * Counts attempts per key (an address, an account, a username). A few attempts pass freely;
 * past `freeFailures` within the memory window every further attempt must wait, and the wait
 * doubles with each one up to `maxDelayMs`. In memory: a multi-node deployment moves this
 * to Redis behind the same interface.
 *
 * `attempt` decides and counts in one synchronous step, before the caller awaits anything
 * (a password hash, a database read): many parallel guesses cannot all pass the check before
 * the first of them is counted (B1). A right answer is then forgiven with `succeeded`.
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

  /** Whether an attempt would be allowed now, without counting one (for early refusal only). */
  check(key: string): RateLimitDecision {
    const list = this.recent(key);
    const last = list[list.length - 1];
    if (list.length < this.free || last === undefined) return { allowed: true, retryAfterMs: 0 };
    const delay = Math.min(this.max, this.base * 2 ** (list.length - this.free));
    const wait = last + delay - this.now();
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true, retryAfterMs: 0 };
  }

  /**
   * One attempt under all these keys: refused if any key must wait (then nothing is counted),
   * otherwise counted under every key as a failure until `succeeded` forgives it. Synchronous.
   */
  attempt(...keys: string[]): RateLimitDecision {
    let worst: RateLimitDecision = { allowed: true, retryAfterMs: 0 };
    for (const key of keys) {
      const d = this.check(key);
      if (!d.allowed && d.retryAfterMs > worst.retryAfterMs) worst = d;
    }
    if (!worst.allowed) return worst;
    for (const key of keys) this.fail(key);
    return worst;
  }

  /** The attempt counted by `attempt` under these keys was right: it no longer counts. */
  succeeded(...keys: string[]): void {
    for (const key of keys) {
      const list = this.failures.get(key);
      if (!list) continue;
      list.pop();
      if (list.length === 0) this.failures.delete(key);
    }
  }

  /** Counts a failure outright (where nothing is verified after the decision). */
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

/**
 * The key of a client address for rate limits: an IPv4 address as is, an IPv6 address by its
 * /64 prefix, since one subscriber usually holds a whole /64 and could otherwise make up a
 * fresh address for every guess.
 */
export function addressKey(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4?.[1]) return `ip:${v4[1]}`;
  if (!ip.includes(':')) return `ip:${ip}`;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  const prefix = groups.slice(0, 4).map((g) => (g.replace(/^0+/, '') || '0').toLowerCase());
  return `ip6:${prefix.join(':')}::/64`;
}
