// Two meetings on one Kaigi server (issue 15, goal: "with two meetings on this 2-core machine,
// total forwarded packets per second >= 1.8x one meeting's (both cores used)").
// One server; meeting A (1 publisher + N subscribers) is measured alone, then meeting B (the same
// load) joins and both are measured together. The ratio only says something about cores when one
// meeting already saturates what one core can forward (loss, or SFU CPU near 100 % of a core):
// below that, the SFU forwards all it is given and two meetings are 2x by construction. The row
// prints the SFU's CPU (process tree, of one core; above 100 = more than one core) and the loss so
// the reader can tell which case was measured, and the SFU's busiest threads with two meetings: two
// busy media threads (or processes) mean both cores are used, whatever the load.
import type { ChildProcess } from 'node:child_process';
import { ask, forkTs, sleep, stopChild, threadMeter } from './lib/proc.js';
import { measure, WARMUP_PUB_MS, WARMUP_SUB_MS, type Sample } from './scenarios.js';
import type { SignalConfig } from './sfu/adapter.js';
import type { KaigiSfu } from './sfu/kaigi/adapter.js';

export interface TwoMeetings {
  one: Sample;
  two: Sample;
  ratio: number | null; // forwarded pps, two meetings / one
  /** The SFU's busiest threads with two meetings (% of a core each): one core or several? */
  threads: { thread: string; pct: number }[];
}

/** Starts one meeting's publisher and N subscribers in two bot processes; returns them. */
async function meeting(signal: SignalConfig, tag: string, n: number, log: (s: string) => void): Promise<ChildProcess[]> {
  const pub = forkTs('bots/main.ts', [], `kaigi-meetings-${tag}-pub`);
  const subs = forkTs('bots/main.ts', [], `kaigi-meetings-${tag}-subs`);
  const host = `${tag}-pub`;
  await ask(pub, { cmd: 'join', signal, names: [host], hostName: host });
  const [pubId] = await ask<string[]>(pub, { cmd: 'publish', names: [host] }, 60_000);
  await sleep(WARMUP_PUB_MS);
  const names = Array.from({ length: n }, (_, i) => `${tag}-sub-${i}`);
  await ask(subs, { cmd: 'join', signal, names }, 180_000);
  const connected = await ask<number>(subs, { cmd: 'receive', specs: names.map((name) => ({ name, from: [pubId!] })) }, 180_000);
  log(`kaigi meeting ${tag}: ${connected}/${n} subscribers connected`);
  await sleep(WARMUP_SUB_MS);
  return [pub, subs];
}

export async function twoMeetings(sfu: KaigiSfu, n: number, windowS: number, log: (s: string) => void): Promise<TwoMeetings> {
  const { pid, signal } = await sfu.start();
  const bots: ChildProcess[] = [];
  try {
    const a = await meeting(signal, 'A', n, log);
    bots.push(...a);
    const { b: b1, ...r1 } = await measure(pid, bots, a[1]!, windowS);
    const one: Sample = { sfu: 'kaigi 1 mtg', mode: 'fanout', n, streamsExpected: 2 * n, streamsSeen: b1.streams, connected: `${b1.connected}/${n}`, ...r1 };
    const b = await meeting(await sfu.addMeeting(), 'B', n, log);
    bots.push(...b);
    const threads = threadMeter(pid);
    const { b: b2, ...r2 } = await measure(pid, bots, [a[1]!, b[1]!], windowS);
    const busiest = threads();
    const two: Sample = { sfu: 'kaigi 2 mtgs', mode: 'fanout', n: 2 * n, streamsExpected: 4 * n, streamsSeen: b2.streams, connected: `${b2.connected}/${2 * n}`, ...r2 };
    const ratio = one.rtpPps > 0 ? Math.round((100 * two.rtpPps) / one.rtpPps) / 100 : null;
    return { one, two, ratio, threads: busiest };
  } finally {
    await Promise.all(bots.map((p) => stopChild(p)));
    await sfu.stop();
  }
}
