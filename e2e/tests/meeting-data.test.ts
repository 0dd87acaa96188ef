// A4, E1, E3, E4, E5 through the API as a host and raw participants see it: files shared in a
// meeting are encrypted at rest, deletion destroys key and bytes with a certificate that the CLI
// verifies, retention 0 purges at the meeting's end, a purge that fell due while the server was
// killed happens at its next start, and the export archive opens only with its passphrase.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createMeeting, guest, hostSession, HOST_PASSWORD } from '../support/fixtures.js';
import { HttpClient, oversizedPostStatus } from '../support/http.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let host: HttpClient;

before(async () => {
  server = await startServer();
  host = await hostSession(server);
});
after(async () => {
  await server?.stop();
});

interface Seat {
  ws: WsClient;
  id: string;
  token: string;
}

async function hostJoins(s: RunningServer, http: HttpClient, meetingId: string): Promise<Seat> {
  const ws = await WsClient.connect(s.url, { cookie: http.cookieHeader() });
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Host', e2ee: true });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  return { ws, id: r.participantId, token: r.resumeToken };
}

async function guestJoins(s: RunningServer, hostSeat: Seat, meetingId: string, password: string, name: string, e2ee = false): Promise<Seat> {
  const { ws } = await guest(s);
  const r = await ws.request({ type: 'join', meetingId, displayName: name, password, e2ee });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  assert.equal((await hostSeat.ws.request({ type: 'admit', participantId: r.participantId })).type, 'ok');
  await ws.next((m) => m.type === 'admitted');
  return { ws, id: r.participantId, token: r.resumeToken };
}

/** name null: no x-kaigi-file-name header, as browsers upload E2EE files (the name is inside). */
async function upload(s: RunningServer, meetingId: string, seat: Seat, name: string | null, data: Buffer, protection = 'server') {
  const res = await fetch(`${s.url}/api/meetings/${meetingId}/files`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'x-kaigi-participant': `${seat.id}:${seat.token}`,
      ...(name === null ? {} : { 'x-kaigi-file-name': encodeURIComponent(name) }),
      'x-kaigi-protection': protection,
    },
    body: new Uint8Array(data),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function download(s: RunningServer, meetingId: string, seat: Seat, fileId: string): Promise<{ status: number; data: Buffer }> {
  const res = await fetch(`${s.url}/api/meetings/${meetingId}/files/${fileId}`, { headers: { 'x-kaigi-participant': `${seat.id}:${seat.token}` } });
  return { status: res.status, data: Buffer.from(await res.arrayBuffer()) };
}

/** Every file under the data folder, database, WAL and keys included, as one list of buffers. */
function scan(dir: string): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    out.push({ file, bytes: fs.readFileSync(file) });
  }
  return out;
}

const holds = (dir: string, needle: Buffer) => scan(dir).filter((f) => f.bytes.includes(needle)).map((f) => f.file);

function wrappedKeyOf(dataDir: string, objectId: string): string {
  const db = new Database(path.join(dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    return (db.prepare('select wrapped_key from objects where id = ?').get(objectId) as { wrapped_key: string }).wrapped_key;
  } finally {
    db.close();
  }
}

describe('meeting data (A4, E1, E3, E4, E5)', () => {
  it('stores a shared file encrypted, and deleting it leaves neither bytes nor key, with a certificate', async () => {
    const m = await createMeeting(host, 'Files', { level: 'low' });
    const h = await hostJoins(server, host, m.id);
    const g = await guestJoins(server, h, m.id, m.password, 'Guest');
    const other = await guestJoins(server, h, m.id, m.password, 'Other');

    const marker = randomBytes(24);
    const content = Buffer.concat([Buffer.from('quarterly figures '), marker, randomBytes(5000)]);
    const fileName = `決算 Q3 ${randomBytes(6).toString('hex')}.pdf`;
    const up = await upload(server, m.id, g, fileName, content);
    assert.equal(up.status, 201, JSON.stringify(up.json));
    const listed = await other.ws.next((x) => x.type === 'files' && x.files.length === 1);
    assert.equal(listed.files[0].name, fileName, 'participants see the name the server opened for them');
    // D2, E3: the name is sealed under the file's own key, in the database and its WAL alike.
    assert.deepEqual(holds(server.dataDir, Buffer.from(fileName)), [], 'the file name is in the data folder in clear');
    const got = await download(server, m.id, other, up.json.id);
    assert.equal(got.status, 200);
    assert.ok(got.data.equals(content), 'participants download the original bytes');
    assert.deepEqual(holds(server.dataDir, marker), [], 'the plaintext is nowhere in the data folder');

    // Refusals: no seat, a wrong token, a file name with a path, too big, chat-less permissions.
    assert.equal((await download(server, m.id, { ...other, token: 'x'.repeat(43) }, up.json.id)).status, 403);
    assert.equal((await upload(server, m.id, g, '../../etc/passwd', Buffer.from('x'))).status, 400);
    assert.equal((await upload(server, m.id, g, 'e2ee.bin', Buffer.from('x'), 'e2ee')).json.code, 'E2EE_NOT_ENABLED');
    const big = await oversizedPostStatus(
      `${server.url}/api/meetings/${m.id}/files`,
      { 'content-type': 'application/octet-stream', 'x-kaigi-participant': `${g.id}:${g.token}`, 'x-kaigi-file-name': 'big.bin' },
      Buffer.alloc(26 * 1024 * 1024),
    );
    assert.equal(big, 413);
    assert.equal((await h.ws.request({ type: 'setMediaPermissions', permissions: { files: false } })).type, 'ok');
    assert.equal((await upload(server, m.id, g, 'late.txt', Buffer.from('late'))).json.code, 'FILES_DISABLED');

    // The data map lists it with its place; deletion destroys key and bytes.
    const map = await host.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(map.status, 200);
    const entry = map.json.objects.find((o: any) => o.id === up.json.id);
    assert.equal(entry.kind, 'file');
    assert.equal(entry.name, fileName, 'the host sees the name in the data map');
    assert.equal(entry.region, 'local');
    assert.ok(entry.location.includes(m.id));
    const wrapped = wrappedKeyOf(server.dataDir, up.json.id);
    assert.ok(holds(server.dataDir, Buffer.from(wrapped)).length > 0, 'the scan finds the wrapped key before deletion');
    const del = await host.request('DELETE', `/api/meetings/${m.id}/objects/${up.json.id}`);
    assert.equal(del.status, 200, JSON.stringify(del.json));
    assert.equal(del.json.objectId, up.json.id);
    // E3: the certificate names the object by ID and ciphertext hash, not by its name.
    assert.equal('name' in del.json, false);
    assert.equal(JSON.stringify(del.json).includes(fileName), false);
    assert.match(del.json.ciphertextSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(holds(server.dataDir, Buffer.from(wrapped)), [], 'the wrapped key is gone from every file');
    assert.deepEqual(holds(server.dataDir, Buffer.from(fileName)), [], 'the file name is in the data folder in clear');
    assert.deepEqual(holds(server.dataDir, marker), []);
    assert.equal((await download(server, m.id, other, up.json.id)).status, 404);

    const certFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-cert-')), 'cert.json');
    fs.writeFileSync(certFile, JSON.stringify(del.json));
    const ok = await server.cli(['certificate', 'verify', certFile]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    fs.writeFileSync(certFile, JSON.stringify({ ...del.json, reason: 'never deleted' }));
    const bad = await server.cli(['certificate', 'verify', certFile]);
    assert.equal(bad.code, 1, 'an edited certificate does not verify');

    const after = await host.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(after.json.objects.length, 0);
    assert.equal(after.json.deletions[0].objectId, up.json.id);
    for (const s of [h, g, other]) s.ws.close();
  });

  it('exports the meeting as an archive that opens with its passphrase only', async () => {
    const m = await createMeeting(host, 'Export', { level: 'low' });
    const h = await hostJoins(server, host, m.id);
    const g = await guestJoins(server, h, m.id, m.password, 'Guest');
    const content = Buffer.concat([Buffer.from('minutes '), randomBytes(3000)]);
    assert.equal((await upload(server, m.id, g, 'minutes.txt', content)).status, 201);
    const passphrase = 'correct horse export staple';
    const res = await fetch(`${server.url}/api/meetings/${m.id}/export`, {
      method: 'POST',
      headers: { ...host.authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ passphrase }),
    });
    assert.equal(res.status, 200);
    const archive = Buffer.from(await res.arrayBuffer());
    assert.equal(archive.includes(content.subarray(0, 40)), false, 'the archive is encrypted');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-export-'));
    const file = path.join(dir, 'export.kaigiarc');
    fs.writeFileSync(file, archive);
    const wrong = await server.cli(['export', 'open', file, '--out', path.join(dir, 'wrong')], 'not the passphrase at all\n');
    assert.equal(wrong.code, 1, 'a wrong passphrase opens nothing');
    const right = await server.cli(['export', 'open', file, '--out', path.join(dir, 'out')], `${passphrase}\n`);
    assert.equal(right.code, 0, right.stdout + right.stderr);
    const names = fs.readdirSync(path.join(dir, 'out'));
    assert.ok(names.includes('attendance.json') && names.includes('audit.json'), names.join(','));
    const file0 = names.find((n) => n.includes('minutes.txt'));
    assert.ok(file0 && fs.readFileSync(path.join(dir, 'out', file0)).equals(content), 'the shared file comes back as it was');
    for (const s of [h, g]) s.ws.close();
  });

  it('keeps chat only when the host chose to, tells everyone, stores it encrypted and exports it', async () => {
    const m = await createMeeting(host, 'Chat kept later', { level: 'low' });
    const h = await hostJoins(server, host, m.id);
    const { ws } = await guest(server);
    const joined = await ws.request({ type: 'join', meetingId: m.id, displayName: 'Guest', password: m.password });
    await h.ws.request({ type: 'admit', participantId: joined.participantId });
    const admitted = await ws.next((x) => x.type === 'admitted');
    assert.equal(admitted.meeting.chatRetentionSeconds, 0, 'by default chat is not kept');
    const say = async (text: string) => {
      await ws.request({ type: 'chat', text });
      await h.ws.next((x) => x.type === 'chat' && x.text === text);
    };
    const before = `unkept ${randomBytes(12).toString('hex')}`;
    await say(before);
    // The host decides to keep chat: everyone is told at once, and only later messages are kept.
    const patched = await host.request('PATCH', `/api/meetings/${m.id}`, { retention: { chat: 3600 } });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    const told = await ws.next((x) => x.type === 'meetingState' && x.meeting.chatRetentionSeconds === 3600);
    assert.ok(told);
    const kept = `kept ${randomBytes(12).toString('hex')}`;
    await say(kept);
    await ws.request({ type: 'leave' });
    await h.ws.request({ type: 'leave' });
    const map = await until(
      () => host.request('GET', `/api/meetings/${m.id}/data-map`),
      (r) => r.json.objects.some((o: any) => o.kind === 'chat' && o.purgeAt !== null),
      10_000,
      'the chat stored when the meeting ended',
    );
    const chat = map.json.objects.filter((o: any) => o.kind === 'chat');
    assert.equal(chat.length, 1);
    assert.equal(chat[0].protection, 'server');
    assert.equal(map.json.planned.find((p: any) => p.kind === 'chat').stored, true);
    for (const text of [before, kept]) assert.deepEqual(holds(server.dataDir, Buffer.from(text)), [], 'no chat in the clear on disk');
    const got = await fetch(`${server.url}/api/meetings/${m.id}/objects/${chat[0].id}`, { headers: host.authHeaders() });
    const lines = (await got.text()).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.fromName, l.text]),
      [['Guest', kept]],
    );
  });

  it('never keeps the chat of an E2EE meeting, whatever the retention', async () => {
    const created = await host.request('POST', '/api/meetings', { title: 'Sealed chat', level: 'low', e2ee: true, retention: { chat: 86400 } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const m = created.json as { id: string };
    const h = await hostJoins(server, host, m.id);
    const admitted = await h.ws.next((x) => x.type === 'admitted');
    assert.equal(admitted.meeting.chatRetentionSeconds, 0);
    const map = await host.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(map.json.planned.find((p: any) => p.kind === 'chat').stored, false);
    await h.ws.request({ type: 'leave' });
  });

  it('stores E2EE files as the browser encrypted them, with no name, and refuses ones the server could read (D2, E3)', async () => {
    const created = await host.request('POST', '/api/meetings', { title: 'Sealed files', level: 'low', e2ee: true });
    const m = created.json as { id: string; password: string };
    const h = await hostJoins(server, host, m.id);
    const g = await guestJoins(server, h, m.id, m.password, 'Guest', true);
    const ciphertext = randomBytes(4096);
    assert.equal((await upload(server, m.id, g, 'plain.txt', Buffer.from('plain'))).json.code, 'E2EE_PLAINTEXT_REFUSED');
    // A name in clear beside E2EE bytes is refused too: the name travels inside the ciphertext.
    const secretName = `merger-plan-${randomBytes(6).toString('hex')}.pdf`;
    const named = await upload(server, m.id, g, secretName, ciphertext, 'e2ee');
    assert.equal(named.status, 400);
    assert.equal(named.json.code, 'E2EE_PLAINTEXT_REFUSED');
    const up = await upload(server, m.id, g, null, ciphertext, 'e2ee');
    assert.equal(up.status, 201, JSON.stringify(up.json));
    assert.equal(up.json.protection, 'e2ee');
    assert.equal(up.json.name, null, 'the server has no name for an E2EE file');
    const got = await download(server, m.id, h, up.json.id);
    assert.ok(got.data.equals(ciphertext), 'the server hands back exactly the ciphertext');
    const map = await host.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(map.json.objects.find((o: any) => o.id === up.json.id).name, null);
    assert.deepEqual(holds(server.dataDir, Buffer.from(secretName)), [], 'the refused name was kept');
    // In the export the E2EE file is named by its ID: the server has nothing else to call it.
    const passphrase = 'sealed files export phrase';
    const res = await fetch(`${server.url}/api/meetings/${m.id}/export`, {
      method: 'POST',
      headers: { ...host.authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ passphrase }),
    });
    assert.equal(res.status, 200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-export-e2ee-'));
    fs.writeFileSync(path.join(dir, 'export.kaigiarc'), Buffer.from(await res.arrayBuffer()));
    const opened = await server.cli(['export', 'open', path.join(dir, 'export.kaigiarc'), '--out', path.join(dir, 'out')], `${passphrase}\n`);
    assert.equal(opened.code, 0, opened.stdout + opened.stderr);
    const entry = path.join(dir, 'out', `file-${up.json.id}.e2ee`);
    assert.ok(fs.readFileSync(entry).equals(ciphertext), fs.readdirSync(path.join(dir, 'out')).join(','));
    // The certificate: the object's ID and the hash of the ciphertext, no name.
    const del = await host.request('DELETE', `/api/meetings/${m.id}/objects/${up.json.id}`);
    assert.equal(del.status, 200, JSON.stringify(del.json));
    assert.equal(del.json.objectId, up.json.id);
    assert.equal(del.json.ciphertextSha256, createHash('sha256').update(ciphertext).digest('hex'));
    assert.equal('name' in del.json, false);
    assert.equal(JSON.stringify(del.json).includes(secretName), false);
    assert.deepEqual(holds(server.dataDir, Buffer.from(secretName)), []);
    for (const s of [h, g]) s.ws.close();
  });
});

describe('retention and purge (E4)', () => {
  it('purges everything of a retention-0 meeting when it ends, with certificates', async () => {
    const created = await host.request('POST', '/api/meetings', { title: 'Retention 0', level: 'low', retention: { files: 0 } });
    const m = created.json as { id: string; password: string };
    const h = await hostJoins(server, host, m.id);
    const g = await guestJoins(server, h, m.id, m.password, 'Guest');
    const up = await upload(server, m.id, g, 'notes.txt', randomBytes(100));
    assert.equal(up.status, 201);
    await g.ws.request({ type: 'leave' });
    await h.ws.request({ type: 'leave' });
    const map = await until(() => host.request('GET', `/api/meetings/${m.id}/data-map`), (r) => r.json.objects.length === 0, 10_000, 'purge at the end');
    // The file, and (see below) the guest's waiting-room record.
    const files = map.json.deletions.filter((d: any) => d.kind === 'file');
    assert.equal(files.length, 1);
    assert.equal(files[0].reason, 'retention period ended');
    const cert = await host.request('GET', `/api/meetings/${m.id}/certificates/${up.json.id}`);
    assert.equal(cert.status, 200);
    assert.equal(cert.json.ciphertextSha256.length, 64);
  });

  it('purges at the next start what fell due while the server was killed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-purge-'));
    let s = await startServer({}, dataDir);
    const r = await s.cli(['user', 'add', 'keiko'], `${HOST_PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
    let http = new HttpClient(s.url);
    await http.signIn('keiko', HOST_PASSWORD);
    const created = await http.request('POST', '/api/meetings', { title: 'Killed', level: 'low', retention: { files: 3 } });
    const m = created.json as { id: string; password: string };
    const h = await hostJoins(s, http, m.id);
    const g = await guestJoins(s, h, m.id, m.password, 'Guest');
    const marker = randomBytes(24);
    assert.equal((await upload(s, m.id, g, 'kept-3s.txt', Buffer.concat([marker, randomBytes(64)]))).status, 201);
    await g.ws.request({ type: 'leave' });
    await h.ws.request({ type: 'leave' });
    // The meeting ended: the file is due in 3 s. The server dies before that.
    await until(() => http.request('GET', `/api/meetings/${m.id}/data-map`), (x) => x.json.objects[0]?.purgeAt !== null, 5000, 'a purge time');
    await s.stop('SIGKILL');
    await new Promise((res) => setTimeout(res, 3500));
    s = await startServer({}, dataDir);
    http = new HttpClient(s.url);
    await http.signIn('keiko', HOST_PASSWORD);
    const map = await http.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(map.json.objects.length, 0, 'purged at start');
    assert.equal(map.json.deletions.filter((d: any) => d.kind === 'file').length, 1);
    await s.stop();
  });

  it('removes the names and addresses in waiting-room records when a retention-0 meeting ends, with a certificate', async () => {
    const m = await createMeeting(host, 'Lobby records');
    const mark = randomBytes(12).toString('hex');
    const admittedName = `Admitted ${mark}`;
    const deniedName = `Denied ${mark}`;
    const h = await hostJoins(server, host, m.id);
    const g = await guestJoins(server, h, m.id, m.password, admittedName);
    const { ws: d } = await guest(server);
    const waiting = await d.request({ type: 'join', meetingId: m.id, displayName: deniedName, password: m.password });
    assert.equal(waiting.type, 'joined', JSON.stringify(waiting));
    assert.equal((await h.ws.request({ type: 'deny', participantId: waiting.participantId })).type, 'ok');
    assert.equal((await d.next((x) => x.type === 'ended')).code, 'DENIED');
    d.close();
    assert.ok(holds(server.dataDir, Buffer.from(deniedName)).length > 0, 'the scan finds the name while the meeting runs');
    const planned = (await host.request('GET', `/api/meetings/${m.id}/data-map`)).json.planned.find((p: any) => p.kind === 'waiting');
    assert.equal(planned.stored, true);
    assert.equal(planned.retentionSeconds, 0);
    assert.match(planned.note, /audit log/);

    await g.ws.request({ type: 'leave' });
    await h.ws.request({ type: 'leave' });
    const map = await until(
      () => host.request('GET', `/api/meetings/${m.id}/data-map`),
      (r) => r.json.deletions.some((x: any) => x.kind === 'waiting'),
      20_000,
      'a certificate for the waiting-room records',
    );
    const w = map.json.deletions.filter((x: any) => x.kind === 'waiting');
    assert.equal(w.length, 1);
    assert.equal(w[0].reason, 'retention period ended');
    assert.equal(w[0].deletedBy, 'retention');
    const cert = await host.request('GET', `/api/meetings/${m.id}/certificates/${w[0].objectId}`);
    assert.equal(cert.status, 200);
    assert.equal(cert.json.size, 3, 'two waiting entries and one denial');
    const certFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-cert-')), 'waiting.json');
    fs.writeFileSync(certFile, JSON.stringify(cert.json));
    const ok = await server.cli(['certificate', 'verify', certFile]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const verified = await server.cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);

    // The denied guest's name is nowhere: not in the database, not in its WAL.
    await until(async () => holds(server.dataDir, Buffer.from(deniedName)), (files) => files.length === 0, 5000, 'no trace of the denied name');
    // The admitted guest's waiting record is redacted too; the name stays only in the attendance
    // (admitted, left), which is not a waiting-room record.
    const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('select kind, actor, data, redacted_at from audit_log where meeting_id = ?').all(m.id) as any[];
      const lobby = rows.filter((r) => ['participant.waiting', 'participant.denied', 'participant.sent_to_waiting'].includes(r.kind));
      assert.equal(lobby.length, 3);
      for (const r of lobby) assert.deepEqual([r.actor, r.data, r.redacted_at !== null], ['redacted', '{"redacted":"retention"}', true]);
      const named = rows.filter((r) => r.data.includes(admittedName)).map((r) => r.kind);
      assert.deepEqual([...new Set(named)].sort(), ['participant.admitted', 'participant.left']);
    } finally {
      db.close();
    }
  });

  it('keeps waiting-room records for retention.waiting after the meeting ends', async () => {
    const created = await host.request('POST', '/api/meetings', { title: 'Lobby kept', retention: { waiting: 3600 } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const m = created.json as { id: string; password: string };
    const deniedName = `Kept ${randomBytes(12).toString('hex')}`;
    const h = await hostJoins(server, host, m.id);
    const { ws: d } = await guest(server);
    const waiting = await d.request({ type: 'join', meetingId: m.id, displayName: deniedName, password: m.password });
    assert.equal((await h.ws.request({ type: 'deny', participantId: waiting.participantId })).type, 'ok');
    d.close();
    await h.ws.request({ type: 'leave' });
    const endedAt = () => {
      const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'), { readonly: true });
      try {
        return Promise.resolve((db.prepare('select ended_at from meetings where id = ?').get(m.id) as { ended_at: string | null }).ended_at);
      } finally {
        db.close();
      }
    };
    await until(endedAt, (v) => v !== null, 10_000, 'the meeting to end');
    // The pass that runs at the end has had its chance.
    await new Promise((r) => setTimeout(r, 1000));
    const map = await host.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(map.json.planned.find((p: any) => p.kind === 'waiting').retentionSeconds, 3600);
    assert.deepEqual(map.json.deletions, []);
    assert.ok(holds(server.dataDir, Buffer.from(deniedName)).length > 0, 'the names are kept until the retention runs out');
    const verified = await server.cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout);
  });
});
