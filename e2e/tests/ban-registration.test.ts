// B3, B6 with raw clients against a real server: removing a registrant bans the registration and
// the email it was made for, not only the device and the account. The same personal link from a
// fresh browser (no cookies) is BANNED, a new registration of the address is refused (and
// audited), the ban holds across a restart, and once the host lifts it the link works again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditRows } from '../support/audit.js';
import { createMeeting, guest, hostSession, HOST_PASSWORD, registrationToken as tokenOf } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

const HOST = 'ban-reg-host';
let server: RunningServer;
let host: HttpClient;
const sockets: WsClient[] = [];

before(async () => {
  server = await startServer();
  host = await hostSession(server, HOST);
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

async function hostJoins(meetingId: string): Promise<WsClient> {
  const ws = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  sockets.push(ws);
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Host' });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  await ws.next((x) => x.type === 'admitted');
  return ws;
}

/** A fresh browser (its own new device key, no account) joins with the personal link. */
async function linkJoins(meetingId: string, token: string, extra: Record<string, unknown> = {}) {
  const { ws } = await guest(server);
  sockets.push(ws);
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Visitor', registration: token, ...extra });
  return { ws, r };
}

describe('a removed registrant stays out (B3, B6)', () => {
  it('bans the link and the address from any device, across a restart, until the host lifts the ban', async () => {
    const m = await createMeeting(host, 'Registered briefing', { level: 'low', registration: 'automatic' });
    let h = await hostJoins(m.id);
    const visitor = new HttpClient(server.url);
    const reg = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Aiko Tanaka', email: 'aiko@example.ac.jp' });
    assert.equal(reg.status, 202);
    const token = tokenOf(reg.json.joinUrl);

    // The registrant comes in with the link, and the host removes them.
    const a = await linkJoins(m.id, token);
    assert.equal(a.r.type, 'joined', JSON.stringify(a.r));
    assert.equal((await h.request({ type: 'admit', participantId: a.r.participantId })).type, 'ok');
    await a.ws.next((x) => x.type === 'admitted');
    const ended = a.ws.next((x) => x.type === 'ended');
    assert.equal((await h.request({ type: 'remove', participantId: a.r.participantId })).type, 'ok');
    assert.equal((await ended).code, 'REMOVED');
    const bans = await h.next((x) => x.type === 'bans' && x.bans.length === 1);
    const banId = bans.bans[0].id as string;

    // Cookies cleared: a new browser with the same link is refused, with or without the password.
    const fresh = await linkJoins(m.id, token);
    assert.equal(fresh.r.code, 'BANNED', JSON.stringify(fresh.r));
    assert.equal((await linkJoins(m.id, token, { password: m.password })).r.code, 'BANNED');
    assert.equal(h.last('waitingRoom')?.entries.length ?? 0, 0, 'nobody reached the waiting room');

    // A new registration of the address gets no link; the form still answers as always, and the log says why.
    const again = await new HttpClient(server.url).request('POST', `/api/meetings/${m.id}/registrations`, { name: 'A. Tanaka', email: ' AIKO@Example.ac.jp ' });
    assert.deepEqual([again.status, again.json], [202, { received: true }]);
    const list = (await host.request('GET', `/api/meetings/${m.id}/registrations`)).json.registrations;
    assert.equal(list.length, 1);
    const regId = list[0].id as string;

    const rows = auditRows(server.dataDir, m.id);
    const banned = rows.find((e) => e.kind === 'participant.banned');
    assert.deepEqual([banned?.data.banId, banned?.data.registrationId, banned?.data.byEmail], [banId, regId, true]);
    assert.ok(rows.filter((e) => e.kind === 'join.refused' && e.data.reason === 'BANNED').length >= 2, 'each refused link is audited');
    assert.equal(rows.filter((e) => e.kind === 'registration.refused' && e.data.reason === 'BANNED').length, 1);
    assert.doesNotMatch(JSON.stringify(rows), /aiko@example/i, 'the email stays out of the audit log');

    // A restart: the ban was persisted with the registration, and holds.
    h.close();
    await h.closed();
    const dataDir = server.dataDir;
    await server.stop();
    server = await startServer({}, dataDir);
    host = new HttpClient(server.url);
    await host.signIn(HOST, HOST_PASSWORD);
    h = await hostJoins(m.id);
    const restored = await h.next((x) => x.type === 'bans' && x.bans.length === 1);
    assert.equal(restored.bans[0].id, banId);
    assert.equal((await linkJoins(m.id, token)).r.code, 'BANNED', 'after a restart too');

    // The host lifts the ban: the same link works again (the registrant waits for the host).
    assert.equal((await h.request({ type: 'liftBan', banId })).type, 'ok');
    const back = await linkJoins(m.id, token);
    assert.equal(back.r.type, 'joined', JSON.stringify(back.r));
    assert.equal(back.r.state, 'waiting');
    const lifted = auditRows(server.dataDir, m.id).find((e) => e.kind === 'ban.lifted');
    assert.equal(lifted?.data.banId, banId);
  });
});
