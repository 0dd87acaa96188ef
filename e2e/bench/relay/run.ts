// Drives the relay ceiling: one relay, one sender, one receivers process; two steps, a paced one
// (well under one core, so loss should be ~0 and packets per CPU-second is the per-packet cost)
// and a flood (the most the relay sends per second when it has a whole core).
import os from 'node:os';
import { ask, cpuMeter, forkTs, round, sleep, stopChild } from '../lib/proc.js';

export interface RelayStep {
  step: string;
  inPpsTarget: number;
  seconds: number;
  relayCpuPct: number;
  outPps: number;
  outPerCpuS: number;
  lossPct: number;
  hostBusyPct: number;
  otherCpuPct: number; // of one core: busy CPU not spent by relay, sender or receivers
}

const FANOUT = 10;

export async function runRelay(steps: { step: string; inPps: number; seconds: number }[]): Promise<RelayStep[]> {
  const relay = forkTs('relay/node.ts', ['relay'], 'relay');
  const recv = forkTs('relay/node.ts', ['receivers'], 'relay-receivers');
  const send = forkTs('relay/node.ts', ['sender'], 'relay-sender');
  try {
    const port = await ask<number>(relay, { cmd: 'port' });
    const ports = await ask<number[]>(recv, { cmd: 'ports' });
    await ask(relay, { cmd: 'targets', ports });
    const out: RelayStep[] = [];
    for (const s of steps) {
      await ask(send, { cmd: 'run', port, pps: s.inPps, seconds: s.seconds + 3 });
      await sleep(1500); // warm-up: JIT, socket buffers
      const r0 = await ask<{ in: number; out: number }>(relay, { cmd: 'counts' });
      const rx0 = await ask<number>(recv, { cmd: 'counts' });
      const tx0 = await ask<number>(send, { cmd: 'counts' });
      const meter = cpuMeter({ relay: relay.pid, send: send.pid, recv: recv.pid });
      await sleep(s.seconds * 1000);
      const m = meter();
      const r1 = await ask<{ in: number; out: number }>(relay, { cmd: 'counts' });
      const tx1 = await ask<number>(send, { cmd: 'counts' });
      await sleep(300); // let the last packets in flight land before counting the receivers
      const rx1 = await ask<number>(recv, { cmd: 'counts' });
      await ask(send, { cmd: 'stop' });
      const expected = (tx1 - tx0) * FANOUT;
      const outPps = (r1.out - r0.out) / m.seconds;
      const cpu = m.pct.relay ?? 0;
      out.push({
        step: s.step,
        inPpsTarget: s.inPps,
        seconds: round(m.seconds, 1),
        relayCpuPct: cpu,
        outPps: Math.round(outPps),
        outPerCpuS: cpu > 0 ? Math.round(outPps / (cpu / 100)) : 0,
        lossPct: expected > 0 ? round(Math.max(0, (100 * (expected - (rx1 - rx0))) / expected), 2) : 0,
        hostBusyPct: m.hostBusyPct,
        otherCpuPct: round(Math.max(0, os.availableParallelism() * m.hostBusyPct - cpu - (m.pct.send ?? 0) - (m.pct.recv ?? 0))),
      });
      await sleep(1500); // drain before the next step
    }
    return out;
  } finally {
    await Promise.all([stopChild(send), stopChild(recv), stopChild(relay)]);
  }
}
