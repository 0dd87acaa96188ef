// H4 (with B1, A4, A5, E1): the HTTP boundary against one client trying to exhaust the server.
// Public JSON routes refuse raw bodies on their headers with a small answer; a JSON body that is
// not an object gets a short 400 that echoes nothing; uploads are refused before their body is
// read when the caller has no seat or sign-in, or when the storage quota is used up (and nothing
// stored is lost); a trickled body loses its connection after the body timeout while a slow
// upload keeps the longer upload timeout; /api/health tells the public nothing about meetings.
import assert from 'node:assert/strict';
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createMeeting, guest, hostSession, HOST_PASSWORD, policyFile } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

const MiB = 1024 * 1024;
/** A bound on waits that should end at once: reaching it fails the test, nothing waits for it. */
const PATIENCE_MS = 15_000;

let server: RunningServer;
let host: HttpClient;

before(async () => {
  server = await startServer({
    KAIGI_POLICY_FILE: policyFile({ storage: { perMeetingBytes: 30 * MiB, perParticipantBytes: 21 * MiB } }),
    KAIGI_HTTP_BODY_TIMEOUT_SECONDS: '2',
    KAIGI_HTTP_UPLOAD_TIMEOUT_SECONDS: '120',
  });
  host = await hostSession(server);
});
after(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  text: string;
}

/** A POST whose headers (and `first` bytes) go out at once; the rest is up to the test. */
interface OpenPost {
  req: ClientRequest;
  answer: Promise<Answer>;
  /** The connection ended (closed by the server, or after the answer). */
  closed: Promise<void>;
}

function openPost(path: string, headers: Record<string, string | number>, first?: Buffer): OpenPost {
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((r) => (closedResolve = r));
  let req!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = https.request(`${server.url}${path}`, { method: 'POST', headers, agent: false, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    // The server may close while bytes are still on their way: only an error before the answer counts.
    req.on('error', reject);
    req.on('socket', (s) => s.once('close', closedResolve));
  });
  answer.catch(() => undefined);
  req.flushHeaders();
  if (first) req.write(first);
  return { req, answer, closed };
}

async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${PATIENCE_MS} ms`)), PATIENCE_MS);
  });
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a request whose body the server must refuse on its headers: the answer comes with most of the body unsent. */
async function refusedBeforeBody(path: string, headers: Record<string, string>, declared: number): Promise<Answer & { json: any }> {
  const p = openPost(path, { ...headers, 'content-length': declared }, randomBytes(16 * 1024));
  try {
    const a = await within(p.answer, `answer to ${path} before its body (${declared} bytes declared, 16 KiB sent)`);
    return { ...a, json: JSON.parse(a.text) };
  } finally {
    p.req.destroy();
  }
}

async function health(): Promise<unknown> {
  const r = await new HttpClient(server.url).request('GET', '/api/health');
  assert.equal(r.status, 200);
  return r.json;
}

interface Seat {
  ws: WsClient;
  header: string;
}

async function seatIn(meetingId: string, password: string, hostWs: WsClient, name: string): Promise<Seat> {
  const { ws } = await guest(server);
  const r = await ws.request({ type: 'join', meetingId, displayName: name, password });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  assert.equal((await hostWs.request({ type: 'admit', participantId: r.participantId })).type, 'ok');
  await ws.next((m) => m.type === 'admitted');
  return { ws, header: `${r.participantId}:${r.resumeToken}` };
}

async function fileMeeting(): Promise<{ id: string; hostWs: WsClient; a: Seat; b: Seat }> {
  const m = await createMeeting(host, 'Files', { level: 'low' });
  const hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  assert.equal((await hostWs.request({ type: 'join', meetingId: m.id, displayName: 'Host' })).type, 'joined');
  return { id: m.id, hostWs, a: await seatIn(m.id, m.password, hostWs, 'Ann'), b: await seatIn(m.id, m.password, hostWs, 'Ben') };
}

const fileHeaders = (seat: Seat, name = 'notes.bin') => ({
  'content-type': 'application/octet-stream',
  'x-kaigi-participant': seat.header,
  'x-kaigi-file-name': encodeURIComponent(name),
});

async function share(meetingId: string, seat: Seat, data: Buffer, name = 'notes.bin'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/api/meetings/${meetingId}/files`, { method: 'POST', headers: fileHeaders(seat, name), body: new Uint8Array(data) });
  return { status: res.status, json: await res.json() };
}

describe('HTTP hardening (H4)', () => {
  it('H4, B1: refuses 1 MiB and 20 MiB raw bodies to the public JSON routes on their headers, with a small answer, and stays responsive', async () => {
    const m = await createMeeting(host, 'Registration', { level: 'low', registration: 'approval' });
    const routes = ['/api/auth/signin', '/api/auth/signin/totp', '/api/auth/signin/webauthn', `/api/meetings/${m.id}/registrations`];
    for (const path of routes) {
      for (const declared of [1 * MiB, 20 * MiB]) {
        // The answer arrives while 16 KiB of the body are sent and the rest never is.
        const open = openPost(path, { 'content-type': 'application/octet-stream', 'content-length': declared }, randomBytes(16 * 1024));
        assert.equal(((await health()) as { ok: boolean }).ok, true, 'the server answers others meanwhile');
        const a = await within(open.answer, `answer to ${declared} bytes to ${path}`);
        open.req.destroy();
        assert.ok([413, 415].includes(a.status), `${path} ${declared}: ${a.status}`);
        assert.ok(a.text.length < 200, `${path} ${declared}: a small answer, got ${a.text.length} bytes`);
      }
    }
    // JSON, but larger than a sign-in can be: refused on the Content-Length.
    const big = await refusedBeforeBody('/api/auth/signin', { 'content-type': 'application/json' }, 1 * MiB);
    assert.equal(big.status, 413);
    assert.equal(big.json.code, 'MESSAGE_TOO_LARGE');
  });

  it('H4: gives a JSON body that is not an object, or is malformed or huge, a short 400 or 413 that echoes nothing', async () => {
    const anon = new HttpClient(server.url);
    const marker = 'Zq7marker';
    for (const body of ['[1,2,3]', `"${marker}"`, 'null', '42']) {
      const r = await anon.request('POST', '/api/auth/signin', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.json.code, 'VALIDATION');
      assert.equal(r.json.message, 'The request body must be a JSON object.', body);
    }
    const keys = Object.fromEntries(Array.from({ length: 800 }, (_, i) => [`${marker}${i}`, i]));
    const huge = await anon.request('POST', '/api/auth/signin', JSON.stringify(keys));
    assert.equal(huge.status, 400);
    assert.ok(JSON.stringify(huge.json).length < 1024, `a bounded answer: ${JSON.stringify(huge.json).length} bytes`);
    const broken = await anon.request('POST', '/api/auth/signin', `{"username": "${marker}`);
    assert.equal(broken.status, 400);
    assert.ok(!JSON.stringify(broken.json).includes(marker), `nothing echoed: ${JSON.stringify(broken.json)}`);
    const text = await fetch(`${server.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: marker });
    assert.equal(text.status, 415);
    assert.ok(!(await text.text()).includes(marker));
    // 20 KiB of JSON is too much for a sign-in, not for a meeting's rules (50 domains, 50 groups).
    const long = await anon.request('POST', '/api/auth/signin', { username: 'x', password: 'p'.repeat(20 * 1024) });
    assert.equal(long.status, 413);
    const groups = Array.from({ length: 50 }, (_, i) => `${'研究室'.repeat(30)}${i}`);
    const emailDomains = Array.from({ length: 50 }, (_, i) => `${'a'.repeat(60)}.${'b'.repeat(60)}.example${i}.ac.jp`);
    const rules = { title: 'Big rules', entry: { membersOnly: true, emailDomains, groups } };
    assert.ok(Buffer.byteLength(JSON.stringify(rules)) > 16 * 1024, "more than the default JSON limit");
    const created = await host.request('POST', '/api/meetings', rules);
    assert.equal(created.status, 201, JSON.stringify(created.json).slice(0, 300));
  });

  it('A4, A5, H4: answers uploads without a seat or a sign-in before reading their body', async () => {
    const { id, a } = await fileMeeting();
    const recording = `/api/meetings/${id}/recordings`;
    const raw = { 'content-type': 'application/octet-stream' };
    const anonymous = await refusedBeforeBody(recording, raw, 64 * MiB);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json.code, 'UNAUTHENTICATED');
    await server.cli(['user', 'add', 'mallory'], `${HOST_PASSWORD}\n`);
    const mallory = new HttpClient(server.url);
    await mallory.signIn('mallory', HOST_PASSWORD);
    const other = await refusedBeforeBody(recording, { ...raw, ...mallory.authHeaders() }, 64 * MiB);
    assert.equal(other.status, 404, 'another account learns nothing about the meeting');

    // Files: within the 25 MiB limit, so only the missing seat can refuse it on the headers.
    const files = `/api/meetings/${id}/files`;
    const noSeat = await refusedBeforeBody(files, { ...raw, 'x-kaigi-file-name': 'a.bin' }, 20 * MiB);
    assert.equal(noSeat.status, 403);
    assert.equal(noSeat.json.code, 'NOT_ADMITTED');
    const wrongToken = await refusedBeforeBody(files, { ...fileHeaders(a), 'x-kaigi-participant': `${a.header.slice(0, -5)}xxxxx` }, 20 * MiB);
    assert.equal(wrongToken.status, 403);
    // A seat, but no length, another type, or more than the limit.
    const chunked = openPost(files, { ...fileHeaders(a), 'transfer-encoding': 'chunked' }, Buffer.from('some bytes'));
    const c = await within(chunked.answer, 'answer to a chunked upload');
    chunked.req.destroy();
    assert.equal(c.status, 411);
    assert.equal((await refusedBeforeBody(files, { ...fileHeaders(a), 'content-type': 'text/plain' }, 1000)).status, 415);
    assert.equal((await refusedBeforeBody(files, fileHeaders(a), 26 * MiB)).status, 413);
  });

  it('A4, H4: a malformed percent-escape in the file name is a 400, not a 500', async () => {
    const { id, a } = await fileMeeting();
    const res = await fetch(`${server.url}/api/meetings/${id}/files`, {
      method: 'POST',
      headers: { ...fileHeaders(a), 'x-kaigi-file-name': '%E0%A4%A' },
      body: new Uint8Array(Buffer.from('hello')),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'VALIDATION');
  });

  it('E1, H4: stores a 20 MiB file, refuses uploads past the participant and meeting quotas with QUOTA_EXCEEDED before their body, and keeps what is stored', async () => {
    const { id, a, b } = await fileMeeting();
    const first = randomBytes(20 * MiB);
    const up = await share(id, a, first, 'large.bin');
    assert.equal(up.status, 201, JSON.stringify(up.json));
    const files = `/api/meetings/${id}/files`;
    // Ann's 20 MiB and 2 MiB more pass her 21 MiB.
    const overParticipant = await refusedBeforeBody(files, fileHeaders(a), 2 * MiB);
    assert.equal(overParticipant.status, 507);
    assert.equal(overParticipant.json.code, 'QUOTA_EXCEEDED');
    const second = randomBytes(8 * MiB);
    assert.equal((await share(id, b, second, 'second.bin')).status, 201);
    // 28 MiB stored and 3 MiB more pass the meeting's 30 MiB, though Ben has room.
    const overMeeting = await refusedBeforeBody(files, fileHeaders(b), 3 * MiB);
    assert.equal(overMeeting.status, 507);
    assert.equal(overMeeting.json.code, 'QUOTA_EXCEEDED');

    const list = await fetch(`${server.url}${files}`, { headers: { 'x-kaigi-participant': b.header } });
    const listed = ((await list.json()) as { files: { id: string; name: string }[] }).files;
    assert.deepEqual(listed.map((f) => f.name).sort(), ['large.bin', 'second.bin']);
    for (const [f, data] of [[listed.find((x) => x.name === 'large.bin')!, first], [listed.find((x) => x.name === 'second.bin')!, second]] as const) {
      const got = await fetch(`${server.url}${files}/${f.id}`, { headers: { 'x-kaigi-participant': a.header } });
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(data), `${f.name} is intact`);
    }
  });

  it('H4: closes a trickled JSON body after the body timeout, while a slow upload keeps the upload timeout', async () => {
    const { id, a } = await fileMeeting();
    const data = randomBytes(4096);
    const json = openPost('/api/auth/signin', { 'content-type': 'application/json', 'content-length': 4096 }, Buffer.from('{'));
    const upload = openPost(`/api/meetings/${id}/files`, { ...fileHeaders(a, 'slow.bin'), 'content-length': data.length }, data.subarray(0, 1));
    let sent = 1;
    const trickle = setInterval(() => {
      json.req.write(' ');
      upload.req.write(data.subarray(sent, sent + 1));
      sent++;
    }, 100);
    try {
      await within(json.closed, 'close of the trickled JSON request');
      await assert.rejects(json.answer, 'the trickled request got no answer, only a closed connection');
    } finally {
      clearInterval(trickle);
    }
    // The upload outlived the JSON body timeout; it finishes and is stored.
    assert.ok(sent < data.length);
    upload.req.end(data.subarray(sent));
    const done = await within(upload.answer, 'answer to the slow upload');
    assert.equal(done.status, 201, done.text);
  });

  it('H1, H4: /api/health answers { ok: true } and no counts, with meetings running', async () => {
    await fileMeeting();
    assert.deepEqual(await health(), { ok: true });
  });
});
