// Audit chain v2 (content hash) and the retention of waiting-room records (E4, H2): edits to a
// v2 entry's actor or data are still detected, redacting waiting-room records keeps the chain
// verifying, v1 entries written before the content hash keep verifying, and the purger redacts
// only what is due, once, with a certificate.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditKind } from '@kaigi/protocol';
import { sql } from 'kysely';
import { AuditLog, entryHash, entryMac, GENESIS_HASH, REDACTED_ACTOR, REDACTED_DATA } from '../src/audit/AuditLog.js';
import { verifyChain } from '../src/audit/verifyChain.js';
import { Purger } from '../src/retention/Purger.js';
import { CertificateSigner, verifyCertificate } from '../src/security/CertificateSigner.js';
import { serverKey } from '../src/security/serverKey.js';
import { openDatabase, type Database } from '../src/storage/Database.js';
import { MeetingStore } from '../src/storage/MeetingStore.js';
import { ObjectStore } from '../src/storage/ObjectStore.js';

const noLog = { error: () => undefined };

async function fresh(prefix: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const db = await openDatabase(dataDir);
  const macKey = randomBytes(32);
  return { dataDir, db, macKey, audit: new AuditLog(db, macKey) };
}

/** A meeting row straight in SQL, so the test does not depend on MeetingStore.insert's shape. */
async function addMeeting(db: Database, id: string, retention: Record<string, number> | null, endedAt: string | null) {
  const now = new Date().toISOString();
  await sql`insert into users (id, username, password_hash, created_at) values (${`u_${id}`}, ${`host-${id}`}, 'x', ${now})`.execute(db);
  await sql`insert into meetings (id, host_user_id, title, password_hash, password_sealed, created_at, updated_at, retention, ended_at)
    values (${id}, ${`u_${id}`}, 'T', 'x', 'x', ${now}, ${now}, ${retention && JSON.stringify(retention)}, ${endedAt})`.execute(db);
}

/** Someone waits (name and address), is sent back, and is denied; the host's own entry stays. */
async function lobby(audit: AuditLog, meetingId: string, name: string) {
  await audit.append({ kind: AuditKind.HOST_JOINED, actor: 'p_host', meetingId, data: { displayName: 'Host' } });
  await audit.append({ kind: AuditKind.WAITING, actor: 'p_guest', meetingId, data: { displayName: name, address: '203.0.113.9' } });
  await audit.append({ kind: AuditKind.SENT_TO_WAITING, actor: 'p_host', meetingId, data: { participantId: 'p_guest', displayName: name } });
  await audit.append({ kind: AuditKind.DENIED, actor: 'p_host', meetingId, data: { participantId: 'p_guest', displayName: name } });
}

const verify = async (audit: AuditLog, macKey: Buffer) => verifyChain(await audit.entries(), macKey);

describe('audit chain v2', () => {
  let env: Awaited<ReturnType<typeof fresh>>;
  before(async () => {
    env = await fresh('kaigi-audit-');
    await lobby(env.audit, 'M1', 'Alice');
  });
  after(async () => {
    await env.db.destroy();
    fs.rmSync(env.dataDir, { recursive: true, force: true });
  });

  it('stores a content hash and verifies', async () => {
    const entries = await env.audit.entries();
    assert.equal(entries.length, 4);
    for (const e of entries) {
      assert.equal(e.contentHash, createHash('sha256').update(JSON.stringify([e.actor, e.data])).digest('hex'));
      const v2 = createHash('sha256').update(JSON.stringify([e.seq, e.at, e.meetingId, e.kind, e.contentHash, e.prevHash])).digest('hex');
      assert.equal(e.hash, v2);
      assert.equal(entryHash(e), v2);
    }
    assert.deepEqual(await verify(env.audit, env.macKey), { ok: true, entries: 4, head: entries[3]!.hash });
  });

  it('detects an edit of actor or data even though the hash does not cover them directly', async () => {
    const row = await env.db.selectFrom('audit_log').selectAll().where('seq', '=', 2).executeTakeFirstOrThrow();
    for (const edit of [{ actor: 'p_someone_else' }, { data: row.data.replace('Alice', 'Bob') }]) {
      await env.db.updateTable('audit_log').set(edit).where('seq', '=', 2).execute();
      const v = await verify(env.audit, env.macKey);
      assert.equal(v.ok, false);
      assert.match(!v.ok ? v.reason : '', /^entry 2 was edited/);
      await env.db.updateTable('audit_log').set({ actor: row.actor, data: row.data }).where('seq', '=', 2).execute();
    }
    // A forged content hash changes the hash, and re-hashing needs the audit key.
    const forged = createHash('sha256').update(JSON.stringify(['p_x', '{}'])).digest('hex');
    await env.db.updateTable('audit_log').set({ actor: 'p_x', data: '{}', content_hash: forged }).where('seq', '=', 2).execute();
    assert.match(JSON.stringify(await verify(env.audit, env.macKey)), /entry 2 was edited/);
    await env.db
      .updateTable('audit_log')
      .set({ hash: entryHash({ ...(await env.audit.entries())[1]!, contentHash: forged }) })
      .where('seq', '=', 2)
      .execute();
    assert.match(JSON.stringify(await verify(env.audit, env.macKey)), /entry 2 was re-hashed without the audit key/);
    await env.db.updateTable('audit_log').set({ actor: row.actor, data: row.data, content_hash: row.content_hash, hash: row.hash }).where('seq', '=', 2).execute();
    assert.equal((await verify(env.audit, env.macKey)).ok, true);
  });

  it('does not let "redacted" hide an entry: only audited redactions of waiting-room records count', async () => {
    const mark = (seq: number) =>
      env.db.updateTable('audit_log').set({ actor: REDACTED_ACTOR, data: REDACTED_DATA, redacted_at: new Date().toISOString() }).where('seq', '=', seq).execute();
    const rows = await env.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    const restore = async (seq: number) => {
      const r = rows[seq - 1]!;
      await env.db.updateTable('audit_log').set({ actor: r.actor, data: r.data, redacted_at: null }).where('seq', '=', seq).execute();
    };
    await mark(1); // host.joined is not a waiting-room record
    assert.match(JSON.stringify(await verify(env.audit, env.macKey)), /entry 1 was edited \(marked redacted, but it is not/);
    await restore(1);
    await mark(2); // a waiting record, but no audited redaction says so
    assert.match(JSON.stringify(await verify(env.audit, env.macKey)), /entry 2 or an earlier one was edited/);
    await restore(2);
    // Marked redacted with other content than the marker.
    await env.db.updateTable('audit_log').set({ redacted_at: new Date().toISOString() }).where('seq', '=', 4).execute();
    assert.match(JSON.stringify(await verify(env.audit, env.macKey)), /entry 4 was edited/);
    await restore(4);
    assert.equal((await verify(env.audit, env.macKey)).ok, true);
  });
});

describe('audit chain v1 entries (written before the content hash)', () => {
  it('still verify, edits to them are still detected, and they are never redacted', async () => {
    const env = await fresh('kaigi-audit-v1-');
    try {
      // Two entries as the earlier AuditLog wrote them: hash over actor and data, no content hash.
      let prev = GENESIS_HASH;
      const at = new Date(Date.now() - 60_000).toISOString();
      for (const seq of [1, 2]) {
        const e = { seq, at, meetingId: 'OLD', kind: AuditKind.WAITING, actor: `p_${seq}`, data: JSON.stringify({ displayName: 'Old Name' }), prevHash: prev };
        const hash = createHash('sha256').update(JSON.stringify([e.seq, e.at, e.meetingId, e.kind, e.actor, e.data, e.prevHash])).digest('hex');
        await env.db
          .insertInto('audit_log')
          .values({ seq, at, meeting_id: e.meetingId, kind: e.kind, actor: e.actor, data: e.data, prev_hash: prev, hash, mac: entryMac(env.macKey, hash), content_hash: null, redacted_at: null })
          .execute();
        prev = hash;
      }
      await env.audit.append({ kind: AuditKind.MEETING_UPDATED, actor: 'u_1', meetingId: 'OLD', data: {} });
      const entries = await env.audit.entries();
      assert.deepEqual(
        entries.map((e) => e.contentHash),
        [null, null, entries[2]!.contentHash],
      );
      assert.equal(entries[2]!.prevHash, prev, 'the first v2 entry links to the last v1 entry');
      assert.equal((await verify(env.audit, env.macKey)).ok, true);
      await env.db.updateTable('audit_log').set({ actor: 'p_other' }).where('seq', '=', 1).execute();
      assert.match(JSON.stringify(await verify(env.audit, env.macKey)), /entry 1 was edited/);
      await env.db.updateTable('audit_log').set({ actor: 'p_1' }).where('seq', '=', 1).execute();
      // A redaction leaves them alone: their hash covers actor and data.
      const n = await env.audit.redact({ meetingId: 'OLD', upTo: new Date().toISOString() }, () => Promise.reject(new Error('nothing to seal')));
      assert.equal(n, 0);
      assert.equal((await verify(env.audit, env.macKey)).ok, true);
    } finally {
      await env.db.destroy();
      fs.rmSync(env.dataDir, { recursive: true, force: true });
    }
  });
});

describe('retention of waiting-room records (Purger)', () => {
  let env: Awaited<ReturnType<typeof fresh>>;
  let meetings: MeetingStore;
  let objects: ObjectStore;
  let signer: CertificateSigner;
  const live = new Set<string>();
  let purger: Purger;
  const marker = `Marker ${randomBytes(8).toString('hex')}`;

  const rowsOf = (meetingId: string) => env.db.selectFrom('audit_log').selectAll().where('meeting_id', '=', meetingId).orderBy('seq').execute();
  const waitingCerts = async (meetingId: string) => (await objects.certificates(meetingId)).filter((c) => c.kind === 'waiting');
  const filesHolding = (needle: string) =>
    fs
      .readdirSync(env.dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && fs.readFileSync(path.join(e.parentPath, e.name)).includes(Buffer.from(needle)))
      .map((e) => e.name);

  before(async () => {
    env = await fresh('kaigi-waiting-');
    meetings = new MeetingStore(env.db);
    signer = CertificateSigner.open(env.dataDir);
    objects = new ObjectStore(env.db, env.dataDir, { kek: serverKey(env.dataDir, 'objects'), signer, node: 'node-a', region: 'jp-east' });
    purger = new Purger(objects, meetings, env.audit, noLog, (id) => live.has(id));
  });
  after(async () => {
    purger.stop();
    await env.db.destroy();
    fs.rmSync(env.dataDir, { recursive: true, force: true });
  });

  it('redacts the waiting-room records of a retention-0 meeting when it ends, with a certificate, and the chain verifies', async () => {
    await addMeeting(env.db, 'R0', null, null);
    await lobby(env.audit, 'R0', marker);
    await env.audit.append({ kind: AuditKind.ADMITTED, actor: 'p_host', meetingId: 'R0', data: { participantId: 'p_other', displayName: 'Kept Name' } });
    const before = await rowsOf('R0');
    assert.ok(filesHolding(marker).length > 0, 'the scan finds the name before');

    await purger.meetingEnded('R0');
    const rows = await rowsOf('R0');
    const redacted = rows.filter((r) => r.redacted_at !== null);
    assert.deepEqual(
      redacted.map((r) => r.kind),
      [AuditKind.WAITING, AuditKind.SENT_TO_WAITING, AuditKind.DENIED],
    );
    for (const r of redacted) {
      assert.equal(r.actor, 'redacted');
      assert.equal(r.data, '{"redacted":"retention"}');
      assert.equal(r.content_hash, before.find((b) => b.seq === r.seq)!.content_hash, 'the content hash stays');
    }
    assert.equal(rows.find((r) => r.kind === AuditKind.ADMITTED)!.actor, 'p_host', 'other entries are left alone');
    assert.equal(rows.find((r) => r.kind === AuditKind.HOST_JOINED)!.actor, 'p_host');
    assert.equal((await verify(env.audit, env.macKey)).ok, true);
    assert.deepEqual(filesHolding(marker), [], 'the name is in neither the database nor its WAL');

    const [cert, ...more] = await waitingCerts('R0');
    assert.equal(more.length, 0);
    assert.ok(cert);
    const endedAt = (await meetings.get('R0'))!.endedAt!;
    assert.equal(cert.objectId, `waiting-R0-${endedAt.replace(/[-:.]/g, '')}`);
    assert.equal(cert.size, 3);
    assert.equal(cert.kind, 'waiting');
    assert.equal('name' in cert, false, 'certificates carry no names (E3)');
    assert.equal(cert.protection, 'server');
    assert.equal(cert.keyDestroyed, false);
    assert.equal(cert.reason, 'retention period ended');
    assert.equal(cert.deletedBy, 'retention');
    const hashes = before.filter((b) => redacted.some((r) => r.seq === b.seq)).map((b) => b.content_hash).join('');
    assert.equal(cert.ciphertextSha256, createHash('sha256').update(hashes).digest('hex'));
    assert.equal(verifyCertificate(cert, signer.publicKeyPem).valid, true);
    const deleted = rows.filter((r) => r.kind === AuditKind.OBJECT_DELETED);
    assert.equal(deleted.length, 1);
    assert.deepEqual(JSON.parse(deleted[0]!.data), {
      objectId: cert.objectId,
      kind: 'waiting',
      entries: 3,
      reason: 'retention period ended',
      certificateSha256: createHash('sha256').update(JSON.stringify(cert)).digest('hex'),
    });

    // Another pass issues nothing more.
    await purger.purgeDue();
    assert.equal((await waitingCerts('R0')).length, 1);
    assert.equal((await rowsOf('R0')).length, rows.length);
  });

  it('keeps them for retention.waiting after the end, then redacts only what was written before that end', async () => {
    const name = `Later ${randomBytes(8).toString('hex')}`;
    await addMeeting(env.db, 'R1', { chat: 0, files: 0, recordings: 0, waiting: 3600 }, null);
    await lobby(env.audit, 'R1', name);
    await purger.meetingEnded('R1');
    await purger.purgeDue();
    assert.equal((await rowsOf('R1')).filter((r) => r.redacted_at !== null).length, 0, 'not yet due');
    assert.equal((await waitingCerts('R1')).length, 0);
    assert.ok(filesHolding(name).length > 0, 'the name is still there');

    // The meeting runs again, and someone waits; the host shortens the retention to 1 s.
    const newer = `Newer ${randomBytes(8).toString('hex')}`;
    await env.audit.append({ kind: AuditKind.WAITING, actor: 'p_new', meetingId: 'R1', data: { displayName: newer } });
    await env.db.updateTable('meetings').set({ retention: JSON.stringify({ chat: 0, files: 0, recordings: 0, waiting: 1 }) }).where('id', '=', 'R1').execute();
    await new Promise((r) => setTimeout(r, 1100));
    await purger.purgeDue();
    let rows = await rowsOf('R1');
    assert.deepEqual(
      rows.filter((r) => r.redacted_at !== null).map((r) => r.kind),
      [AuditKind.WAITING, AuditKind.SENT_TO_WAITING, AuditKind.DENIED],
      'the records up to the first end',
    );
    assert.equal(rows.find((r) => r.actor === 'p_new')?.redacted_at, null, 'not the one written after that end');
    assert.deepEqual(filesHolding(name), []);
    assert.ok(filesHolding(newer).length > 0);
    assert.equal((await verify(env.audit, env.macKey)).ok, true);

    // It ends again: 1 s later the newer record goes too, under a second certificate.
    await purger.meetingEnded('R1');
    await new Promise((r) => setTimeout(r, 1100));
    await purger.purgeDue();
    rows = await rowsOf('R1');
    assert.equal(rows.filter((r) => r.redacted_at === null && r.kind === AuditKind.WAITING).length, 0);
    const certs = await waitingCerts('R1');
    assert.deepEqual(
      certs.map((c) => c.size),
      [3, 1],
    );
    assert.notEqual(certs[0]!.objectId, certs[1]!.objectId);
    assert.deepEqual(filesHolding(newer), []);
    assert.equal((await verify(env.audit, env.macKey)).ok, true);
  });

  it('redacts the records of a deleted meeting at the next pass', async () => {
    const name = `Deleted ${randomBytes(8).toString('hex')}`;
    await addMeeting(env.db, 'R2', { chat: 0, files: 0, recordings: 0, waiting: 86400 }, null);
    await lobby(env.audit, 'R2', name);
    await meetings.delete('R2');
    await purger.purgeDue();
    assert.equal((await rowsOf('R2')).filter((r) => r.redacted_at !== null).length, 3);
    const [cert] = await waitingCerts('R2');
    assert.equal(cert?.reason, 'meeting deleted');
    assert.deepEqual(filesHolding(name), []);
    assert.equal((await verify(env.audit, env.macKey)).ok, true);
  });

  it('at start, counts a meeting that was running when the process died as ended then', async () => {
    const name = `Crashed ${randomBytes(8).toString('hex')}`;
    await addMeeting(env.db, 'R3', null, null);
    await lobby(env.audit, 'R3', name);
    const restarted = new Purger(objects, meetings, env.audit, noLog, () => false);
    try {
      await restarted.start();
    } finally {
      restarted.stop();
    }
    assert.notEqual((await meetings.get('R3'))?.endedAt, null);
    assert.equal((await rowsOf('R3')).filter((r) => r.redacted_at !== null).length, 3);
    assert.equal((await waitingCerts('R3')).length, 1);
    assert.deepEqual(filesHolding(name), []);
    assert.equal((await verify(env.audit, env.macKey)).ok, true);
  });

  it('issues nothing for a meeting without waiting-room records', async () => {
    await addMeeting(env.db, 'R4', null, null);
    await env.audit.append({ kind: AuditKind.HOST_JOINED, actor: 'p_host', meetingId: 'R4', data: { displayName: 'Host' } });
    await purger.meetingEnded('R4');
    assert.equal((await objects.certificates('R4')).length, 0);
    assert.equal((await rowsOf('R4')).length, 1);
  });
});
