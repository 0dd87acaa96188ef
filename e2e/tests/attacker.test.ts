// Raw HTTP and WebSocket clients try what an attacker would (B1, B2, B6, H2, F4): every attempt
// gets a clear error code, nothing about the meeting leaks, the server stays up, and the audit
// log records it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../support/server.js';
import { HttpClient } from '../support/http.js';
import { WsClient } from '../support/ws.js';
import { createMeeting, guest, hostSession, MEETING_CONTENT } from '../support/fixtures.js';
import type { HttpClient as Http } from '../support/http.js';

let server: RunningServer;
let host: Http;
let meeting: { id: string; password: string; joinUrl: string; hostUrl: string };
const TITLE = 'Merger talks with Contoso';

async function auditKinds(): Promise<string[]> {
  const r = await server.cli(['audit', 'verify']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(`${server.dataDir}/kaigi.sqlite`, { readonly: true });
  const rows = db.prepare('select kind from audit_log order by seq').all() as { kind: string }[];
  db.close();
  return rows.map((r) => r.kind);
}

function assertNothingLeaked(ws: WsClient): void {
  for (const m of ws.messages) {
    assert.ok(!MEETING_CONTENT.has(m.type), `leaked ${m.type}`);
    assert.ok(!JSON.stringify(m).includes(TITLE), 'leaked the title');
  }
}

before(async () => {
  // A high per-address budget: these tests all come from 127.0.0.1. Rate limits have their own test.
  server = await startServer({ KAIGI_JOIN_FAILURES_PER_ADDRESS: '1000', KAIGI_RESUME_GRACE_SECONDS: '2' });
  host = await hostSession(server);
  meeting = await createMeeting(host, TITLE);
});

after(async () => {
  assert.equal(await server.stop(), 0, 'graceful shutdown on SIGTERM exits 0');
});

describe('meetings API (F4, B1, G1)', () => {
  it('creates meetings with random IDs, a default password and the password only in the fragment', async () => {
    assert.match(meeting.id, /^[0-9a-hjkmnp-tv-z]{16}$/);
    assert.ok(meeting.password.length >= 10);
    const url = new URL(meeting.joinUrl);
    assert.equal(url.pathname, `/m/${meeting.id}`);
    assert.equal(url.search, '');
    assert.equal(new URLSearchParams(url.hash.slice(1)).get('pwd'), meeting.password);
    assert.equal(new URL(meeting.hostUrl).pathname, `/m/${meeting.id}/host`);
    const other = await createMeeting(host, 'Second');
    assert.notEqual(other.id, meeting.id);
    assert.notEqual(other.password, meeting.password);
  });

  it('documents the API in OpenAPI', async () => {
    const r = await new HttpClient(server.url).request('GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.json.openapi, '3.1.0');
    assert.ok(r.json.paths['/api/meetings'].post);
    assert.ok(r.json.paths['/api/meetings/{id}'].delete);
    for (const p of ['/api/meetings/{id}/report', '/api/meetings/{id}/invitation', '/api/meetings/{id}/data-map', '/api/meetings/{id}/recordings', '/api/organisation/policy']) {
      assert.ok(r.json.paths[p], `${p} is documented`);
    }
  });

  it('reads, updates and deletes a meeting', async () => {
    const m = await createMeeting(host, 'Temporary');
    let r = await host.request('GET', `/api/meetings/${m.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.title, 'Temporary');
    r = await host.request('PATCH', `/api/meetings/${m.id}`, { title: 'Renamed', password: 'a-new-long-password' });
    assert.equal(r.status, 200);
    assert.equal(r.json.title, 'Renamed');
    assert.equal(r.json.password, 'a-new-long-password');
    r = await host.request('GET', '/api/meetings');
    assert.ok(r.json.meetings.some((x: { id: string }) => x.id === m.id));
    assert.equal((await host.request('DELETE', `/api/meetings/${m.id}`)).status, 204);
    assert.equal((await host.request('GET', `/api/meetings/${m.id}`)).status, 404);
  });

  it('refuses anonymous, forged and malformed requests with clear codes', async () => {
    const anon = new HttpClient(server.url);
    let r = await anon.request('GET', '/api/meetings');
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'UNAUTHENTICATED');
    r = await anon.request('GET', '/api/meetings', undefined, { authorization: 'Bearer kaigi_forged' });
    assert.equal(r.status, 401);
    r = await host.request('POST', '/api/meetings', { title: 'x' }, { 'x-csrf-token': 'wrong' });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'CSRF');
    r = await host.request('POST', '/api/meetings', '{"title": ');
    assert.equal(r.status, 400);
    r = await host.request('POST', '/api/meetings', { title: '' });
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'VALIDATION');
    r = await host.request('POST', '/api/meetings', { title: 'ok', password: 'short' });
    assert.equal(r.json.code, 'VALIDATION');
    r = await host.request('POST', '/api/meetings', { title: 'ok', isAdmin: true });
    assert.equal(r.json.code, 'VALIDATION');
    r = await host.request('POST', '/api/meetings', { title: 'x'.repeat(100_000) });
    assert.equal(r.status, 413);
    assert.equal(r.json.code, 'MESSAGE_TOO_LARGE');
    r = await anon.request('POST', '/api/auth/signin', { username: 'host', password: 'wrong password' });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'INVALID_CREDENTIALS');
  });

  it("hides other hosts' meetings", async () => {
    const other = await hostSession(server, 'other');
    const r = await other.request('GET', `/api/meetings/${meeting.id}`);
    assert.equal(r.status, 404);
    assert.equal((await other.request('DELETE', `/api/meetings/${meeting.id}`)).status, 404);
    const list = await other.request('GET', '/api/meetings');
    assert.deepEqual(list.json.meetings, []);
  });

  it('accepts API tokens from the CLI as Bearer credentials, without CSRF', async () => {
    const t = await server.cli(['token', 'create', 'host', 'ci']);
    assert.equal(t.code, 0, t.stderr);
    const token = t.stdout.trim();
    const api = new HttpClient(server.url);
    const r = await api.request('POST', '/api/meetings', { title: 'Via token' }, { authorization: `Bearer ${token}` });
    assert.equal(r.status, 201);
    const list = await server.cli(['token', 'list']);
    const id = list.stdout.split('\n').find((l) => l.includes('\tci\t'))!.split('\t')[0]!;
    assert.equal((await server.cli(['token', 'revoke', id])).code, 0);
    const again = await api.request('GET', '/api/meetings', undefined, { authorization: `Bearer ${token}` });
    assert.equal(again.status, 401);
  });
});

describe('signalling refusals (B1, B2, B6)', () => {
  it('refuses a join without or with a wrong password, and leaks nothing', async () => {
    const { ws } = await guest(server);
    let r = await ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Mallory' });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'WRONG_PASSWORD');
    r = await ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Mallory', password: 'guess-guess-guess' });
    assert.equal(r.code, 'WRONG_PASSWORD');
    // An unknown meeting answers exactly like a wrong password: no oracle for meeting IDs.
    r = await ws.request({ type: 'join', meetingId: '0000000000000000', displayName: 'Mallory', password: meeting.password });
    assert.equal(r.code, 'WRONG_PASSWORD');
    await new Promise((res) => setTimeout(res, 200));
    assertNothingLeaked(ws);
    ws.close();
    const kinds = await auditKinds();
    assert.ok(kinds.filter((k) => k === 'join.password_failed').length >= 3);
  });

  it('answers malformed, oversized and out-of-order messages with codes and stays up', async () => {
    const { ws } = await guest(server);
    const notJson = ws.after('error');
    ws.send('not json');
    assert.equal((await notJson).code, 'INVALID_MESSAGE');
    let r = await ws.request({ type: 'teleport' });
    assert.equal(r.code, 'INVALID_MESSAGE');
    r = await ws.request({ type: 'join', meetingId: meeting.id, displayName: 'X', password: meeting.password, role: 'host' });
    assert.equal(r.code, 'INVALID_MESSAGE', 'unknown fields such as a claimed role are refused');
    r = await ws.request({ type: 'join', meetingId: '../../etc', displayName: 'X', password: 'p' });
    assert.equal(r.code, 'INVALID_MESSAGE');
    r = await ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Evil\u202eName', password: meeting.password });
    assert.equal(r.code, 'INVALID_MESSAGE', 'bidi overrides in names are refused');
    r = await ws.request({ type: 'admit', participantId: 'p_AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(r.code, 'NOT_JOINED');
    r = await ws.request({ type: 'setLocked', locked: true });
    assert.equal(r.code, 'NOT_JOINED');
    // Too large to parse, so the answer cannot echo a reqId.
    const tooLarge = ws.after('error');
    ws.send({ type: 'join', meetingId: meeting.id, displayName: 'X'.repeat(9000), password: meeting.password });
    assert.equal((await tooLarge).code, 'MESSAGE_TOO_LARGE');
    const binary = ws.after('error');
    ws.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await binary).code, 'INVALID_MESSAGE');
    assertNothingLeaked(ws);
    ws.send('x'.repeat(200_000));
    assert.equal(await ws.closed(), 1009, 'frames over the limit close the socket');
    const health = await new HttpClient(server.url).request('GET', '/api/health');
    assert.equal(health.status, 200);
    const kinds = await auditKinds();
    assert.ok(kinds.includes('message.rejected'));
  });

  it('keeps a waiting guest from seeing or doing anything, and a guest from acting as host', async () => {
    const hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    const hj = await hostWs.request({ type: 'join', meetingId: meeting.id, displayName: 'The Host' });
    assert.equal(hj.type, 'joined');
    assert.equal(hj.role, 'host');
    const hostId = hj.participantId;

    const a = await guest(server);
    const joined = await a.ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Alice', password: meeting.password });
    assert.equal(joined.type, 'joined');
    assert.equal(joined.role, 'participant', 'the role comes from the server, not from the client');
    assert.equal(joined.state, 'waiting');
    assert.equal((await a.ws.next((m) => m.type === 'waiting')).hostPresent, true);
    let r = await a.ws.request({ type: 'admit', participantId: joined.participantId });
    assert.equal(r.code, 'NOT_ADMITTED');
    r = await a.ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Alice', password: meeting.password });
    assert.equal(r.code, 'ALREADY_JOINED');
    assertNothingLeaked(a.ws);

    const wr = await hostWs.next((m) => m.type === 'waitingRoom' && m.entries.some((e: { id: string }) => e.id === joined.participantId));
    assert.equal(wr.entries.find((e: { id: string }) => e.id === joined.participantId).entry, 'guest');
    assert.equal((await hostWs.request({ type: 'admit', participantId: joined.participantId })).type, 'ok');
    const admitted = await a.ws.next((m) => m.type === 'admitted');
    assert.equal(admitted.meeting.title, TITLE);

    // Admitted, but a participant: every host action is refused.
    for (const m of [
      { type: 'admitAll' },
      { type: 'setLocked', locked: true },
      { type: 'remove', participantId: hostId },
      { type: 'sendToWaiting', participantId: hostId },
      { type: 'deny', participantId: hostId },
      { type: 'liftBan', banId: 'b_AAAAAAAAAAAAAAAAAAAAAA' },
    ]) {
      r = await a.ws.request(m);
      assert.equal(r.code, 'FORBIDDEN', `${m.type} must be refused`);
    }
    // Replaying another participant's identifiers gets nowhere.
    const b = await guest(server);
    r = await b.ws.request({ type: 'resume', meetingId: meeting.id, participantId: hostId, resumeToken: 'A'.repeat(43) });
    assert.equal(r.code, 'INVALID_RESUME');
    r = await b.ws.request({ type: 'resume', meetingId: meeting.id, participantId: joined.participantId, resumeToken: joined.resumeToken.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')) });
    assert.equal(r.code, 'INVALID_RESUME');
    assertNothingLeaked(b.ws);
    // The host's own powers do not come from knowing the host's participant ID.
    const hostRoster = hostWs.last('roster');
    assert.ok(hostRoster?.participants.some((p: { id: string }) => p.id === joined.participantId));

    const kinds = await auditKinds();
    assert.ok(kinds.includes('access.denied'));
    assert.ok(kinds.includes('resume.failed'));
    assert.ok(kinds.includes('participant.admitted'));

    // Removal bans the device: a reconnect, a new name, a resume all fail; lifting the ban lets them back.
    assert.equal((await hostWs.request({ type: 'remove', participantId: joined.participantId })).type, 'ok');
    const ended = await a.ws.next((m) => m.type === 'ended');
    assert.equal(ended.code, 'REMOVED');
    assert.equal(await a.ws.closed(), 4000);
    const again = await WsClient.connect(server.url, { cookie: a.http.cookieHeader() });
    r = await again.request({ type: 'join', meetingId: meeting.id, displayName: 'Totally Not Alice', password: meeting.password });
    assert.equal(r.code, 'BANNED');
    r = await again.request({ type: 'resume', meetingId: meeting.id, participantId: joined.participantId, resumeToken: joined.resumeToken });
    assert.equal(r.code, 'INVALID_RESUME');
    assertNothingLeaked(again);
    const bans = await hostWs.next((m) => m.type === 'bans' && m.bans.length > 0);
    assert.equal(bans.bans[0].displayName, 'Alice');
    assert.equal((await hostWs.request({ type: 'liftBan', banId: bans.bans[0].id })).type, 'ok');
    r = await again.request({ type: 'join', meetingId: meeting.id, displayName: 'Alice', password: meeting.password });
    assert.equal(r.type, 'joined');
    assert.equal((await hostWs.request({ type: 'deny', participantId: r.participantId })).type, 'ok');
    assert.equal((await again.next((m) => m.type === 'ended')).code, 'DENIED');

    // A locked meeting refuses newcomers who have the password.
    assert.equal((await hostWs.request({ type: 'setLocked', locked: true })).type, 'ok');
    const d = await guest(server);
    r = await d.ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Dave', password: meeting.password });
    assert.equal(r.code, 'LOCKED');
    assertNothingLeaked(d.ws);
    assert.equal((await hostWs.request({ type: 'setLocked', locked: false })).type, 'ok');

    const all = await auditKinds();
    for (const k of ['participant.removed', 'participant.banned', 'ban.lifted', 'participant.denied', 'meeting.locked', 'meeting.unlocked', 'join.refused']) {
      assert.ok(all.includes(k), `audit has ${k}`);
    }
    hostWs.close();
    b.ws.close();
    d.ws.close();
    again.close();
  });

  it('marks a signed-in member as such in the waiting room, and a signed-in stranger still needs the password', async () => {
    const hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    await hostWs.request({ type: 'join', meetingId: meeting.id, displayName: 'The Host' });
    const member = new HttpClient(server.url);
    await member.signIn('other', 'correct horse battery staple');
    const ws = await WsClient.connect(server.url, { cookie: member.cookieHeader() });
    let r = await ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Olga' });
    assert.equal(r.code, 'WRONG_PASSWORD', 'an account is not a key to other hosts\' meetings');
    r = await ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Olga', password: meeting.password });
    assert.equal(r.state, 'waiting');
    const wr = await hostWs.next((m) => m.type === 'waitingRoom' && m.entries.some((e: { id: string }) => e.id === r.participantId));
    assert.equal(wr.entries.find((e: { id: string }) => e.id === r.participantId).entry, 'member');
    ws.close();
    hostWs.close();
  });

  it('refuses a cross-site WebSocket carrying the host cookie', async () => {
    await assert.rejects(
      WsClient.connect(server.url, { cookie: host.cookieHeader(), origin: 'https://evil.example' }),
      /upgrade refused: 403/,
    );
  });

  it('a dropped guest resumes its place with its token, without the waiting room', async () => {
    const hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    await hostWs.request({ type: 'join', meetingId: meeting.id, displayName: 'The Host' });
    const g = await guest(server);
    const j = await g.ws.request({ type: 'join', meetingId: meeting.id, displayName: 'Grace', password: meeting.password });
    await hostWs.request({ type: 'admit', participantId: j.participantId });
    await g.ws.next((m) => m.type === 'admitted');
    g.ws.socket.terminate();
    const back = await WsClient.connect(server.url, { cookie: g.http.cookieHeader() });
    const r = await back.request({ type: 'resume', meetingId: meeting.id, participantId: j.participantId, resumeToken: j.resumeToken });
    assert.equal(r.type, 'joined');
    assert.equal(r.state, 'admitted');
    const roster = await back.next((m) => m.type === 'roster');
    assert.ok(roster.participants.some((p: { displayName: string }) => p.displayName === 'Grace'));
    back.close();
    hostWs.close();
  });
});

describe('password guessing is rate limited (B1)', () => {
  it('slows down sign-in guessing too', async () => {
    const s = await startServer();
    try {
      await hostSession(s);
      const anon = new HttpClient(s.url);
      for (let i = 0; i < 5; i++) {
        const r = await anon.request('POST', '/api/auth/signin', { username: 'host', password: `guess-${i}` });
        assert.equal(r.status, 401);
      }
      const r = await anon.request('POST', '/api/auth/signin', { username: 'host', password: 'correct horse battery staple' });
      assert.equal(r.status, 429);
      assert.equal(r.json.code, 'RATE_LIMITED');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    } finally {
      await s.stop();
    }
  });

  it('makes a guesser wait, growing, even with the right password, and audits it', async () => {
    const s = await startServer({ KAIGI_JOIN_FAILURES_PER_ADDRESS: '3' });
    try {
      const h = await hostSession(s);
      const m = await createMeeting(h);
      const { ws } = await guest(s);
      for (let i = 0; i < 3; i++) {
        const r = await ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: `wrong-${i}-xxxxxx` });
        assert.equal(r.code, 'WRONG_PASSWORD');
      }
      const limited = await ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: m.password });
      assert.equal(limited.code, 'RATE_LIMITED');
      assert.ok(limited.retryAfterMs > 0 && limited.retryAfterMs <= 2_000);
      await new Promise((res) => setTimeout(res, limited.retryAfterMs + 50));
      const fourth = await ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: 'wrong-again-xxxx' });
      assert.equal(fourth.code, 'WRONG_PASSWORD');
      const longer = await ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: m.password });
      assert.equal(longer.code, 'RATE_LIMITED');
      assert.ok(longer.retryAfterMs > limited.retryAfterMs, 'the wait grows');
      ws.close();
      const r = await s.cli(['audit', 'verify']);
      assert.equal(r.code, 0);
    } finally {
      await s.stop();
    }
  });
});
