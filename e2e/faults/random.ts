// A seeded random source for the fault runs: the same seed gives the same lifecycles killed, at
// the same operations, after the same fractions of each operation's usual duration.
import { randomInt } from 'node:crypto';

export interface Random {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** k distinct integers of [0, n), in increasing order. */
  sample(n: number, k: number): number[];
}

/** mulberry32: small and good enough to choose kill points; not for anything secret. */
export function seeded(seed: number = randomInt(2 ** 31)): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    sample(n, k) {
      // Partial Fisher-Yates over the indexes.
      const idx = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < Math.min(k, n); i++) {
        const j = i + int(n - i);
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      return idx.slice(0, Math.min(k, n)).sort((x, y) => x - y);
    },
  };
}
