// `npm run soak` (A6, D5): holds one Kaigi meeting at about 80 % of the SFU's capacity, measured
// first in the same run with a short ramp (soak/capacity.ts), for 10 minutes, and prints the
// packet loss and the server's memory growth after warm-up (RSS, and V8 heap after a full GC).
// Goals: < 1 % loss, < 5 % memory growth. Exit status 1 when a goal is missed.
// Options (arguments or environment):
//   --minutes=M   KAIGI_SOAK_MINUTES   soak length (default 10)
//   --warmup=S    KAIGI_SOAK_WARMUP_S  warm-up before the memory baseline (default 60)
//   --n=N         KAIGI_SOAK_N         subscribers, skipping the ramp (default: 80 % of capacity)
//   --ramp-max=N  KAIGI_SOAK_RAMP_MAX  largest ramp step (default 100)
//   KAIGI_SOAK_SNAPSHOTS=DIR  a heap snapshot of the server at the end, in DIR (only there: the
//                             seconds it stops the server break its media connections)
// Same bots as `npm run bench:sfu` (one publisher, 640x360 VP8 ~1.5 Mbit/s + Opus; node-datachannel
// subscribers counting RTP by sequence number), in a loopback-only network namespace.
import { fileURLToPath } from 'node:url';
import { isolateOrReexec } from './lib/netns.js';
import { ask, forkTs, killAllNow, sleep, stopAll, stopChild } from './lib/proc.js';
import type { SubTotals } from './bots/subscribers.js';
import { measure, WARMUP_PUB_MS, WARMUP_SUB_MS } from './scenarios.js';
import { KaigiSfu } from './sfu/kaigi/adapter.js';
import { rampCapacity } from './soak/capacity.js';
import { growthPct, mb, memoryProbe, type MemSample } from './soak/memory.js';

isolateOrReexec(fileURLToPath(import.meta.url));

function option(name: string, env: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg?.slice(name.length + 3) ?? process.env[env];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} / ${env} must be a positive number, got ${raw}`);
  return v;
}

const MINUTES = option('minutes', 'KAIGI_SOAK_MINUTES', 10);
const WARMUP_S = option('warmup', 'KAIGI_SOAK_WARMUP_S', 60);
const RAMP_MAX = option('ramp-max', 'KAIGI_SOAK_RAMP_MAX', 100);
const FIXED_N = process.argv.some((a) => a.startsWith('--n=')) || process.env.KAIGI_SOAK_N ? option('n', 'KAIGI_SOAK_N', 1) : null;
const SHARE = 0.8;
const LOSS_GOAL_PCT = 1;
const GROWTH_GOAL_PCT = 5;

const t0 = Date.now();
const log = (s: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
// Watchdog: ramp (a few minutes) + warm-up + soak, with room for slow joins on a busy machine.
setTimeout(() => {
  console.error('soak: hard deadline reached, killing every child');
  process.exit(3);
}, (MINUTES * 60 + WARMUP_S + 600) * 1000).unref();

const memLine = (m: MemSample) => `RSS ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} MB (after GC), external ${mb(m.external)} MB`;

async function soak(n: number): Promise<boolean> {
  const probe = memoryProbe();
  const sfu = new KaigiSfu({ nodeArgs: probe.nodeArgs, env: probe.env });
  const { pid, signal } = await sfu.start();
  const pub = forkTs('bots/main.ts', [], 'soak-pub');
  const subs = forkTs('bots/main.ts', [], 'soak-subs');
  try {
    await ask(pub, { cmd: 'join', signal, names: ['pub-0'], hostName: 'pub-0' });
    const [pubId] = await ask<string[]>(pub, { cmd: 'publish', names: ['pub-0'] }, 60_000);
    await sleep(WARMUP_PUB_MS);
    const names = Array.from({ length: n }, (_, i) => `sub-${i}`);
    await ask(subs, { cmd: 'join', signal, names }, 300_000);
    const connected = await ask<number>(subs, { cmd: 'receive', specs: names.map((name) => ({ name, from: [pubId!] })) }, 300_000);
    log(`soak: ${connected}/${n} subscribers receiving; warm-up ${WARMUP_S} s`);
    await sleep(WARMUP_SUB_MS + WARMUP_S * 1000);
    const snapshots = process.env.KAIGI_SOAK_SNAPSHOTS;
    const base = await probe.read(pid);
    const first = await ask<SubTotals>(subs, { cmd: 'totals' });
    log(`after warm-up: ${memLine(base)}`);
    const start = Date.now();
    const end = start + MINUTES * 60_000;
    const windowS = Math.min(60, MINUTES * 6);
    while (Date.now() + 1000 < end) {
      const w = await measure(pid, [pub, subs], subs, Math.min(windowS, (end - Date.now()) / 1000));
      const m = await probe.read(pid);
      log(`soak ${((Date.now() - start) / 60_000).toFixed(1)} min: loss ${w.lossPct} %, ${w.rtpPps} pps, streams ${w.b.streams}/${2 * n}, SFU ${w.sfuCpuPct} % of a core, bots ${w.botsCpuPct} %, other ${w.otherCpuPct} %, ${memLine(m)}`);
    }
    const last = await ask<SubTotals>(subs, { cmd: 'totals' });
    const final = await probe.read(pid, snapshots);
    const expected = last.expected - first.expected;
    const lossPct = expected > 0 ? Math.round((10000 * Math.max(0, expected - (last.pkts - first.pkts))) / expected) / 100 : null;
    const rss = growthPct(base.rss, final.rss);
    const heap = growthPct(base.heapUsed, final.heapUsed);
    console.log(`\n== soak: ${n} subscribers of 1 publisher (640x360 VP8 + Opus), ${MINUTES} min after ${WARMUP_S} s warm-up`);
    console.log(`loss: ${lossPct ?? 'n/a'} % (${last.pkts - first.pkts} of ${expected} RTP packets; goal < ${LOSS_GOAL_PCT} %); receiving at the end ${last.connected}/${n}, streams ${last.streams}/${2 * n}`);
    console.log(`memory after warm-up: ${memLine(base)}`);
    console.log(`memory at the end:    ${memLine(final)}`);
    console.log(`memory growth: RSS ${rss} %, heap ${heap} % (goal < ${GROWTH_GOAL_PCT} %)`);
    const ok = lossPct !== null && lossPct < LOSS_GOAL_PCT && rss < GROWTH_GOAL_PCT && heap < GROWTH_GOAL_PCT && last.streams >= 2 * n;
    console.log(`soak goals: ${ok ? 'met' : 'MISSED'}`);
    return ok;
  } finally {
    await Promise.all([stopChild(subs), stopChild(pub)]);
    await sfu.stop();
  }
}

async function main(): Promise<number> {
  let n = FIXED_N;
  if (n === null) {
    log(`capacity ramp: +10 subscribers a step, up to ${RAMP_MAX}`);
    const cap = await rampCapacity(10, RAMP_MAX, 5, log);
    console.log(`capacity: ${cap.n ?? 'none'} subscribers (ramp stopped: ${cap.stoppedBecause})`);
    if (cap.n === null) return 1;
    n = Math.max(1, Math.round(cap.n * SHARE));
    console.log(`soak load: ${n} subscribers = ${Math.round(SHARE * 100)} % of ${cap.n}`);
  }
  return (await soak(n)) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error('soak failed:', e);
  process.exitCode = 1;
} finally {
  await stopAll();
}
process.exit();
