// The bench's printed tables: relay ceiling, fan-out per SFU, mesh, two meetings, ratios, and the
// goals of issue 15 with the measured value beside each. Pure formatting of what run.ts measured;
// a value that could not be measured prints as "n/a (why)", never as a number.
import type { TwoMeetings } from './meetings.js';
import type { RelayStep } from './relay/run.js';
import type { MeshResult, Sample } from './scenarios.js';

export interface BenchResult {
  relay: RelayStep[];
  fan: Sample[];
  meshes: Record<string, MeshResult>;
  meetings: TwoMeetings | null;
  unavailable: Record<string, string>;
  fanoutNs: number[];
}

const pad = (v: unknown, n: number) => String(v ?? '-').padStart(n);
export const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Math.round((100 * a) / b) / 100 : null);

export function relayTable(rows: RelayStep[]): void {
  console.log('\n== 1. Relay ceiling: Node UDP relay, AES-128-GCM decrypt once + encrypt per output, fan-out 10, 1200-byte packets');
  console.log(`${'step'.padEnd(8)}${pad('in pps', 9)}${pad('out pps', 9)}${pad('relay CPU%', 11)}${pad('out pkts/CPU-s', 15)}${pad('loss %', 8)}${pad('host busy%', 11)}${pad('other%', 7)}`);
  for (const r of rows) console.log(`${r.step.padEnd(8)}${pad(r.inPpsTarget, 9)}${pad(r.outPps, 9)}${pad(r.relayCpuPct, 11)}${pad(r.outPerCpuS, 15)}${pad(r.lossPct, 8)}${pad(r.hostBusyPct, 11)}${pad(r.otherCpuPct, 7)}`);
}

export function sampleTable(title: string, rows: Sample[]): void {
  console.log(`\n== ${title}`);
  console.log(
    `${'sfu'.padEnd(13)}${'mode'.padEnd(7)}${pad('N/P', 4)}${pad('conn', 8)}${pad('streams', 10)}${pad('RTP pps', 9)}${pad('Mbit/s', 8)}${pad('loss %', 8)}` +
      `${pad('SFU CPU%', 9)}${pad('pkts/SFU CPU-s', 15)}${pad('bots CPU%', 10)}${pad('host%', 7)}${pad('other%', 7)}${pad('RSS MB', 8)}`,
  );
  for (const r of rows)
    console.log(
      `${r.sfu.padEnd(13)}${r.mode.padEnd(7)}${pad(r.n, 4)}${pad(r.connected, 8)}${pad(`${r.streamsSeen}/${r.streamsExpected}`, 10)}${pad(r.rtpPps, 9)}${pad(r.mbps, 8)}` +
        `${pad(r.lossPct, 8)}${pad(r.sfuCpuPct, 9)}${pad(r.perCpuS, 15)}${pad(r.botsCpuPct, 10)}${pad(r.hostBusyPct, 7)}${pad(r.otherCpuPct, 7)}${pad(r.rssMB, 8)}`,
    );
}

/** p-th percentile (nearest rank) of the measured values; null when none. */
function percentile(xs: (number | null)[], p: number): number | null {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] ?? null;
}

export interface SfuSummary {
  sfu: string;
  memPerParticipantMB: number | null;
  joinP50: number | null;
  joinP95: number | null;
  joinMissing: number; // joins that saw no video within 10 s
  connectedP50: number | null; // of those joins: admitted -> the connection up (ICE + DTLS)
  answeredP50: number | null; // of those joins: admitted -> the SFU accepted the answer (signalling)
}

export function summaries(r: BenchResult): SfuSummary[] {
  const names = [...new Set(r.fan.map((s) => s.sfu))];
  return names.map((sfu) => {
    const big = r.fan.find((s) => s.sfu === sfu && s.n === 100);
    const lat = r.fan.find((s) => s.sfu === sfu && s.joinMs);
    const joins = lat?.joinMs ?? [];
    return {
      sfu,
      // RSS at N=100 minus N=0 (publisher only), per participant (issue 15).
      memPerParticipantMB: big?.rssMB !== undefined && big.rss0MB !== undefined ? Math.round((100 * (big.rssMB - big.rss0MB)) / 100) / 100 : null,
      joinP50: percentile(joins, 50),
      joinP95: percentile(joins, 95),
      joinMissing: joins.filter((x) => x === null).length,
      connectedP50: percentile(lat?.joinConnectedMs ?? [], 50),
      answeredP50: percentile(lat?.joinAnsweredMs ?? [], 50),
    };
  });
}

const at = (fan: Sample[], sfu: string, n: number) => fan.find((r) => r.sfu === sfu && r.n === n);

export function ratiosTable(r: BenchResult, paced: number | null) {
  const rows = r.fanoutNs.map((n) => {
    const k = at(r.fan, 'kaigi', n)?.perCpuS;
    return { n, kaigiOverJanus: ratio(k, at(r.fan, 'janus', n)?.perCpuS), kaigiOverReference: ratio(k, at(r.fan, 'werift-ref', n)?.perCpuS), kaigiOverRelay: ratio(k, paced), janusOverRelay: ratio(at(r.fan, 'janus', n)?.perCpuS, paced) };
  });
  console.log('\n== Ratios (forwarded RTP packets per SFU CPU-second; relay = its paced step)');
  for (const x of rows)
    console.log(`N=${pad(x.n, 3)}  kaigi/janus: ${x.kaigiOverJanus ?? 'n/a'}   kaigi/relay: ${x.kaigiOverRelay ?? 'n/a'}   kaigi/werift-ref: ${x.kaigiOverReference ?? 'n/a'}   janus/relay: ${x.janusOverRelay ?? 'n/a'}`);
  return rows;
}

const why = (r: BenchResult, sfu: string) => (r.unavailable[sfu] ? `n/a (${sfu}: ${r.unavailable[sfu]!.slice(0, 80)})` : 'n/a (not measured)');

/** The goals of issue 15, each with the bench's measured value and whether it is met. */
export function goalsTable(r: BenchResult, sums: SfuSummary[], ratios: ReturnType<typeof ratiosTable>): void {
  const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'MET' : 'not met');
  const lines: [string, string, boolean | null][] = [];
  for (const n of [40, 100]) {
    const x = ratios.find((y) => y.n === n)?.kaigiOverJanus ?? null;
    const loss = at(r.fan, 'kaigi', n)?.lossPct;
    lines.push([`Kaigi >= 1.25x Janus pkts/SFU CPU-s at N=${n}, 0 % loss`, x === null ? why(r, r.unavailable.kaigi ? 'kaigi' : 'janus') : `${x}x, kaigi loss ${loss ?? '?'} %`, x === null ? null : x >= 1.25 && loss === 0]);
  }
  const m = r.meetings;
  // Only a meeting that fills what one core forwards (SFU >= 90 % of a core, or loss >= 1 %) can show
  // whether a second meeting gets the other core; below that, 2x is given by construction.
  const saturated = m ? m.one.sfuCpuPct >= 90 || (m.one.lossPct ?? 0) >= 1 : false;
  lines.push([
    'Two meetings: total forwarded pps >= 1.8x one meeting',
    m
      ? `${m.ratio ?? '?'}x (${m.one.rtpPps} -> ${m.two.rtpPps} pps; SFU CPU ${m.one.sfuCpuPct} -> ${m.two.sfuCpuPct} % of a core; loss ${m.one.lossPct} -> ${m.two.lossPct} %)` +
        `; busiest SFU threads ${m.threads.slice(0, 2).map((t) => `${t.pct} %`).join(' + ')}` +
        (saturated ? '' : '; one meeting did not saturate a core, so the ratio does not test the goal')
      : why(r, 'kaigi-2-meetings'),
    m?.ratio == null || !saturated ? null : m.ratio >= 1.8,
  ]);
  const mesh = r.meshes.kaigi;
  lines.push(['Largest all-to-all meeting (bots included) < 1 % loss: >= 25', mesh ? `${mesh.largestOk ?? 'none'} (stopped: ${mesh.stoppedBecause})` : why(r, 'kaigi'), mesh ? (mesh.largestOk ?? 0) >= 25 : null]);
  const k = sums.find((s) => s.sfu === 'kaigi');
  lines.push(['Server memory per participant <= 2 MB (RSS N=100 - N=0, / 100)', k?.memPerParticipantMB != null ? `${k.memPerParticipantMB} MB` : why(r, 'kaigi'), k?.memPerParticipantMB == null ? null : k.memPerParticipantMB <= 2]);
  lines.push([
    'Join (admitted) -> first video packet p50 <= 150 ms (20 joins)',
    k?.joinP50 != null ? `p50 ${k.joinP50} ms, p95 ${k.joinP95} ms${k.joinMissing ? `, ${k.joinMissing} joins saw no video in 10 s` : ''}` : why(r, 'kaigi'),
    k?.joinP50 == null ? null : k.joinP50 <= 150 && k.joinMissing === 0,
  ]);
  console.log('\n== Goals of issue 15 (this run, this machine)');
  for (const [goal, value, ok] of lines) console.log(`${goal.padEnd(66)} ${verdict(ok).padEnd(8)} ${value}`);
}

export function summaryTable(sums: SfuSummary[]): void {
  console.log('\n== Per SFU: memory and join latency');
  // Where a join's time goes (p50s from the admission): "answered" = signalling done (offer and
  // answer exchanged), "connected" = the bot's receive connection up (ICE + DTLS); what is left to
  // the first video packet is the SFU's forwarding start (keyframe gating ...).
  console.log(`${'sfu'.padEnd(13)}${pad('MB/participant', 15)}${pad('join p50 ms', 12)}${pad('join p95 ms', 12)}${pad('no video', 9)}${pad('answered p50', 13)}${pad('connected p50', 14)}`);
  for (const s of sums) console.log(`${s.sfu.padEnd(13)}${pad(s.memPerParticipantMB, 15)}${pad(s.joinP50, 12)}${pad(s.joinP95, 12)}${pad(s.joinMissing, 9)}${pad(s.answeredP50, 13)}${pad(s.connectedP50, 14)}`);
}
