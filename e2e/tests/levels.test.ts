// F1, F2, C1-C4, B4 with raw clients against a real server: for each confidentiality level, every
// action the level forbids is refused with its error code, and what the level allows works. The
// organisation's policy file narrows levels and regions. Nothing here trusts a client's claim.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createMeeting, guest, hostSession, HOST_PASSWORD, policyFile } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let host: HttpClient;

before(async () => {
  server = await startServer();
  host = await hostSession(server, 'levels-host');
});

after(async () => {
  await server?.stop();
});

type Level = 'high' | 'medium' | 'low';
const DUMMY_SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const HOUR = 3_600_000;

async function hostJoins(meetingId: string): Promise<WsClient> {
  const ws = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Host', e2ee: true });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  return ws;
}

/** A guest's join: the server's answer (joined or error) and the guest's socket. */
async function guestTries(meetingId: string, password: string, displayName: string, e2ee = true) {
  const { ws } = await guest(server);
  const r = await ws.request({ type: 'join', meetingId, displayName, password, e2ee });
  return { ws, r };
}

async function uploadFile(meetingId: string, participantId: string, token: string) {
  const res = await fetch(`${server.url}/api/meetings/${meetingId}/files`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-kaigi-participant': `${participantId}:${token}`, 'x-kaigi-file-name': 'notes.txt', 'x-kaigi-protection': 'server' },
    body: new Uint8Array(Buffer.from('minutes')),
  });
  return { status: res.status, json: (await res.json()) as { code?: string } };
}

describe('confidentiality levels, enforced by the server (F1)', () => {
  for (const level of ['high', 'medium', 'low'] as const satisfies readonly Level[]) {
    it(`${level}: refuses what the level forbids, allows the rest`, async () => {
      const e2ee = level === 'high';
      const m = await createMeeting(host, `Level ${level}`, { level, e2ee, nameRule: { kind: 'pattern', pattern: 'ACME *' } });
      const sockets: WsClient[] = [];
      try {
        // C4: nobody is let in before a host is there.
        const early = await guestTries(m.id, m.password, 'ACME Early');
        sockets.push(early.ws);
        assert.equal(early.r.code, 'HOST_NOT_PRESENT', JSON.stringify(early.r));

        const h = await hostJoins(m.id);
        sockets.push(h);
        const admitted = await h.next((x) => x.type === 'admitted');
        assert.equal(admitted.meeting.level.level, level, 'the level is in the meeting summary everyone gets');

        // B4: the name rule, stated in the refusal.
        const badName = await guestTries(m.id, m.password, 'Mallory');
        sockets.push(badName.ws);
        assert.equal(badName.r.code, 'NAME_NOT_ALLOWED');
        assert.match(badName.r.message, /ACME \*/);

        // D3 / F1: High needs end-to-end encryption; the others let a browser without it in.
        const plain = await guestTries(m.id, m.password, 'ACME Plain', false);
        sockets.push(plain.ws);
        if (level === 'high') assert.equal(plain.r.code, 'E2EE_UNSUPPORTED');
        else assert.equal(plain.r.type, 'joined', JSON.stringify(plain.r));

        const g = await guestTries(m.id, m.password, 'ACME Guest');
        sockets.push(g.ws);
        assert.equal(g.r.type, 'joined', JSON.stringify(g.r));
        // High: a guest is admitted only with what the host checked, one by one.
        if (level === 'high') {
          assert.equal((await h.request({ type: 'admit', participantId: g.r.participantId })).code, 'CHECK_REQUIRED');
          assert.equal((await h.request({ type: 'admitAll' })).code, 'CHECK_REQUIRED');
          const ok = await h.request({ type: 'admit', participantId: g.r.participantId, check: { face: true, voice: true, name: true } });
          assert.equal(ok.type, 'ok', JSON.stringify(ok));
          const roster = await h.next((x) => x.type === 'roster' && x.participants.some((p: any) => p.id === g.r.participantId));
          const checked = roster.participants.find((p: any) => p.id === g.r.participantId);
          assert.deepEqual([checked.admissionCheck.byName, checked.admissionCheck.face], ['Host', true]);
        } else {
          assert.equal((await h.request({ type: 'admit', participantId: g.r.participantId })).type, 'ok');
        }
        await g.ws.next((x) => x.type === 'admitted');

        // Recording: only Low records on the server (and never with E2EE).
        const rec = await h.request({ type: 'setRecording', active: true });
        if (level === 'low') {
          assert.equal(rec.type, 'ok', JSON.stringify(rec));
          assert.equal((await h.request({ type: 'setRecording', active: false }, 15_000)).type, 'ok');
        } else {
          assert.equal(rec.code, 'FORBIDDEN_BY_LEVEL', JSON.stringify(rec));
          assert.equal((await h.request({ type: 'announceLocalRecording', active: true })).code, 'FORBIDDEN_BY_LEVEL');
        }

        // Files: only Low keeps files on the server.
        const up = await uploadFile(m.id, g.r.participantId, g.r.resumeToken);
        if (level === 'low') assert.equal(up.status, 201, JSON.stringify(up.json));
        else assert.deepEqual([up.status, up.json.code], [403, 'FORBIDDEN_BY_LEVEL']);

        // C1, C2: a guest does not share the screen by default, nor unmute once the host says no.
        assert.equal((await g.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'screen' }] })).code, 'FORBIDDEN');
        assert.equal((await h.request({ type: 'setMediaPermissions', permissions: { microphone: false } })).type, 'ok');
        assert.equal((await g.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'microphone' }] })).code, 'FORBIDDEN');

        // A running meeting's level goes up, never down; everyone is told.
        if (level !== 'low') {
          const lower = await host.request('PATCH', `/api/meetings/${m.id}`, { level: 'low' });
          assert.deepEqual([lower.status, lower.json.code], [409, 'LEVEL_CANNOT_BE_LOWERED']);
        }
        if (level === 'low') {
          const told = g.ws.after('meetingState', (x) => x.meeting.level.level === 'medium');
          const up2 = await host.request('PATCH', `/api/meetings/${m.id}`, { level: 'medium' });
          assert.equal(up2.status, 200, JSON.stringify(up2.json));
          await told;
          // Raised to Medium: files are refused from now on.
          const later = await uploadFile(m.id, g.r.participantId, g.r.resumeToken);
          assert.deepEqual([later.status, later.json.code], [403, 'FORBIDDEN_BY_LEVEL']);
          // And High needs E2EE, which cannot be switched on while people are in.
          const high = await host.request('PATCH', `/api/meetings/${m.id}`, { level: 'high' });
          assert.deepEqual([high.status, high.json.code], [422, 'E2EE_REQUIRED']);
        }
      } finally {
        for (const s of sockets) s.close();
      }
    });
  }

  it('refuses joining outside the time window, for guests only (C4)', async () => {
    const past = { startsAt: new Date(Date.now() - 3 * HOUR).toISOString(), endsAt: new Date(Date.now() - HOUR).toISOString() };
    const future = { startsAt: new Date(Date.now() + 2 * HOUR).toISOString(), endsAt: new Date(Date.now() + 3 * HOUR).toISOString() };
    for (const window of [past, future]) {
      const m = await createMeeting(host, 'Windowed', { level: 'medium', window });
      const h = await hostJoins(m.id);
      const g = await guestTries(m.id, m.password, 'Late or early');
      assert.equal(g.r.code, 'OUTSIDE_TIME_WINDOW', JSON.stringify(g.r));
      g.ws.close();
      h.close();
    }
    const bad = await host.request('POST', '/api/meetings', { title: 'Backwards', window: { startsAt: future.endsAt, endsAt: future.startsAt } });
    assert.equal(bad.status, 400);
  });

  it('suspends all participant activity in one action, and co-hosts act for the host (C3)', async () => {
    const m = await createMeeting(host, 'Disrupted', { level: 'low' });
    const h = await hostJoins(m.id);
    const a = await guestTries(m.id, m.password, 'Aiko');
    const b = await guestTries(m.id, m.password, 'Bob');
    try {
      for (const p of [a, b]) assert.equal((await h.request({ type: 'admit', participantId: p.r.participantId })).type, 'ok');
      // A participant cannot make co-hosts, nor suspend; the host makes Aiko co-host.
      assert.equal((await b.ws.request({ type: 'suspendAll' })).code, 'FORBIDDEN');
      assert.equal((await h.request({ type: 'setRole', participantId: a.r.participantId, role: 'cohost' })).type, 'ok');
      assert.equal((await a.ws.request({ type: 'setRole', participantId: b.r.participantId, role: 'cohost' })).code, 'FORBIDDEN');
      // The co-host suspends: everyone else is told, cannot publish or chat, and the meeting is locked.
      const told = b.ws.after('meetingState', (x) => x.meeting.locked === true);
      assert.equal((await a.ws.request({ type: 'suspendAll' })).type, 'ok');
      const state = await told;
      assert.deepEqual(state.meeting.mediaPermissions, { microphone: false, camera: false, screen: false, chat: false, files: false });
      assert.equal((await b.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'camera' }] })).code, 'FORBIDDEN');
      assert.equal((await b.ws.request({ type: 'chat', text: 'still here?' })).code, 'CHAT_DISABLED');
      const late = await guestTries(m.id, m.password, 'Latecomer');
      assert.equal(late.r.code, 'LOCKED');
      late.ws.close();
    } finally {
      for (const s of [h, a.ws, b.ws]) s.close();
    }
  });

  it('lets people wait before the host only when the host allows it (C4)', async () => {
    const m = await createMeeting(host, 'Early birds', { level: 'medium', joinBeforeHost: true });
    const g = await guestTries(m.id, m.password, 'Early bird');
    assert.equal(g.r.type, 'joined', JSON.stringify(g.r));
    assert.equal(g.r.state, 'waiting');
    g.ws.close();
  });
});

describe('the organisation policy (F2)', () => {
  it('refuses levels, regions and passwords the organisation does not allow', async () => {
    const file = policyFile({
      levels: { allowed: ['high', 'medium'], default: 'medium' },
      passwordMinLength: 16,
      retentionMaxDays: 7,
      // This server (region 'local') is not a home region: no High meetings here.
      regions: { home: ['jp-home'], allowed: ['local'] },
    });
    const s = await startServer({ KAIGI_POLICY_FILE: file });
    try {
      const r = await s.cli(['user', 'add', 'policy-host'], `${HOST_PASSWORD}\n`);
      assert.equal(r.code, 0, r.stderr);
      const http = new HttpClient(s.url);
      await http.signIn('policy-host', HOST_PASSWORD);
      const refused = async (body: Record<string, unknown>) => {
        const x = await http.request('POST', '/api/meetings', { title: 'T', ...body });
        return [x.status, x.json.code];
      };
      assert.deepEqual(await refused({ level: 'low' }), [422, 'LEVEL_NOT_ALLOWED']);
      assert.deepEqual(await refused({ level: 'high', e2ee: true }), [422, 'REGION_NOT_ALLOWED']);
      assert.deepEqual(await refused({ password: 'only12chars!' }), [422, 'PASSWORD_TOO_SHORT']);
      assert.deepEqual(await refused({ retention: { recordings: 8 * 86400 } }), [422, 'RETENTION_TOO_LONG']);
      assert.deepEqual(await refused({ level: 'medium', retention: { chat: 3600 } }), [422, 'FORBIDDEN_BY_LEVEL']);
      const ok = await http.request('POST', '/api/meetings', { title: 'Default' });
      assert.equal(ok.status, 201, JSON.stringify(ok.json));
      assert.equal(ok.json.level, 'medium');
      assert.ok(ok.json.password.length >= 16, 'generated passwords follow the minimum');
    } finally {
      await s.stop();
    }
    // An invalid policy file stops the server rather than run with looser rules.
    fs.writeFileSync(file, JSON.stringify({ levels: { allowed: ['high'], default: 'low' } }));
    await assert.rejects(startServer({ KAIGI_POLICY_FILE: file }));
  });
});
