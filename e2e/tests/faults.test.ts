// E3, H2, B6 under faults: SIGKILL at seeded random points of a sequence of meeting lifecycles
// (create, join, admit, share a file, remove with a ban, delete the file, share another, lock,
// end with purge, delete the meeting), each followed by a restart on the same data folder and a
// check that every acknowledged operation survived, no deleted object's bytes or key came back,
// bans and locks hold and the audit chain verifies (e2e/faults/).
// CI: 50 lifecycles, 10 kills (KAIGI_FAULTS_LIFECYCLES, KAIGI_FAULTS_KILLS): a restart with its
// checks costs several seconds on a busy 2-core machine. `npm run faults`: 100 lifecycles, 100
// kills (one in every lifecycle). KAIGI_FAULTS_STEP='delete object' kills only in that step.
// KAIGI_FAULTS_SEED=N replays a run's choices (which lifecycles, which steps, what fraction of the
// step's duration); the timing of the server itself is not replayed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { checkAll, fillWrappedKeys } from '../faults/checks.js';
import { signedInHost } from '../faults/clients.js';
import { Ledger } from '../faults/ledger.js';
import { liveThrough } from '../faults/lifecycle.js';
import { runFaults } from '../faults/run.js';
import { hostSession } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined ? fallback : Number(v);
};

it('keeps what it acknowledged and destroys what it deleted across SIGKILL (E3, H2, B6)', { timeout: 30 * 60_000 }, async () => {
  const lifecycles = num('KAIGI_FAULTS_LIFECYCLES', 50);
  const kills = num('KAIGI_FAULTS_KILLS', 10);
  const seed = process.env.KAIGI_FAULTS_SEED === undefined ? undefined : num('KAIGI_FAULTS_SEED', 0);
  const t0 = Date.now();
  const step = process.env.KAIGI_FAULTS_STEP;
  const report = await runFaults({ lifecycles, kills, seed, step, log: (s) => console.log(`  ${s}`) });
  const sorted = [...report.restartMs].sort((a, b) => a - b);
  console.log(`  seed ${report.seed} (replay: KAIGI_FAULTS_SEED=${report.seed}); ${lifecycles} lifecycles, ${report.kills.length} kills + 1 final, ${Math.round((Date.now() - t0) / 1000)} s`);
  console.log(`  restart ms: median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted[sorted.length - 1]}`);
  console.log(`  kills answered before dying: ${report.kills.filter((k) => k.answered).length}; facts at the end: ${JSON.stringify(report.counts)}`);
  console.log(`  object files without a row at the end: ${report.orphans.length}`);
  assert.equal(report.kills.length, Math.min(kills, lifecycles), 'every planned kill happened');
  // Kills aimed at one step end every lifecycle there; otherwise most run to their end.
  if (step === undefined) {
    assert.ok(report.counts.filesDeleted! > 0 && report.counts.bans! > 0 && report.counts.locked! > 0 && report.counts.meetingsDeleted! > 0, 'the run acknowledged every kind of operation');
  }
  assert.deepEqual(report.violations, [], `seed ${report.seed}`);
});

// The checks themselves can fail: a data folder damaged on purpose while the server is down
// (a ban, a lock, a file and an audit entry lost; a deleted object's bytes and key back) is
// reported for each of them.
it('the fault checks see lost facts and deleted data come back', { timeout: 5 * 60_000 }, async () => {
  let server = await startServer();
  const ledger = new Ledger();
  const host = await hostSession(server);
  for (const n of [0, 1]) {
    await liveThrough({ n, server, host, ledger, files: [] }, () => fillWrappedKeys(ledger, server.dataDir));
  }
  const kept = [...ledger.meetings.values()].find((m) => m.keepsFiles)!;
  const live = [...ledger.files.values()].find((f) => f.state === 'live')!;
  const gone = [...ledger.files.values()].find((f) => f.state === 'deleted' && f.meetingId === kept.id)!;
  assert.ok(kept && live && gone && gone.wrappedKey, 'a kept meeting with a live and a deleted file');
  await server.stop('SIGKILL');
  const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'));
  db.prepare('delete from bans where meeting_id = ?').run(kept.id);
  db.prepare('update meetings set locked = 0 where id = ?').run(kept.id);
  db.prepare('delete from objects where id = ?').run(live.id);
  db.prepare("update audit_log set data = replace(data, 'Intruder', 'Nobody') where meeting_id = ?").run(kept.id);
  db.close();
  fs.writeFileSync(path.join(server.dataDir, gone.path), gone.wrappedKey);
  server = await startServer({}, server.dataDir);
  try {
    const bad = await checkAll(server, await signedInHost(server), ledger, { joins: 'all' });
    const expect = ['ban lost', `meeting ${kept.id}: locked false, acknowledged true`, `acknowledged file ${live.id} lost`, `deleted file ${gone.id}: its bytes are back`, `deleted file ${gone.id}: its wrapped key is still on disk`, 'audit verify failed'];
    for (const e of expect) assert.ok(bad.some((b) => b.includes(e)), `missing "${e}" in ${JSON.stringify(bad, null, 1)}`);
  } finally {
    await server.stop();
  }
});
