// The loads run against each SFU under test:
//  fan-out: one publisher, N subscribers, a fresh SFU per N (the janus-peer harness found that an
//           SFU kept from a smaller N may still forward to the earlier subscribers); the N=100 run
//           also gives memory per participant, the N=10 run the join latency;
//  mesh:    P participants, each publishing and subscribing to the P-1 others, a fresh SFU per P,
//           P raised until loss >= 1 %, the SFU or the machine saturates, or time runs out.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { FIXTURE } from './bots/replay.js';
import type { SubTotals } from './bots/subscribers.js';
import { ask, cpuMeter, forkTs, round, rssBytes, sleep, stopChild } from './lib/proc.js';
import type { SfuUnderTest } from './sfu/adapter.js';

export interface Sample {
  sfu: string;
  mode: 'fanout' | 'mesh';
  n: number; // subscribers (fan-out) or participants (mesh)
  streamsExpected: number; // audio+video streams the subscribers should be receiving
  streamsSeen: number;
  connected: string; // connected / wanted subscriber connections
  windowS: number;
  rtpPps: number; // RTP packets/s the subscribers received = what the SFU forwarded
  mbps: number;
  lossPct: number | null;
  sfuCpuPct: number; // of one core (all the SFU's threads)
  perCpuS: number | null; // forwarded RTP packets per SFU CPU-second
  botsCpuPct: number; // publisher + subscriber bot processes, of one core
  hostBusyPct: number; // both cores, 100 = all
  otherCpuPct: number; // of one core: busy time not spent by SFU or bots (other work on the machine)
  rssMB?: number; // SFU resident memory (process tree) at the end of the window
  rss0MB?: number; // ... with the publisher only (N=0), before any subscriber joined
  joinMs?: (number | null)[]; // join (admitted) -> first video packet, one per extra join
  joinConnectedMs?: (number | null)[]; // join (admitted) -> the subscriber's connection up (ICE + DTLS)
  joinAnsweredMs?: number[]; // join (admitted) -> the SFU accepted the bot's answer (signalling)
}

export const WARMUP_PUB_MS = 8000; // encoder reaches its bitrate

/** The mesh's publishers replay the recorded fixture (bots/replay.ts) unless KAIGI_BENCH_MESH_PUBLISHER=wrtc. */
export const meshReplay = () => process.env.KAIGI_BENCH_MESH_PUBLISHER !== 'wrtc' && fs.existsSync(FIXTURE);
export const WARMUP_SUB_MS = 4000; // subscribers receive steadily (keyframe requested on join)

/** Receive counters summed over several subscriber processes (two meetings). */
async function totals(subs: ChildProcess[]): Promise<SubTotals> {
  const all = await Promise.all(subs.map((p) => ask<SubTotals>(p, { cmd: 'totals' })));
  const sum = { t: 0, pkts: 0, bytes: 0, expected: 0, rtcp: 0, streams: 0, connected: 0 };
  for (const x of all) {
    sum.t = Math.max(sum.t, x.t);
    sum.pkts += x.pkts;
    sum.bytes += x.bytes;
    sum.expected += x.expected;
    sum.rtcp += x.rtcp;
    sum.streams += x.streams;
    sum.connected += x.connected;
  }
  return sum;
}

export async function measure(pid: number, bots: ChildProcess[], subsOne: ChildProcess | ChildProcess[], windowS: number) {
  const subs = Array.isArray(subsOne) ? subsOne : [subsOne];
  const a = await totals(subs);
  const meter = cpuMeter({ sfu: pid, ...Object.fromEntries(bots.map((b, i) => [`bot${i}`, b.pid])) }, ['sfu']);
  await sleep(windowS * 1000);
  const m = meter();
  const b = await totals(subs);
  const dt = (b.t - a.t) / 1000;
  const rx = b.pkts - a.pkts;
  const expected = b.expected - a.expected;
  const sfuCpu = m.pct.sfu ?? 0;
  const botsCpu = round(bots.reduce((x, _, i) => x + (m.pct[`bot${i}`] ?? 0), 0), 1);
  return {
    b,
    windowS: round(dt, 1),
    rtpPps: Math.round(rx / dt),
    mbps: round((8 * (b.bytes - a.bytes)) / dt / 1e6, 1),
    lossPct: expected > 0 ? round(Math.max(0, (100 * (expected - rx)) / expected), 2) : null,
    sfuCpuPct: sfuCpu,
    perCpuS: sfuCpu > 0 && rx > 0 ? Math.round(rx / dt / (sfuCpu / 100)) : null,
    botsCpuPct: botsCpu,
    hostBusyPct: m.hostBusyPct,
    // The machine is shared: show how much CPU went to things outside this measurement.
    otherCpuPct: round(Math.max(0, os.availableParallelism() * m.hostBusyPct - sfuCpu - botsCpu), 0),
  };
}

export interface FanoutOptions {
  /** Extra subscribers joined one at a time after the window, timing join -> first video packet. */
  latencyJoins?: number;
}

/** One publisher and N subscribers on a fresh SFU. */
export async function fanoutOnce(sfu: SfuUnderTest, n: number, windowS: number, log: (s: string) => void, opts: FanoutOptions = {}): Promise<Sample> {
  const { pid, signal } = await sfu.start();
  const pub = forkTs('bots/main.ts', [], `${sfu.name}-fanout${n}-pub`);
  const subs = forkTs('bots/main.ts', [], `${sfu.name}-fanout${n}-subs`);
  try {
    // The publisher is the meeting's host (Kaigi admits the subscribers through it).
    await ask(pub, { cmd: 'join', signal, names: ['pub-0'], hostName: 'pub-0' });
    const [pubId] = await ask<string[]>(pub, { cmd: 'publish', names: ['pub-0'] }, 60_000);
    await sleep(WARMUP_PUB_MS);
    const rss0 = rssBytes(pid);
    const names = Array.from({ length: n }, (_, i) => `sub-${i}`);
    await ask(subs, { cmd: 'join', signal, names }, 180_000);
    const connected = await ask<number>(subs, { cmd: 'receive', specs: names.map((name) => ({ name, from: [pubId!] })) }, 180_000);
    log(`${sfu.name} fan-out N=${n}: ${connected}/${n} connected`);
    if (connected === 0) throw new Error(`fan-out N=${n}: no subscriber connected (logs/${sfu.name}-fanout${n}-subs.err.log)`);
    await sleep(WARMUP_SUB_MS);
    const { b, ...rest } = await measure(pid, [pub, subs], subs, windowS);
    const sample: Sample = { sfu: sfu.name, mode: 'fanout', n, streamsExpected: 2 * n, streamsSeen: b.streams, connected: `${b.connected}/${n}`, ...rest, rssMB: round(rssBytes(pid) / 2 ** 20, 1), rss0MB: round(rss0 / 2 ** 20, 1) };
    if (opts.latencyJoins) {
      const joins = Array.from({ length: opts.latencyJoins }, (_, i) => `late-${i}`);
      const lat = await ask<{ total: number | null; connected: number | null; answered: number }[]>(subs, { cmd: 'joinLatency', signal, names: joins, from: [pubId!] }, 30_000 * opts.latencyJoins);
      sample.joinMs = lat.map((x) => x.total);
      sample.joinConnectedMs = lat.map((x) => x.connected);
      sample.joinAnsweredMs = lat.map((x) => x.answered);
      log(`${sfu.name} join -> first video (ms): ${sample.joinMs.join(' ')}; -> answered: ${sample.joinAnsweredMs.join(' ')}; -> connected: ${sample.joinConnectedMs.join(' ')}`);
    }
    return sample;
  } finally {
    await Promise.all([stopChild(subs), stopChild(pub)]);
    await sfu.stop();
  }
}

/** One mesh size on a fresh SFU. */
async function meshOnce(sfu: SfuUnderTest, p: number, windowS: number, log: (s: string) => void): Promise<Sample> {
  const { pid, signal } = await sfu.start();
  const bots = forkTs('bots/main.ts', [], `${sfu.name}-mesh${p}`);
  try {
    const names = Array.from({ length: p }, (_, i) => `m${i}`);
    await ask(bots, { cmd: 'join', signal, names, hostName: names[0] }, 120_000);
    const ids = await ask<string[]>(bots, { cmd: 'publish', names, replay: meshReplay() }, 120_000);
    await sleep(WARMUP_PUB_MS);
    // Participant i receives everyone's media but its own.
    const specs = names.map((name, i) => ({ name, from: ids.filter((_, j) => j !== i) }));
    const connected = await ask<number>(bots, { cmd: 'receive', specs }, 120_000);
    log(`${sfu.name} mesh P=${p}: ${connected}/${p} receiving connections`);
    await sleep(WARMUP_SUB_MS);
    const r = await measure(pid, [bots], bots, windowS);
    const { b, ...rest } = r;
    return { sfu: sfu.name, mode: 'mesh', n: p, streamsExpected: 2 * p * (p - 1), streamsSeen: b.streams, connected: `${b.connected}/${p}`, ...rest };
  } finally {
    await stopChild(bots);
    await sfu.stop();
  }
}

export interface MeshResult {
  samples: Sample[];
  largestOk: number | null; // largest P with loss < 1 % and every stream present
  stoppedBecause: string;
}

/** Why a mesh step ends the search, or null when it passed and the next size may be tried. */
function meshVerdict(s: Sample): { ok: boolean; stop: string | null } {
  const ok = s.lossPct !== null && s.lossPct < 1 && s.streamsSeen >= s.streamsExpected;
  if (!ok) return { ok, stop: `P=${s.n}: loss ${s.lossPct ?? '?'} %, streams ${s.streamsSeen}/${s.streamsExpected}` };
  // Saturated: the SFU has the whole machine's work (it may use every core: media workers), or SFU +
  // bots fill the machine (the bots share the cores; other programs' work is shown, not counted).
  const cores = os.availableParallelism();
  if (s.sfuCpuPct >= 90 * cores || s.sfuCpuPct + s.botsCpuPct >= 95 * cores)
    return { ok, stop: `P=${s.n}: CPU saturated (SFU ${s.sfuCpuPct} % of a core, SFU + bots ${round(s.sfuCpuPct + s.botsCpuPct)} %)` };
  return { ok, stop: null };
}

export async function mesh(sfu: SfuUnderTest, ps: number[], windowS: number, deadline: number, log: (s: string) => void): Promise<MeshResult> {
  const samples: Sample[] = [];
  let largestOk: number | null = null;
  let failedAt: number | null = null;
  let stoppedBecause = `reached the largest size tried (P=${ps[ps.length - 1]})`;
  const stepMs = (WARMUP_PUB_MS + WARMUP_SUB_MS + windowS * 1000) * 1.6; // with setup and teardown
  const fits = (p: number) => {
    if (Date.now() + stepMs <= deadline) return true;
    stoppedBecause += `; time budget (P=${p} would not fit)`;
    return false;
  };
  for (const p of ps) {
    if (!fits(p)) break;
    const s = await meshOnce(sfu, p, windowS, log);
    samples.push(s);
    const v = meshVerdict(s);
    if (v.ok) largestOk = p;
    else failedAt = p;
    if (v.stop) {
      stoppedBecause = v.stop;
      break;
    }
  }
  // The steps are coarse: between the last size held and the first that failed, bisect while time allows.
  for (let lo = largestOk ?? 1, hi = failedAt ?? 0; hi - lo > 1; ) {
    const p = Math.floor((lo + hi) / 2);
    if (!fits(p)) break;
    const s = await meshOnce(sfu, p, windowS, log);
    samples.push(s);
    if (meshVerdict(s).ok) largestOk = lo = p;
    else hi = p;
  }
  return { samples: samples.sort((x, y) => x.n - y.n), largestOk, stoppedBecause };
}
