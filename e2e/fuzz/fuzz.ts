import { pathToFileURL } from 'node:url';
import { MemoryWatch, MiB, guardProcess, short, type Failure } from './checks.js';
import { runHttpLane } from './httpLane.js';
import { startInProcessServer } from './server.js';
import { Known } from './known.js';
import { runWsLane, type LaneContext } from './wsLane.js';

// The fuzzer (B1, H4): generated and mutated signalling frames and HTTP bodies against a Kaigi
// server built in this process. The run fails on a crash, an unhandled rejection, an answer
// that is not a known error code or a valid success shape, an answer too large, or memory that
// keeps growing after the warm-up. Each failure carries the seed and the input that caused it.

export interface FuzzOptions {
  /** Signalling frames plus HTTP requests to send in all. */
  count: number;
  /** First seed; each session and request takes the next one, so a run is reproducible. */
  seed: number;
  /** Share of the count sent as HTTP requests (the rest as signalling frames). */
  httpShare: number;
  /** Signalling lanes at once: each is one connection at a time, from its own address. */
  wsLanes: number;
  /** Longest signalling session in frames; past the first burst, sessions go at the server's sustained rate. */
  maxSessionLength: number;
  httpLanes: number;
  /** Growth of heapUsed after the warm-up beyond which the run fails. */
  maxHeapGrowthMiB: number;
  /** Peak RSS beyond which the run fails. */
  maxRssMiB: number;
  /** Progress lines on stderr. */
  progress: boolean;
  /** Stop taking new messages after this many seconds (a long run cut to the time there is); 0: no limit. */
  maxSeconds: number;
}

export interface FuzzResult {
  frames: number;
  requests: number;
  answers: number;
  /** Answers that said RATE_LIMITED: a high share means the lanes outran the server's limits. */
  rateLimited: number;
  seconds: number;
  perSecond: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  heapGrowthMiB: number;
  failures: Failure[];
  /** The time limit ended the run before the count was reached. */
  cut: boolean;
  /** Failures by problem, with how many times each was seen. */
  summary: Map<string, number>;
}

export const DEFAULTS: FuzzOptions = {
  count: 20_000,
  seed: 1,
  httpShare: 0.25,
  wsLanes: 64,
  maxSessionLength: 58,
  httpLanes: 2,
  maxHeapGrowthMiB: 256,
  maxRssMiB: 1536,
  progress: false,
  maxSeconds: 0,
};

/** A counter of messages that lanes draw from. */
class Budget {
  taken = 0;
  constructor(
    private readonly total: number,
    private readonly deadline: number,
  ) {}
  take(n: number): number {
    if (performance.now() > this.deadline) return 0;
    const k = Math.max(0, Math.min(n, this.total - this.taken));
    this.taken += k;
    return k;
  }
  giveBack(n: number): void {
    this.taken -= n;
  }
  remaining(): number {
    if (performance.now() > this.deadline) return 0;
    return this.total - this.taken;
  }
}

function addressCounter(): () => string {
  // 127.1.0.0/16: a fresh loopback source address per connection (the server caps each at 64).
  let n = 0;
  return () => {
    n = (n + 1) % 65_024;
    return `127.1.${Math.floor(n / 254)}.${(n % 254) + 1}`;
  };
}

export async function runFuzz(partial: Partial<FuzzOptions> = {}): Promise<FuzzResult> {
  const o = { ...DEFAULTS, ...partial };
  const failures: Failure[] = [];
  const summary = new Map<string, number>();
  const fail = (f: Failure) => {
    const key = `${f.where}: ${f.problem.replace(/\d+ bytes/, 'N bytes')}`;
    summary.set(key, (summary.get(key) ?? 0) + 1);
    // The first few of each kind are kept whole; the rest only counted.
    if ((summary.get(key) ?? 0) <= 3) failures.push(f);
  };
  const unguard = guardProcess(fail);
  const memory = new MemoryWatch();
  const server = await startInProcessServer();
  let seed = o.seed;
  const seeds = () => seed++;
  const deadline = o.maxSeconds > 0 ? performance.now() + o.maxSeconds * 1000 : Infinity;
  const httpBudget = new Budget(Math.round(o.count * o.httpShare), deadline);
  const wsBudget = new Budget(o.count - Math.round(o.count * o.httpShare), deadline);
  let answers = 0;
  let rateLimited = 0;
  const lane: LaneContext = {
    url: server.url,
    token: server.token,
    known: new Known(server.wsMeetings),
    maxSessionLength: o.maxSessionLength,
    take: (n) => wsBudget.take(n),
    giveBack: (n) => wsBudget.giveBack(n),
    remaining: () => wsBudget.remaining(),
    nextAddress: addressCounter(),
    fail,
    answered: (limited) => {
      answers++;
      if (limited) rateLimited++;
    },
  };
  const started = performance.now();
  const warmUpAt = Math.round(o.count * 0.1);
  let ticks = 0;
  const ticker = setInterval(() => {
    const done = httpBudget.taken + wsBudget.taken;
    if (done >= warmUpAt) warmUp();
    if (o.progress && ++ticks % 10 === 0) process.stderr.write(`fuzz: ${done}/${o.count}, ${Math.round(done / ((performance.now() - started) / 1000))}/s, rss ${Math.round(process.memoryUsage().rss / MiB)} MiB\n`);
  }, 1000);
  let warm = false;
  const warmUp = () => {
    if (warm) return;
    warm = true;
    global.gc?.();
    memory.warmedUp();
  };
  // A lane that throws is a fault of the fuzzer itself: it fails the run, the other lanes go on.
  const guarded = (p: Promise<void>) =>
    p.catch((err: unknown) => fail({ where: 'process', problem: 'a fuzz lane threw', input: '', answer: short(err instanceof Error ? (err.stack ?? err.message) : String(err), 2000) }));
  try {
    await Promise.all([
      ...Array.from({ length: o.wsLanes }, () => guarded(runWsLane(lane, seeds))),
      ...Array.from({ length: o.httpLanes }, () => guarded(runHttpLane({ server, take: (n) => httpBudget.take(n), fail }, seeds))),
    ]);
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  global.gc?.();
  memory.stop();
  await server.close();
  unguard();
  const growth = memory.growth();
  if (growth.heap > o.maxHeapGrowthMiB * MiB) fail({ where: 'memory', problem: `heapUsed grew by ${Math.round(growth.heap / MiB)} MiB after the warm-up`, input: '', answer: '' });
  if (memory.peakRss > o.maxRssMiB * MiB) fail({ where: 'memory', problem: `peak RSS ${Math.round(memory.peakRss / MiB)} MiB`, input: '', answer: '' });
  const sent = httpBudget.taken + wsBudget.taken;
  return {
    frames: wsBudget.taken,
    requests: httpBudget.taken,
    answers,
    rateLimited,
    cut: sent < o.count,
    seconds,
    perSecond: sent / seconds,
    peakRssMiB: memory.peakRss / MiB,
    peakHeapMiB: memory.peakHeap / MiB,
    heapGrowthMiB: growth.heap / MiB,
    failures,
    summary,
  };
}

export function formatResult(r: FuzzResult): string {
  const lines = [
    `fuzz: ${r.frames} signalling frames + ${r.requests} HTTP requests${r.cut ? ' (cut short by FUZZ_SECONDS)' : ''} in ${r.seconds.toFixed(1)} s: ${Math.round(r.perSecond)} messages/s`,
    `fuzz: ${r.answers} signalling answers (${r.rateLimited} RATE_LIMITED); peak RSS ${r.peakRssMiB.toFixed(0)} MiB, peak heapUsed ${r.peakHeapMiB.toFixed(0)} MiB, heap growth after warm-up ${r.heapGrowthMiB.toFixed(0)} MiB`,
  ];
  if (r.summary.size === 0) lines.push('fuzz: no failures');
  for (const [k, n] of r.summary) lines.push(`FAIL ×${n} ${k}`);
  for (const f of r.failures) lines.push(`  - [${f.where}] ${f.problem}\n    input: ${short(f.input, 1500)}\n    answer: ${short(f.answer, 800)}`);
  return lines.join('\n');
}

function optionsFromCommandLine(): Partial<FuzzOptions> {
  const arg = process.argv[2];
  const count = Number(arg ?? process.env.FUZZ_COUNT ?? 1_000_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  if (!Number.isInteger(count) || count <= 0) throw new Error(`usage: fuzz.ts [count] (FUZZ_COUNT, FUZZ_SEED, FUZZ_LANES, FUZZ_SESSION); got ${arg}`);
  // Measured on a busy 2-core machine: fresh connections sending one burst each went fastest;
  // longer sessions (paced at the sustained rate) reach the per-connection state deeper.
  const wsLanes = Number(process.env.FUZZ_LANES ?? DEFAULTS.wsLanes);
  const maxSessionLength = Number(process.env.FUZZ_SESSION ?? DEFAULTS.maxSessionLength);
  const httpShare = Number(process.env.FUZZ_HTTP_SHARE ?? DEFAULTS.httpShare);
  const maxSeconds = Number(process.env.FUZZ_SECONDS ?? 0);
  return { count, seed, wsLanes, maxSessionLength, httpShare, maxSeconds, progress: true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const opts = optionsFromCommandLine();
  process.stderr.write(`fuzz: ${opts.count} messages, seed ${opts.seed}\n`);
  const r = await runFuzz(opts);
  process.stdout.write(`${formatResult(r)}\n`);
  process.exit(r.summary.size === 0 ? 0 : 1);
}
