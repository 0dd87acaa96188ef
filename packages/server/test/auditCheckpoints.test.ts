// H2: the audit log's head is anchored outside the database in signed checkpoints, so deleting
// its newest entries, or all of them, is detected; a forged, edited, removed or reordered
// checkpoint line fails; and checkpoints follow the rule (every N entries, within T seconds,
// at once for weighty kinds, at shutdown).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { AuditKind } from '@kaigi/protocol';
import { sql } from 'kysely';
import { AuditLog } from '../src/audit/AuditLog.js';
import { Checkpointer, syslogForwarder } from '../src/audit/Checkpointer.js';
import { readCheckpointLines, verifyCheckpoints, type Checkpoint } from '../src/audit/checkpoints.js';
import { verifyAnchors } from '../src/audit/verifyAnchors.js';
import { verifyChain } from '../src/audit/verifyChain.js';
import { loadConfig } from '../src/config.js';
import { CertificateSigner, verifyCertificate } from '../src/security/CertificateSigner.js';
import { serverKey } from '../src/security/serverKey.js';
import { openDatabase, type Database } from '../src/storage/Database.js';

interface Env {
  dataDir: string;
  db: Database;
  macKey: Buffer;
  file: string;
  signer: CertificateSigner;
  audit: AuditLog;
  warnings: string[];
}

const opened: Env[] = [];

async function fresh(every = { entries: 20, seconds: 30 }): Promise<Env> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-checkpoints-'));
  const db = await openDatabase(dataDir);
  const macKey = randomBytes(32);
  const file = path.join(dataDir, 'audit', 'checkpoints.log');
  const signer = CertificateSigner.open(dataDir);
  const warnings: string[] = [];
  const cp = new Checkpointer({ file, signer, every, warn: (m) => warnings.push(m) });
  const env = { dataDir, db, macKey, file, signer, audit: new AuditLog(db, macKey, cp, (err) => warnings.push(String(err))), warnings };
  opened.push(env);
  return env;
}

afterEach(async () => {
  for (const e of opened.splice(0)) {
    await e.audit.close().catch(() => undefined);
    await e.db.destroy();
    fs.rmSync(e.dataDir, { recursive: true, force: true });
  }
});

const note = (audit: AuditLog, i: number) => audit.append({ kind: AuditKind.HOST_JOINED, actor: `p_${i}`, meetingId: 'M1', data: { i } });

async function appendNotes(audit: AuditLog, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await note(audit, i);
}

function checkpoints(env: Env): Checkpoint[] {
  const v = verifyCheckpoints(readCheckpointLines(env.file) ?? [], env.signer.publicKeyPem);
  assert.ok(v.ok, JSON.stringify(v));
  return v.checkpoints;
}

/** The whole check, as `kaigi audit verify` runs it, on what the database and the file hold now. */
async function anchored(env: Env) {
  const entries = await env.audit.entries();
  const chain = verifyChain(entries, env.macKey);
  assert.ok(chain.ok, JSON.stringify(chain));
  const lines = readCheckpointLines(env.file);
  const cps = lines ? verifyCheckpoints(lines, env.signer.publicKeyPem) : null;
  if (cps && !cps.ok) throw new Error(`checkpoints invalid: ${cps.reason}`);
  return verifyAnchors(entries, cps ? cps.checkpoints : null);
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('audit checkpoints (H2)', () => {
  it('H2: an intact, checkpointed chain verifies', async () => {
    const env = await fresh();
    await appendNotes(env.audit, 5);
    await env.audit.close();
    const cps = checkpoints(env);
    assert.equal(cps.at(-1)?.entries, 5);
    assert.equal(cps.at(-1)?.reason, 'shutdown');
    const v = await anchored(env);
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(v.unanchored, 0);
  });

  it('H2: deleting the newest entries is reported as truncation', async () => {
    const env = await fresh();
    await appendNotes(env.audit, 5);
    await env.audit.close();
    await sql`delete from audit_log where seq > 3`.execute(env.db);
    // The shorter chain alone still verifies: that is the finding the checkpoints close.
    assert.ok(verifyChain(await env.audit.entries(), env.macKey).ok);
    const v = await anchored(env);
    assert.equal(v.ok, false);
    assert.ok(!v.ok && v.truncated);
    assert.match(!v.ok ? v.reason : '', /the log ends at entry 3 but checkpoint \d+ \(.*\) anchored 5 entries: entries 4 to 5 were deleted/);
  });

  it('H2: deleting all entries is reported as truncation', async () => {
    const env = await fresh();
    await appendNotes(env.audit, 4);
    await env.audit.close();
    await sql`delete from audit_log`.execute(env.db);
    const v = await anchored(env);
    assert.ok(!v.ok && v.truncated);
    assert.match(!v.ok ? v.reason : '', /the log is empty but checkpoint \d+ .* anchored 4 entries: all entries were deleted/);
  });

  it('H2: a log cut back and written anew past the checkpoint is reported', async () => {
    const env = await fresh();
    await appendNotes(env.audit, 4);
    await env.audit.checkpoint('cli');
    await sql`delete from audit_log where seq > 2`.execute(env.db);
    // Appending again (as the server would after the deletion) refills positions 3 and 4.
    await appendNotes(env.audit, 2);
    const v = await anchored(env);
    assert.ok(!v.ok && v.truncated);
    assert.match(!v.ok ? v.reason : '', /entry 4 is not the entry checkpoint 1 \(.*\) anchored: the log was cut back and written anew/);
  });

  it('H2: a forged or edited checkpoint line fails its signature', async () => {
    const env = await fresh();
    await appendNotes(env.audit, 5);
    await env.audit.close();
    const lines = readCheckpointLines(env.file)!;
    // Someone who deleted entries 4 and 5 lowers the last checkpoint to match.
    const edited = lines.map((l, i) => (i === lines.length - 1 ? l.replace('"entries":5', '"entries":3') : l));
    assert.notDeepEqual(edited, lines);
    let v = verifyCheckpoints(edited, env.signer.publicKeyPem);
    assert.ok(!v.ok);
    assert.match(!v.ok ? v.reason : '', /the signature does not match/);
    // A line signed with another key (the attacker's) fails against the server's public key.
    const other = CertificateSigner.open(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-other-key-')));
    const forged = JSON.parse(lines.at(-1)!) as Checkpoint;
    const { signature: _s, ...unsigned } = { ...forged, entries: 3 };
    const line = JSON.stringify({ ...unsigned, signature: other.signDocument(unsigned) });
    v = verifyCheckpoints([...lines.slice(0, -1), line], env.signer.publicKeyPem);
    assert.ok(!v.ok);
    assert.match(!v.ok ? v.reason : '', /signature does not match/);
  });

  it('H2: removed or reordered checkpoint lines are reported', async () => {
    const env = await fresh({ entries: 2, seconds: 30 });
    await appendNotes(env.audit, 6); // checkpoints at 2, 4, 6
    const lines = readCheckpointLines(env.file)!;
    assert.equal(lines.length, 3);
    const dropped = verifyCheckpoints([lines[0]!, lines[2]!], env.signer.publicKeyPem);
    assert.ok(!dropped.ok);
    assert.match(!dropped.ok ? dropped.reason : '', /checkpoint 3 stands where checkpoint 2 should/);
    const swapped = verifyCheckpoints([lines[1]!, lines[0]!, lines[2]!], env.signer.publicKeyPem);
    assert.ok(!swapped.ok);
  });

  it('H2: entries without any checkpoint file are reported, an empty log without one verifies', async () => {
    const env = await fresh();
    assert.ok((await anchored(env)).ok);
    await appendNotes(env.audit, 3);
    await env.audit.close();
    fs.rmSync(env.file);
    const v = await anchored(env);
    assert.ok(!v.ok);
    assert.match(!v.ok ? v.reason : '', /the log holds 3 entries but the checkpoint file is missing/);
  });

  it('H2: a checkpoint file cut at its end shows when more entries follow than the rule allows', async () => {
    const env = await fresh({ entries: 3, seconds: 30 });
    await appendNotes(env.audit, 7); // checkpoints at 3 and 6, entry 7 pending
    assert.deepEqual(checkpoints(env).map((c) => c.entries), [3, 6]);
    assert.ok((await anchored(env)).ok);
    const lines = readCheckpointLines(env.file)!;
    fs.writeFileSync(env.file, `${lines[0]}\n`);
    const v = await anchored(env);
    assert.ok(!v.ok);
    assert.match(!v.ok ? v.reason : '', /4 entries follow checkpoint 1, though one is written every 3 entries/);
  });

  it('H2: weighty kinds are anchored at once, and one left unanchored is reported', async () => {
    const env = await fresh();
    await note(env.audit, 1);
    await env.audit.append({ kind: AuditKind.BANNED, actor: 'p_host', meetingId: 'M1', data: { participantId: 'p_1' } });
    assert.deepEqual(checkpoints(env).map((c) => [c.entries, c.reason]), [[2, 'prompt']]);
    await note(env.audit, 3);
    await env.audit.append({ kind: AuditKind.REMOVED, actor: 'p_host', meetingId: 'M1', data: {} });
    assert.deepEqual(checkpoints(env).map((c) => [c.entries, c.reason]), [[2, 'prompt'], [4, 'prompt']]);
    // Cut the newest checkpoint from the file: two entries after the last one are within the
    // count, but a removal among them would have been anchored at once.
    fs.writeFileSync(env.file, `${readCheckpointLines(env.file)![0]}\n`);
    const v = await anchored(env);
    assert.ok(!v.ok);
    assert.match(!v.ok ? v.reason : '', /entry 4 \(participant.removed\) follows checkpoint 1, though such entries are anchored at once/);
  });

  it('H2: an entry is anchored within the interval while entries come in', async () => {
    const env = await fresh({ entries: 100, seconds: 1 });
    await note(env.audit, 1);
    assert.equal(readCheckpointLines(env.file), null);
    await waitFor('the interval checkpoint', () => (readCheckpointLines(env.file)?.length ?? 0) === 1);
    assert.deepEqual(checkpoints(env).map((c) => [c.entries, c.reason]), [[1, 'interval']]);
  });

  it('H2: a start checkpoint on a cut-back log warns and keeps the evidence', async () => {
    const env = await fresh();
    await appendNotes(env.audit, 3);
    await env.audit.checkpoint('start');
    await sql`delete from audit_log where seq = 3`.execute(env.db);
    await env.audit.checkpoint('start');
    assert.match(env.warnings.join('\n'), /the audit log has 2 entries, its last checkpoint anchored 3/);
    const v = verifyCheckpoints(readCheckpointLines(env.file)!, env.signer.publicKeyPem);
    assert.ok(!v.ok);
    assert.match(!v.ok ? v.reason : '', /checkpoint 2 records 2 entries, checkpoint 1 had 3: the audit log was cut back/);
  });

  it('H2: a checkpoint can never pass for a deletion certificate', async () => {
    const env = await fresh();
    await note(env.audit, 1);
    await env.audit.close();
    const c = JSON.parse(readCheckpointLines(env.file)![0]!) as Record<string, unknown>;
    assert.equal(verifyCertificate({ ...c, publicKey: env.signer.publicKeyPem }, env.signer.publicKeyPem).valid, false);
    assert.throws(() => env.signer.signDocument({ type: 'kaigi-deletion-certificate' }));
  });

  it('H2: the syslog copy goes through logger, in order, without waiting for it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-logger-'));
    const got = path.join(dir, 'got');
    const fake = path.join(dir, 'logger');
    // The first line's logger is slow: a later line must still not overtake it.
    const script = `#!/bin/sh\nfor a; do last=$a; done\n[ "$last" = L1 ] && sleep 0.3\nprintf '%s|' "$@" >> ${JSON.stringify(got)}\necho >> ${JSON.stringify(got)}\n`;
    fs.writeFileSync(fake, script, { mode: 0o755 });
    const problems: string[] = [];
    const sink = syslogForwarder((m) => problems.push(m), fake);
    for (const l of ['L1', 'L2', 'L3']) sink.send(l);
    await sink.drain(10_000);
    assert.deepEqual(fs.readFileSync(got, 'utf8').trim().split('\n'), ['L1', 'L2', 'L3'].map((l) => `-t|kaigi-audit|-p|auth.notice|--|${l}|`));
    const missing = syslogForwarder((m) => problems.push(m), path.join(dir, 'no-such-logger'));
    missing.send('x');
    await waitFor('the missing logger report', () => problems.length > 0);
    assert.match(problems[0]!, /not sent to syslog/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('H2: verify beside another process that appends never sees a checkpoint of entries that are not there, and the tail is anchored once it stops', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-checkpoints-race-'));
    const db = await openDatabase(dataDir);
    const macKey = serverKey(dataDir, 'audit');
    const signer = CertificateSigner.open(dataDir);
    const file = path.join(dataDir, 'audit', 'checkpoints.log');
    const reader = new AuditLog(db, macKey);
    const fixture = path.join(import.meta.dirname, 'fixtures', 'auditAppender.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, '150'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let running = true;
    void exited.then(() => (running = false));
    const failures: string[] = [];
    let rounds = 0;
    try {
      while (running) {
        // Each round lets the event loop run, so the child's exit is seen.
        await new Promise((r) => setImmediate(r));
        const { entries, alongside: lines } = await reader.readConsistent(() => readCheckpointLines(file));
        if (entries.length === 0) continue;
        rounds++;
        const cps = verifyCheckpoints(lines ?? [], signer.publicKeyPem);
        const v = cps.ok ? verifyAnchors(entries, cps.checkpoints) : { ok: false as const, truncated: true, reason: cps.reason };
        // Checkpoints follow their commit: a read between the two may see a tail not anchored
        // yet (verify reads again), never a checkpoint of more entries than committed, which a
        // crash at that moment would leave behind for good.
        if (!v.ok && v.truncated) failures.push(`${entries.length} entries: ${v.reason}`);
      }
      assert.equal(await exited, 0, stderr);
      assert.ok(rounds > 0, 'the reader ran while the other process appended');
      assert.deepEqual(failures, []);
      const { entries, alongside: lines } = await reader.readConsistent(() => readCheckpointLines(file));
      assert.equal(entries.length, 150);
      const cps = verifyCheckpoints(lines ?? [], signer.publicKeyPem);
      assert.ok(cps.ok && verifyAnchors(entries, cps.checkpoints).ok, 'anchored once the appender stopped');
    } finally {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('H2: checkpoint settings come from KAIGI_AUDIT_* and refuse bad values', () => {
    const d = loadConfig({ KAIGI_DATA_DIR: '/srv/kaigi' }).auditCheckpoints;
    assert.deepEqual(d, { file: '/srv/kaigi/audit/checkpoints.log', entries: 20, seconds: 30, syslog: false });
    const c = loadConfig({ KAIGI_AUDIT_CHECKPOINT_FILE: '/var/log/kaigi/cp.log', KAIGI_AUDIT_CHECKPOINT_ENTRIES: '5', KAIGI_AUDIT_CHECKPOINT_SECONDS: '2', KAIGI_AUDIT_SYSLOG: '1' });
    assert.deepEqual(c.auditCheckpoints, { file: '/var/log/kaigi/cp.log', entries: 5, seconds: 2, syslog: true });
    assert.throws(() => loadConfig({ KAIGI_AUDIT_SYSLOG: 'yes' }), /KAIGI_AUDIT_SYSLOG/);
    assert.throws(() => loadConfig({ KAIGI_AUDIT_CHECKPOINT_ENTRIES: '0' }), /KAIGI_AUDIT_CHECKPOINT_ENTRIES/);
  });

  it('H2: an empty log with no checkpoint file gets none, and no key is touched for it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-checkpoints-empty-'));
    const file = path.join(dir, 'audit', 'checkpoints.log');
    const signer = { signDocument: (): string => assert.fail('nothing to sign for an empty log') };
    const cp = new Checkpointer({ file, signer, every: { entries: 20, seconds: 30 } });
    assert.equal(cp.write({ entries: 0, head: '0'.repeat(64) }, 'shutdown'), null);
    assert.equal(fs.existsSync(file), false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
