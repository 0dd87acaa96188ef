// Entry under attack (B1, B2, B6, H2): a stranger's guesses never lock out the host, members and
// personal links; parallel guesses get no more than the free ones; the waiting room is bounded;
// refusals are audited in sums; an idle socket is closed; a replacing resume is audited.
// Other sources are other loopback addresses (127.0.0.x), which the server sees as such.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { TOTP, Secret } from 'otpauth';
import { LIMITS } from '@kaigi/protocol';
import { auditRows } from '../support/audit.js';
import { createMeeting, guest, hostSession, HOST_PASSWORD } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

type Json = Record<string, any>;

const sockets: WsClient[] = [];
after(() => {
  for (const s of sockets) s.close();
});

async function connect(server: RunningServer, opts: { cookie?: string; localAddress?: string } = {}): Promise<WsClient> {
  const ws = await WsClient.connect(server.url, opts);
  sockets.push(ws);
  return ws;
}

/** One join attempt on a fresh socket: the answer, and the socket (left open). */
async function knock(server: RunningServer, meetingId: string, fields: Json, from?: string, cookie?: string): Promise<{ ws: WsClient; r: Json }> {
  const ws = await connect(server, { ...(from && { localAddress: from }), ...(cookie && { cookie }) });
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Visitor', ...fields }, 30_000);
  return { ws, r };
}

/** Tries the right answer until the limiter lets it through (it tells how long to wait). */
async function afterTheWait<T>(attempt: () => Promise<T>, limited: (r: T) => boolean): Promise<T> {
  for (;;) {
    const r = await attempt();
    if (!limited(r)) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

const tally = (codes: string[]) => codes.reduce<Record<string, number>>((n, c) => ({ ...n, [c]: (n[c] ?? 0) + 1 }), {});

/** Every audit row of a kind (all meetings and none), with its data. */
function rowsOf(server: RunningServer, kind: string): { actor: string; meetingId: string | null; data: Json }[] {
  const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select actor, meeting_id as meetingId, data from audit_log where kind = ? order by seq').all(kind) as { actor: string; meetingId: string | null; data: string }[];
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Json }));
  } finally {
    db.close();
  }
}

/** How many refusals the rows stand for: one each, or the count a summed row carries. */
const refusalsIn = (rows: { data: Json }[]) => rows.reduce((n, r) => n + (typeof r.data.summed === 'number' ? r.data.summed : 1), 0);

describe('password guessing cannot lock out the rightful, nor be done in parallel (B1, H2)', () => {
  let server: RunningServer;
  let host: HttpClient;

  before(async () => {
    server = await startServer({ KAIGI_UNJOINED_SOCKET_SECONDS: '600' });
    host = await hostSession(server);
  });
  after(async () => {
    await server.stop();
  });

  it('B1: after 30 wrong passwords from strangers the host, a member, a personal link and a rightful guest still get in at once', async () => {
    const m = await createMeeting(host, 'Board');
    // Registration-only: only a personal link (or the host) gets in.
    const seminar = await createMeeting(host, 'Seminar', { level: 'low', registration: 'automatic' });
    const reg = await new HttpClient(server.url).request('POST', `/api/meetings/${seminar.id}/registrations`, { name: 'Aiko Tanaka', email: 'aiko@example.org' });
    const token = new URLSearchParams(new URL(reg.json.joinUrl).hash.slice(1)).get('reg');
    assert.ok(token);
    const added = await server.cli(['user', 'add', 'kenji'], `${HOST_PASSWORD}\n`);
    assert.equal(added.code, 0, added.stderr);
    const kenji = new HttpClient(server.url);
    await kenji.signIn('kenji', HOST_PASSWORD);

    // For each meeting, six addresses with five wrong passwords each: every one checked, 30 per meeting.
    const wrong: string[] = [];
    for (const [meetingId, first] of [[m.id, 2], [seminar.id, 10]] as const) {
      for (let a = first; a < first + 6; a++) {
        const ws = await connect(server, { localAddress: `127.0.0.${a}` });
        for (let i = 0; i < 5; i++) wrong.push((await ws.request({ type: 'join', meetingId, displayName: 'Mallory', password: `wrong-${a}-${i}-xxxxxx` })).code);
      }
    }

    for (const meetingId of [m.id, seminar.id]) {
      const h = await knock(server, meetingId, { displayName: 'Host' }, '127.0.0.2', host.cookieHeader());
      assert.equal(h.r.type, 'joined', `the host gets in, even from a guesser's address: ${JSON.stringify(h.r)}`);
    }
    const link = await knock(server, seminar.id, { registration: token }, '127.0.0.11');
    assert.equal(link.r.type, 'joined', `the personal link gets in, even from a guesser's address: ${JSON.stringify(link.r)}`);
    const member = await knock(server, m.id, { password: m.password }, '127.0.0.4', kenji.cookieHeader());
    assert.equal(member.r.type, 'joined', `a signed-in member (a co-host coming back) gets in: ${JSON.stringify(member.r)}`);
    const rightful = await knock(server, m.id, { password: m.password }, '127.0.0.9');
    assert.equal(rightful.r.type, 'joined', `a guest from another address gets in: ${JSON.stringify(rightful.r)}`);
    // Every guess was checked: one address's limit never stood in for another's.
    assert.deepEqual(tally(wrong), { WRONG_PASSWORD: 60 });
  });

  it('B1: of 30 wrong meeting passwords sent at once from one address only the free 5 are checked; the right one works after the wait', async () => {
    const m = await createMeeting(host, 'Parallel');
    const h = await knock(server, m.id, { displayName: 'Host' }, undefined, host.cookieHeader());
    assert.equal(h.r.type, 'joined');
    const from = '127.0.0.20';
    const socks = await Promise.all(Array.from({ length: 30 }, () => connect(server, { localAddress: from })));
    const answers = await Promise.all(socks.map((ws, i) => ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: `wrong-${i}-xxxxxxxx` }, 30_000)));
    const codes = tally(answers.map((a) => a.code));
    assert.equal(codes.WRONG_PASSWORD, 5, JSON.stringify(codes));
    assert.equal(codes.RATE_LIMITED, 25, JSON.stringify(codes));
    const ws = await connect(server, { localAddress: from });
    const r = await afterTheWait(() => ws.request({ type: 'join', meetingId: m.id, displayName: 'Rightful', password: m.password }, 30_000), (x) => x.code === 'RATE_LIMITED');
    assert.equal(r.type, 'joined', JSON.stringify(r));
    // The wrong ones of one address are written one by one; rate-limited ones only as a sum.
    assert.ok(rowsOf(server, 'join.rate_limited').length <= 5);
  });

  // Last on this server: the sign-in limiter then holds 127.0.0.1 for a while.
  it('B1: of 30 wrong sign-ins for one account sent at once only 5 are checked; the right password works after the wait', async () => {
    const before = rowsOf(server, 'signin.failed').length;
    const anon = new HttpClient(server.url);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => anon.request('POST', '/api/auth/signin', { username: 'host', password: `guess-${i}-xxxxxxxx` })));
    const codes = tally(answers.map((a) => String(a.status)));
    assert.equal(codes['401'], 5, JSON.stringify(codes));
    assert.equal(codes['429'], 25, JSON.stringify(codes));
    assert.equal(rowsOf(server, 'signin.failed').length - before, 5, 'only checked passwords are audited as wrong');
    const ok = await afterTheWait(() => anon.request('POST', '/api/auth/signin', { username: 'host', password: HOST_PASSWORD }), (x) => x.status === 429);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
  });
});

describe('second factors cannot be guessed in parallel (B1, B5)', () => {
  let server: RunningServer;
  const totpOf = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  async function ticketFor(http: HttpClient): Promise<string> {
    const res = await afterTheWait(() => http.request('POST', '/api/auth/signin', { username: 'mika', password: HOST_PASSWORD }), (x) => x.status === 429);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.ok(res.json.secondFactor?.ticket);
    return res.json.secondFactor.ticket as string;
  }

  it('B1: of 30 wrong TOTP codes and then 30 wrong recovery codes sent at once, at most 5 are checked; the right code works after the wait', async () => {
    const added = await server.cli(['user', 'add', 'mika'], `${HOST_PASSWORD}\n`);
    assert.equal(added.code, 0, added.stderr);
    const http = new HttpClient(server.url);
    await http.signIn('mika', HOST_PASSWORD);
    const begin = await http.request('POST', '/api/auth/two-factor/totp');
    const secret = begin.json.secret as string;
    const confirm = await http.request('POST', '/api/auth/two-factor/totp/confirm', { code: totpOf(secret).generate() });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.json));
    const recoveryCodes = confirm.json.recoveryCodes as string[];

    for (const method of ['totp', 'recovery'] as const) {
      const client = new HttpClient(server.url);
      const ticket = await ticketFor(client);
      const wrong = (i: number) => (method === 'totp' ? String(100000 + i) : `wxyz-wxyz-wxyz-${String(1000 + i)}`);
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => client.request('POST', `/api/auth/signin/${method}`, { ticket, code: wrong(i) })));
      const codes = tally(answers.map((a) => String(a.json.code)));
      assert.ok((codes.INVALID_CREDENTIALS ?? 0) <= 5, `${method}: ${JSON.stringify(codes)}`);
      assert.equal((codes.INVALID_CREDENTIALS ?? 0) + (codes.RATE_LIMITED ?? 0), 30, `${method}: ${JSON.stringify(codes)}`);
    }
    // A wrong ticket dies after a few failures: a fresh one, and the right code, after the wait.
    const client = new HttpClient(server.url);
    const ticket = await ticketFor(client);
    const r = await afterTheWait(() => client.request('POST', '/api/auth/signin/recovery', { ticket, code: recoveryCodes[0] }), (x) => x.status === 429);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
});

describe('the waiting room is bounded, and the host is told (B2, H2)', () => {
  let server: RunningServer;

  before(async () => {
    server = await startServer({ KAIGI_WAITING_ROOM_MAX: '12', KAIGI_UNJOINED_SOCKET_SECONDS: '600' });
  });
  after(async () => {
    await server?.stop();
  });

  it('B2: 80 knocks from one address seat 10; knocks on the full room are refused, the host is told, and the refusals are audited in sums (H2)', async () => {
    const host = await hostSession(server);
    const m = await createMeeting(host, 'Town hall');
    const hostWs = await connect(server, { cookie: host.cookieHeader() });
    assert.equal((await hostWs.request({ type: 'join', meetingId: m.id, displayName: 'Host' })).type, 'joined');

    const codes: string[] = [];
    for (let i = 0; i < 80; i++) {
      const { ws, r } = await knock(server, m.id, { password: m.password }, '127.0.0.30');
      codes.push(r.type === 'joined' ? 'joined' : r.code);
      if (r.type !== 'joined') ws.close();
    }
    assert.deepEqual(tally(codes), { joined: 10, TOO_MANY_WAITING: 70 });

    const told = hostWs.after('waitingRoomFull', (x) => x.refused === 8, 30_000);
    const others: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { ws, r } = await knock(server, m.id, { password: m.password }, '127.0.0.31');
      others.push(r.type === 'joined' ? 'joined' : r.code);
      if (r.type !== 'joined') ws.close();
    }
    assert.deepEqual(tally(others), { joined: 2, WAITING_ROOM_FULL: 8 });
    assert.equal((await told).cap, 12);
    const room = await hostWs.next((x) => x.type === 'waitingRoom' && x.entries.length === 12);
    assert.equal(room.entries.length, 12);

    // 78 refusals, from two addresses: a handful of rows now, and their sums at shutdown.
    const refused = () => auditRows(server.dataDir, m.id).filter((e) => e.kind === 'join.refused');
    assert.ok(refused().length <= 10, `rows: ${refused().length}`);
    await server.stop();
    assert.equal(refusalsIn(refused()), 78);
    assert.ok(refused().length <= 12);
  });
});

describe('idle sockets, refused joins in sums, replacing resumes (B1, B6, H2)', () => {
  let server: RunningServer;
  let host: HttpClient;

  before(async () => {
    server = await startServer({ KAIGI_JOIN_FAILURES_PER_ADDRESS: '1', KAIGI_UNJOINED_SOCKET_SECONDS: '1' });
    host = await hostSession(server);
  });
  after(async () => {
    await server?.stop();
  });

  it('closes a socket that does not join in time, and keeps a joined one', async () => {
    const m = await createMeeting(host, 'Idle');
    const hostWs = await connect(server, { cookie: host.cookieHeader() });
    assert.equal((await hostWs.request({ type: 'join', meetingId: m.id, displayName: 'Host' })).type, 'joined');
    const idle = await connect(server);
    assert.equal(await idle.closed(30_000), 1008);
    assert.equal((await hostWs.request({ type: 'ping' })).type, 'pong', 'the joined socket stays open');
  });

  it('H2: a replacing resume is audited', async () => {
    const m = await createMeeting(host, 'Resume');
    const hostWs = await connect(server, { cookie: host.cookieHeader() });
    assert.equal((await hostWs.request({ type: 'join', meetingId: m.id, displayName: 'Host' })).type, 'joined');
    const g = await guest(server);
    sockets.push(g.ws);
    const j = await g.ws.request({ type: 'join', meetingId: m.id, displayName: 'Grace', password: m.password });
    assert.equal(j.type, 'joined', JSON.stringify(j));
    const other = await connect(server);
    const r = await other.request({ type: 'resume', meetingId: m.id, participantId: j.participantId, resumeToken: j.resumeToken });
    assert.equal(r.type, 'joined');
    assert.equal((await g.ws.next((x) => x.type === 'ended')).code, 'REPLACED');
    const rows = auditRows(server.dataDir, m.id).filter((e) => e.kind === 'resume.replaced');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor, j.participantId);
  });

  it('H2: malformed messages from one address, connection after connection, write a bounded number of audit rows', async () => {
    const from = '127.0.0.41';
    const ofBot = () => rowsOf(server, 'message.rejected').filter((r) => r.actor === `address:${from}`);
    for (let c = 0; c < 3; c++) {
      const ws = await connect(server, { localAddress: from });
      for (let i = 0; i < 10; i++) assert.equal((await ws.request({ type: 'teleport' })).code, 'INVALID_MESSAGE');
      ws.close();
    }
    assert.ok(ofBot().length <= 5, `rows: ${ofBot().length}`);
  });

  // Last on this server: it reads the sums written at shutdown.
  it('H2: a burst of rate-limited joins from one socket writes a bounded number of audit rows, with their count', async () => {
    const m = await createMeeting(host, 'Flood');
    const ws = await connect(server, { localAddress: '127.0.0.40' });
    assert.equal((await ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: 'wrong-xxxxxxxxxx' })).code, 'WRONG_PASSWORD');
    const codes: string[] = [];
    // One message fewer than the socket's burst in all, so the message rate limit never answers
    // instead of the join limit, however fast the answers come back (they can, on loopback).
    for (let i = 0; i < LIMITS.signalingBurst - 2; i++) codes.push((await ws.request({ type: 'join', meetingId: m.id, displayName: 'Bot', password: `wrong-${i}-xxxxxxxx` })).code);
    const limited = codes.filter((c) => c === 'RATE_LIMITED').length;
    assert.ok(limited >= 50, JSON.stringify(tally(codes)));
    const ofBot = () => rowsOf(server, 'join.rate_limited').filter((r) => r.actor === 'address:127.0.0.40');
    assert.ok(ofBot().length <= 5, `rows: ${ofBot().length}`);
    await server.stop();
    assert.ok(ofBot().length <= 6);
    assert.equal(refusalsIn(ofBot()), limited, 'the sum carries every refusal');
  });
});
