// The soak's short capacity ramp (A6): one publisher (the bench's 640x360 VP8 + Opus bot) and
// receive-only subscribers added ten at a time on one Kaigi server, a short window each, until
// loss reaches 1 %, a stream is missing, the SFU uses 90 % of a core, SFU + bots fill the machine,
// or the largest size allowed is reached. Capacity = the largest N held below all of those.
import os from 'node:os';
import { ask, forkTs, round, sleep, stopChild } from '../lib/proc.js';
import { measure, WARMUP_PUB_MS, WARMUP_SUB_MS } from '../scenarios.js';
import { KaigiSfu } from '../sfu/kaigi/adapter.js';

export interface RampStep {
  n: number;
  lossPct: number | null;
  streams: string;
  sfuCpuPct: number;
  botsCpuPct: number;
  otherCpuPct: number;
}

export interface Capacity {
  /** Largest N held; null when even the first step failed. */
  n: number | null;
  /** Why the ramp stopped; "size limit" means the SFU can take more than was tried. */
  stoppedBecause: string;
  steps: RampStep[];
}

export async function rampCapacity(step: number, maxN: number, windowS: number, log: (s: string) => void): Promise<Capacity> {
  const sfu = new KaigiSfu();
  const { pid, signal } = await sfu.start();
  const pub = forkTs('bots/main.ts', [], 'soak-ramp-pub');
  const subs = forkTs('bots/main.ts', [], 'soak-ramp-subs');
  const steps: RampStep[] = [];
  let n: number | null = null;
  let stoppedBecause = `size limit (N=${maxN}): the SFU may hold more`;
  try {
    await ask(pub, { cmd: 'join', signal, names: ['pub-0'], hostName: 'pub-0' });
    const [pubId] = await ask<string[]>(pub, { cmd: 'publish', names: ['pub-0'] }, 60_000);
    await sleep(WARMUP_PUB_MS);
    for (let have = 0; have + step <= maxN; have += step) {
      const names = Array.from({ length: step }, (_, i) => `sub-${have + i}`);
      await ask(subs, { cmd: 'join', signal, names }, 120_000);
      await ask<number>(subs, { cmd: 'receive', specs: names.map((name) => ({ name, from: [pubId!] })) }, 120_000);
      await sleep(WARMUP_SUB_MS);
      const { b, lossPct, sfuCpuPct, botsCpuPct, otherCpuPct } = await measure(pid, [pub, subs], subs, windowS);
      const s: RampStep = { n: have + step, lossPct, streams: `${b.streams}/${2 * (have + step)}`, sfuCpuPct, botsCpuPct, otherCpuPct };
      steps.push(s);
      log(`ramp N=${s.n}: loss ${s.lossPct} %, streams ${s.streams}, SFU ${s.sfuCpuPct} % of a core, bots ${s.botsCpuPct} %, other ${s.otherCpuPct} %`);
      const why = stopReason(s, b.streams);
      if (why) {
        stoppedBecause = why;
        break;
      }
      n = s.n;
    }
    return { n, stoppedBecause, steps };
  } finally {
    await Promise.all([stopChild(subs), stopChild(pub)]);
    await sfu.stop();
  }
}

function stopReason(s: RampStep, streams: number): string | null {
  if (s.lossPct === null || s.lossPct >= 1) return `N=${s.n}: loss ${s.lossPct ?? '?'} %`;
  if (streams < 2 * s.n) return `N=${s.n}: streams ${s.streams}`;
  if (s.sfuCpuPct >= 90) return `N=${s.n}: SFU at ${s.sfuCpuPct} % of a core`;
  if (s.sfuCpuPct + s.botsCpuPct >= 95 * os.availableParallelism()) return `N=${s.n}: SFU + bots fill the machine (${round(s.sfuCpuPct + s.botsCpuPct)} %)`;
  return null;
}
