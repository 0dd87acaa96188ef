// E3, H2, B6 under faults: SIGKILL at seeded random points of a sequence of meeting lifecycles
// (create, join, admit, share a file, remove with a ban, delete the file, share another, lock,
// end with purge, delete the meeting), each followed by a restart on the same data folder and a
// check that every acknowledged operation survived, no deleted object's bytes or key came back,
// bans and locks hold and the audit chain verifies (e2e/faults/).
// CI: 100 lifecycles, 20 kills. `npm run faults`: 100 kills (one in every lifecycle).
// KAIGI_FAULTS_SEED=N replays a run's choices (which lifecycles, which steps, what fraction of the
// step's duration); the timing of the server itself is not replayed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runFaults } from '../faults/run.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined ? fallback : Number(v);
};

it('keeps what it acknowledged and destroys what it deleted across SIGKILL (E3, H2, B6)', { timeout: 30 * 60_000 }, async () => {
  const lifecycles = num('KAIGI_FAULTS_LIFECYCLES', 100);
  const kills = num('KAIGI_FAULTS_KILLS', 20);
  const seed = process.env.KAIGI_FAULTS_SEED === undefined ? undefined : num('KAIGI_FAULTS_SEED', 0);
  const t0 = Date.now();
  const report = await runFaults({ lifecycles, kills, seed, log: (s) => console.log(`  ${s}`) });
  const sorted = [...report.restartMs].sort((a, b) => a - b);
  console.log(`  seed ${report.seed} (replay: KAIGI_FAULTS_SEED=${report.seed}); ${lifecycles} lifecycles, ${report.kills.length} kills + 1 final, ${Math.round((Date.now() - t0) / 1000)} s`);
  console.log(`  restart ms: median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted[sorted.length - 1]}`);
  console.log(`  kills answered before dying: ${report.kills.filter((k) => k.answered).length}; facts at the end: ${JSON.stringify(report.counts)}`);
  assert.equal(report.kills.length, Math.min(kills, lifecycles), 'every planned kill happened');
  assert.ok(report.counts.filesDeleted! > 0 && report.counts.bans! > 0 && report.counts.locked! > 0 && report.counts.meetingsDeleted! > 0, 'the run acknowledged every kind of operation');
  assert.deepEqual(report.violations, [], `seed ${report.seed}`);
});
