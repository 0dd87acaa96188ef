// H2: `kaigi audit verify` checks the hash chain and says where it breaks, and holds it to the
// signed checkpoints outside the database, so deleting the newest entries or all of them fails.
// Storage: nothing about a meeting (the meeting, its lock, its bans, its audit trail) is lost
// when the process is killed with SIGKILL (SQLite WAL, full sync).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';
import { HttpClient } from '../support/http.js';
import { createMeeting, guest, hostSession, HOST_PASSWORD } from '../support/fixtures.js';

/** A meeting is created and a guest gives a wrong password (both audited); then the server stops. */
async function auditAWrongPasswordAndStop(s: RunningServer): Promise<void> {
  try {
    const host = await hostSession(s);
    const m = await createMeeting(host);
    const { ws } = await guest(s);
    await ws.request({ type: 'join', meetingId: m.id, displayName: 'Eve', password: 'not-the-password' });
    ws.close();
  } finally {
    await s.stop();
  }
}

describe('audit log (H2)', () => {
  it('verifies an intact chain and names the entry that was edited, re-hashed or removed', async () => {
    const s = await startServer();
    await auditAWrongPasswordAndStop(s);
    let r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /audit log OK: (\d+) entries/);

    const db = new Database(`${s.dataDir}/kaigi.sqlite`);
    const row = db.prepare("select seq, data, hash from audit_log where kind = 'join.password_failed'").get() as { seq: number; data: string; hash: string };
    // Edit one entry's content, as someone covering their tracks would.
    db.prepare('update audit_log set data = ? where seq = ?').run(row.data.replace('Eve', 'Bob'), row.seq);
    r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`BROKEN at entry ${row.seq}: entry ${row.seq} was edited`));

    // Restore, then delete an entry in the middle.
    db.prepare('update audit_log set data = ? where seq = ?').run(row.data, row.seq);
    assert.equal((await s.cli(['audit', 'verify'])).code, 0);
    // Edit and re-hash the entry (it may be the newest, with nothing after it to break): its MAC,
    // made with a key kept outside the database, no longer matches.
    type Row = { seq: number; at: string; meeting_id: string | null; kind: string; actor: string; data: string; prev_hash: string };
    const full = db.prepare('select * from audit_log where seq = ?').get(row.seq) as Row;
    const forged = full.data.replace('Eve', 'Bob');
    const hash = createHash('sha256')
      .update(JSON.stringify([full.seq, full.at, full.meeting_id, full.kind, full.actor, forged, full.prev_hash]))
      .digest('hex');
    db.prepare('update audit_log set data = ?, hash = ? where seq = ?').run(forged, hash, row.seq);
    r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`BROKEN at entry ${row.seq}: entry ${row.seq} was re-hashed without the audit key`));
    db.prepare('update audit_log set data = ?, hash = ? where seq = ?').run(full.data, row.hash, row.seq);
    assert.equal((await s.cli(['audit', 'verify'])).code, 0);
    db.prepare('delete from audit_log where seq = 2').run();
    r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /BROKEN at entry 2: entry 2 is missing/);
    db.close();
  });
});

/** A `logger` that appends the line it is given to FILE: what syslog would keep. */
function fakeLogger(): { dir: string; copy: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-syslog-'));
  const copy = path.join(dir, 'syslog-copy.log');
  fs.writeFileSync(path.join(dir, 'logger'), `#!/bin/sh\nfor a; do last=$a; done\nprintf '%s\\n' "$last" >> ${JSON.stringify(copy)}\n`, { mode: 0o755 });
  return { dir, copy };
}

describe('audit log truncation (H2)', () => {
  it('H2: audit verify fails when the newest entries, or all of them, are deleted', async () => {
    const syslog = fakeLogger();
    const s = await startServer({ KAIGI_AUDIT_SYSLOG: '1', PATH: `${syslog.dir}:${process.env.PATH ?? ''}` });
    await auditAWrongPasswordAndStop(s);
    const file = `${s.dataDir}/audit/checkpoints.log`;
    // The untouched log verifies, anchored by the checkpoint written at shutdown.
    let r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 0, r.stdout);
    const entries = Number(/audit log OK: (\d+) entries/.exec(r.stdout)?.[1]);
    assert.ok(entries >= 3, r.stdout);
    assert.match(r.stdout, new RegExp(`anchored by checkpoint \\d+ of \\S+ \\(${entries} entries\\); 0 newer entries`));
    // The syslog copy holds the same lines as the file, in order.
    assert.equal(fs.readFileSync(syslog.copy, 'utf8'), fs.readFileSync(file, 'utf8'));

    const db = new Database(`${s.dataDir}/kaigi.sqlite`);
    // Someone deletes the newest two entries, which leaves a valid, shorter chain.
    db.prepare('delete from audit_log where seq > ?').run(entries - 2);
    r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`audit log TRUNCATED: the log ends at entry ${entries - 2} but checkpoint \\d+ \\(.*\\) anchored ${entries} entries: entries ${entries - 1} to ${entries} were deleted`));
    // ... or all of them.
    db.prepare('delete from audit_log').run();
    db.close();
    r = await s.cli(['audit', 'verify']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`audit log TRUNCATED: the log is empty but checkpoint \\d+ \\(.*\\) anchored ${entries} entries: all entries were deleted`));
    // Deleting the checkpoint file as well defeats the local check (the documented limit); the
    // copy sent to syslog still shows it.
    fs.rmSync(file);
    assert.equal((await s.cli(['audit', 'verify'])).code, 0);
    r = await s.cli(['audit', 'verify', '--checkpoints', syslog.copy]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /audit log TRUNCATED: the log is empty .* all entries were deleted/);
    fs.rmSync(syslog.dir, { recursive: true, force: true });
  });
});

describe('durability', () => {
  it('keeps meetings, locks, bans and the audit trail across SIGKILL', async () => {
    const s = await startServer();
    const host = await hostSession(s);
    const m = await createMeeting(host, 'Survives a crash');
    const hostWs = await WsClient.connect(s.url, { cookie: host.cookieHeader() });
    await hostWs.request({ type: 'join', meetingId: m.id, displayName: 'Host' });
    const a = await guest(s);
    const j = await a.ws.request({ type: 'join', meetingId: m.id, displayName: 'Alice', password: m.password });
    assert.equal((await hostWs.request({ type: 'remove', participantId: j.participantId })).type, 'ok');
    assert.equal((await hostWs.request({ type: 'setLocked', locked: true })).type, 'ok');
    assert.equal(await s.stop('SIGKILL'), null);

    const s2 = await startServer({}, s.dataDir);
    try {
      const host2 = new HttpClient(s2.url);
      await host2.signIn('host', HOST_PASSWORD);
      const got = await host2.request('GET', `/api/meetings/${m.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.json.title, 'Survives a crash');
      assert.equal(got.json.locked, true);
      assert.equal(got.json.password, m.password);
      await host2.request('PATCH', `/api/meetings/${m.id}`, { locked: false });
      // Alice's browser (same device cookie) is still banned after the crash.
      const again = await WsClient.connect(s2.url, { cookie: a.http.cookieHeader() });
      const r = await again.request({ type: 'join', meetingId: m.id, displayName: 'Alicia', password: m.password });
      assert.equal(r.code, 'BANNED');
      again.close();
      const v = await s2.cli(['audit', 'verify']);
      assert.equal(v.code, 0, v.stdout);
    } finally {
      await s2.stop();
    }
    // H2: entries whose checkpoint file is gone are not anchored; `audit checkpoint` anchors them anew.
    fs.rmSync(`${s.dataDir}/audit/checkpoints.log`);
    let v = await s2.cli(['audit', 'verify']);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, /audit log NOT ANCHORED: the log holds \d+ entries but the checkpoint file is missing/);
    assert.match((await s2.cli(['audit', 'checkpoint'])).stdout, /checkpoint 1: \d+ entries/);
    v = await s2.cli(['audit', 'verify']);
    assert.equal(v.code, 0, v.stdout);
  });
});
