// `npm run bench:sfu`: the SFU forwarding bench (issue 15, item 4). One run prints, side by side:
//  1. the relay ceiling (plain Node UDP relay, AES-128-GCM decrypt once + encrypt per output, fan-out 10),
//  2. per SFU (werift reference, Janus, Kaigi), 1 publisher and N = 10, 40, 100 subscribers, a fresh
//     SFU per N: RTP packets per SFU CPU-second, loss, memory per participant, join -> first video,
//  3. two meetings on one Kaigi server against one,
//  4. the largest all-to-all meeting (mesh) held with < 1 % loss, per SFU,
//  5. ratios Kaigi/Janus and Kaigi/relay, and the issue's goals with the measured value of each.
// An SFU that cannot run says why ("n/a (...)"), never an invented number. Everything binds 127.0.0.1
// inside a loopback-only network namespace; the bench installs Debian's janus when missing (before
// it enters the namespace, which has no network), re-executes itself under `unshare -n`, stops by
// itself (watchdog) and ends every process it started.
// Environment (for partial runs while developing; the defaults are the full bench):
//   KAIGI_BENCH_SFUS=werift-ref,janus,kaigi   KAIGI_BENCH_FANOUT=10,40,100
//   KAIGI_BENCH_STEPS=relay,fanout,meetings,mesh   KAIGI_BENCH_MEETING_N=60   KAIGI_BENCH_MESH_SFUS=janus,kaigi
//   KAIGI_BENCH_MESH_MAX=30 (largest mesh tried)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { twoMeetings } from './meetings.js';
import { runRelay } from './relay/run.js';
import { killAllNow, stopAll } from './lib/proc.js';
import { goalsTable, ratiosTable, relayTable, sampleTable, summaries, summaryTable, type BenchResult } from './report.js';
import { fanoutOnce, mesh, meshReplay, type Sample } from './scenarios.js';
import { sfusUnderTest, type SfuUnderTest } from './sfu/adapter.js';
import { janusBinary } from './sfu/janus/adapter.js';
import type { KaigiSfu } from './sfu/kaigi/adapter.js';

const TOTAL_MS = 19 * 60_000; // the whole bench, including the mesh search (the brief: ~20 minutes)
const HARD_STOP_MS = TOTAL_MS + 90_000; // watchdog if a step hangs past its own timeouts
const list = (v: string | undefined, d: string) => (v ?? d).split(',').map((x) => x.trim()).filter(Boolean);
const FANOUT_NS = list(process.env.KAIGI_BENCH_FANOUT, '10,40,100').map(Number);
const STEPS = new Set(list(process.env.KAIGI_BENCH_STEPS, 'relay,fanout,meetings,mesh'));
const SFUS = new Set(list(process.env.KAIGI_BENCH_SFUS, 'werift-ref,janus,kaigi'));
// The mesh search is long; the goal is Kaigi's, with Janus as the peer (the werift reference only on request).
const MESH_SFUS = new Set(list(process.env.KAIGI_BENCH_MESH_SFUS, 'janus,kaigi'));
const MEETING_N = Number(process.env.KAIGI_BENCH_MEETING_N ?? 60);
const LATENCY_JOINS = 20; // join -> first video, p50/p95 over 20 joins (issue 15)
const MESH_PS = [4, 8, 12, 16, 20, 25, 30].filter((p) => p <= Number(process.env.KAIGI_BENCH_MESH_MAX ?? 30));
const WINDOW_S = 10;
const OTHER_WARN_PCT = 20; // of one core: above this, foreign load disturbs the numbers

/** Installs Debian's janus when missing, as scripts/test-all.sh installs Chromium (needs the network). */
function ensureJanus(): void {
  if (!SFUS.has('janus') || janusBinary()) return;
  console.error('bench: installing Debian janus (apt-get), before entering the loopback-only namespace');
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) => spawnSync(asRoot[0] ?? args[0]!, asRoot.length ? args : args.slice(1), { stdio: 'inherit', env }).status === 0;
  if (!run(['apt-get', 'install', '-y', '-qq', 'janus'])) {
    run(['apt-get', 'update', '-qq']);
    if (!run(['apt-get', 'install', '-y', '-qq', 'janus'])) console.error('bench: could not install janus; it will be reported as not available');
  }
}

function isolated(): boolean {
  const r = spawnSync('ip', ['-o', 'addr'], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  const ifaces = new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[1]));
  return ifaces.size === 1 && ifaces.has('lo');
}

// Re-exec inside a fresh network namespace with only loopback (needs root, as the bench runs).
if (!isolated()) {
  if (!process.env.KAIGI_BENCH_UNSHARED) ensureJanus();
  if (process.env.KAIGI_BENCH_UNSHARED) {
    console.error('bench: still not in a loopback-only namespace after unshare; refusing to run');
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...process.execArgv, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, KAIGI_BENCH_UNSHARED: '1' },
  });
  process.exit(r.status ?? 1);
}

const t0 = Date.now();
const deadline = t0 + TOTAL_MS;
const log = (s: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`);
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
setTimeout(() => {
  console.error('bench: hard deadline reached, killing every child');
  process.exit(3);
}, HARD_STOP_MS).unref();

/** Fan-out at every N on a fresh SFU; the first N also times LATENCY_JOINS joins. */
async function fanoutAll(s: SfuUnderTest, fan: Sample[]): Promise<void> {
  for (const [i, n] of FANOUT_NS.entries()) {
    log(`${s.name}: fan-out N=${n}`);
    fan.push(await fanoutOnce(s, n, WINDOW_S, log, i === 0 ? { latencyJoins: LATENCY_JOINS } : {}));
  }
}

async function main() {
  const cores = (await import('node:os')).availableParallelism();
  const r: BenchResult = { relay: [], fan: [], meshes: {}, meetings: null, unavailable: {}, fanoutNs: FANOUT_NS };
  if (STEPS.has('relay')) {
    log('relay ceiling');
    r.relay = await runRelay([
      { step: 'paced', inPps: 3000, seconds: 8 }, // 30k out pps: under one core, loss should be ~0
      { step: 'flood', inPps: 15000, seconds: 6 }, // more than one core can relay: the absolute maximum
    ]);
  }
  const runnable = (await sfusUnderTest()).filter((s) => {
    if (!SFUS.has(s.name)) return false;
    const why = s.unavailable();
    if (why) r.unavailable[s.name] = why;
    return !why;
  });
  // An SFU that fails to start or to connect the bots is reported as such, never with a number.
  const failed = async (s: { name: string; stop(): Promise<void> }, key: string, e: unknown) => {
    r.unavailable[key] = `failed: ${String((e as Error)?.message ?? e).slice(0, 300)}`;
    log(`${key}: ${r.unavailable[key]}`);
    await s.stop();
  };
  if (STEPS.has('fanout'))
    for (const s of [...runnable]) {
      try {
        await fanoutAll(s, r.fan);
      } catch (e) {
        await failed(s, s.name, e);
        runnable.splice(runnable.indexOf(s), 1);
      }
    }
  const kaigi = runnable.find((s) => s.name === 'kaigi') as KaigiSfu | undefined;
  if (STEPS.has('meetings') && kaigi) {
    log(`kaigi: two meetings of ${MEETING_N} subscribers against one`);
    try {
      r.meetings = await twoMeetings(kaigi, MEETING_N, WINDOW_S, log);
    } catch (e) {
      await failed(kaigi, 'kaigi-2-meetings', e);
    }
  } else if (STEPS.has('meetings')) r.unavailable['kaigi-2-meetings'] = 'kaigi not available';
  // The mesh search gets what is left of the budget, shared evenly between the SFUs.
  const meshing = runnable.filter((s) => MESH_SFUS.has(s.name));
  if (STEPS.has('mesh'))
    for (const [i, s] of meshing.entries()) {
      const share = (deadline - Date.now()) / (meshing.length - i);
      log(`${s.name}: mesh, up to ${Math.round(share / 1000)} s`);
      try {
        r.meshes[s.name] = await mesh(s, MESH_PS, 8, Date.now() + share, log);
      } catch (e) {
        await failed(s, `${s.name}-mesh`, e);
      }
    }
  report(r, cores);
}

function report(r: BenchResult, cores: number): void {
  if (r.relay.length) relayTable(r.relay);
  sampleTable('Fan-out: 1 publisher (@roamhq/wrtc, 640x360 VP8 ~1.5 Mbit/s + Opus, single layer), N receive-only subscribers, fresh SFU per N', r.fan);
  if (r.meetings) sampleTable('Two meetings on one Kaigi server (N subscribers each) against one', [r.meetings.one, r.meetings.two]);
  if (r.meetings) console.log(`kaigi, two meetings: busiest SFU threads (% of a core): ${r.meetings.threads.map((t) => `${t.thread} ${t.pct}`).join(', ')}`);
  const pubs = meshReplay() ? 'replayed fixture (bots/replay.ts), one VP8 layer' : '@roamhq/wrtc encoders, one layer';
  sampleTable(`Mesh: P participants, each publishes 360p video + audio (${pubs}) and receives all others`, Object.values(r.meshes).flatMap((m) => m.samples));
  for (const [name, m] of Object.entries(r.meshes)) console.log(`${name}: largest mesh with < 1 % loss: ${m.largestOk ?? 'none'} participants (stopped: ${m.stoppedBecause})`);
  for (const [name, why] of Object.entries(r.unavailable)) console.log(`${name}: not available (${why})`);
  const sums = summaries(r);
  summaryTable(sums);
  const paced = r.relay.find((x) => x.step === 'paced')?.outPerCpuS ?? null;
  const ratios = ratiosTable(r, paced);
  goalsTable(r, sums, ratios);
  // Other programs' CPU on this shared 2-core machine starves the SFU and the bots alike.
  const busy = [...r.relay.map((x) => x.otherCpuPct), ...r.fan.map((x) => x.otherCpuPct), ...Object.values(r.meshes).flatMap((m) => m.samples.map((x) => x.otherCpuPct))];
  const worst = Math.max(0, ...busy);
  if (worst > OTHER_WARN_PCT)
    console.log(`WARNING: other programs used up to ${worst} % of a core during measurements (column other%): rows with high other% are disturbed; rerun on a quiet machine.`);
  console.log(JSON.stringify({ bench: 'kaigi-sfu', startedAt: new Date(t0).toISOString(), cores, ...r, summaries: sums, ratios, maxOtherCpuPct: worst, elapsedS: Math.round((Date.now() - t0) / 1000) }));
}

try {
  await main();
} catch (e) {
  console.error('bench failed:', e);
  process.exitCode = 1;
} finally {
  await stopAll();
}
process.exit();
