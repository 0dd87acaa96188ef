// The fault run (E3, H2, B6): a sequence of meeting lifecycles against one server and one data
// folder, with SIGKILL at seeded random points. A killed lifecycle's chosen step is started, the
// server is killed after a random fraction (0–120 %) of that step's usual duration (so kills land
// before, inside and after the server's work), the step's answer is taken if it came, the server
// restarts on the same folder and every acknowledged fact is checked (checks.ts). A final kill
// and restart checks everything, bans and locks of every meeting included.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostSession } from '../support/fixtures.js';
import { startServer, type RunningServer } from '../support/server.js';
import { checkAll, fillWrappedKeys, orphanFiles, type CheckScope } from './checks.js';
import { signedInHost } from './clients.js';
import { Ledger } from './ledger.js';
import { closeLife, lifecycleSteps, type Life } from './lifecycle.js';
import { seeded } from './random.js';

export interface FaultOptions {
  lifecycles: number;
  kills: number;
  seed?: number;
  /** Kill only in steps of this name (e.g. 'delete object'), to aim at one operation. */
  step?: string;
  log?: (s: string) => void;
}

export interface FaultReport {
  seed: number;
  violations: string[];
  kills: { lifecycle: number; step: string; delayMs: number; answered: boolean }[];
  restartMs: number[];
  counts: Record<string, number>;
  /** Object files without a row at the end (see orphanFiles). */
  orphans: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFaults(opts: FaultOptions): Promise<FaultReport> {
  const rng = seeded(opts.seed);
  const log = opts.log ?? (() => undefined);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-faults-'));
  const pick = (n: number): number => {
    const names = lifecycleSteps(n).map((s) => s.name);
    return opts.step === undefined ? rng.int(names.length) : names.indexOf(opts.step);
  };
  const killAt = new Map(rng.sample(opts.lifecycles, opts.kills).map((n) => [n, pick(n)]));
  if (opts.step !== undefined && [...killAt.values()].includes(-1)) throw new Error(`no step "${opts.step}" in some lifecycles`);
  const ledger = new Ledger();
  const report: FaultReport = { seed: rng.seed, violations: [], kills: [], restartMs: [], counts: {}, orphans: [] };
  // Usual duration of each step, from the runs that were not killed.
  const usual = new Map<string, number>();
  let server: RunningServer = await startServer({}, dataDir);
  let host = await hostSession(server);

  const restartAndCheck = async (scope: CheckScope, what: string) => {
    const t = performance.now();
    server = await startServer({}, dataDir);
    report.restartMs.push(Math.round(performance.now() - t));
    host = await signedInHost(server);
    fillWrappedKeys(ledger, dataDir);
    const bad = await checkAll(server, host, ledger, scope);
    for (const b of bad) log(`VIOLATION after ${what}: ${b}`);
    report.violations.push(...bad.map((b) => `${what}: ${b}`));
  };

  try {
    for (let n = 0; n < opts.lifecycles; n++) {
      const life: Life = { n, server, host, ledger, files: [] };
      const steps = lifecycleSteps(n);
      for (const [i, step] of steps.entries()) {
        if (killAt.get(n) !== i) {
          const t = performance.now();
          if ((await step.run(life)) === 'cut') throw new Error(`lifecycle ${n}: ${step.name} got no answer, and nothing killed the server`);
          const ms = performance.now() - t;
          usual.set(step.name, ((usual.get(step.name) ?? ms) + ms) / 2);
          fillWrappedKeys(ledger, dataDir);
          continue;
        }
        const delayMs = Math.round(rng.next() * 1.2 * (usual.get(step.name) ?? 100));
        const running = step.run(life);
        await sleep(delayMs);
        await server.stop('SIGKILL');
        const answered = (await running.catch(() => 'cut' as const)) === 'ok';
        report.kills.push({ lifecycle: n, step: step.name, delayMs, answered });
        log(`lifecycle ${n}: SIGKILL ${delayMs} ms into "${step.name}" (${answered ? 'answered' : 'no answer'})`);
        closeLife(life);
        const m = life.meeting?.id;
        // Bans and locks by joining: this lifecycle's meeting and a few others, seeded.
        const others = [...ledger.meetings.keys()].filter((id) => id !== m);
        const joins = new Set([...(m ? [m] : []), ...rng.sample(others.length, 3).map((j) => others[j]!)]);
        await restartAndCheck({ joins }, `kill in lifecycle ${n} at "${step.name}"`);
        break;
      }
      closeLife(life);
    }
    // The last word: one more kill, at rest, and everything checked.
    await server.stop('SIGKILL');
    await restartAndCheck({ joins: 'all' }, 'final kill');
    report.counts = ledger.counts();
    report.orphans = orphanFiles(dataDir);
    for (const o of report.orphans) log(`orphan object file (no row, unreadable, never purged): ${o}`);
    return report;
  } finally {
    await server.stop();
    // Kept when something was wrong, for a look at the database and the objects.
    if (report.violations.length) log(`data folder kept: ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
