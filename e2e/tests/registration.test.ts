// B3, B5, B6 with raw clients against a real server: members-only meetings refuse guests (and
// accounts outside the email domains or groups) before the waiting room; registration-only meetings admit
// only a registrant's personal link, under the registered name, traced in the roster and audit
// log; a revoked link stops working at once and takes its holder out; a link used from two
// places is flagged to the host.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditRows } from '../support/audit.js';
import { createMeeting, guest, hostSession, HOST_PASSWORD, registrationToken as tokenOf } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let host: HttpClient;

before(async () => {
  server = await startServer();
  host = await hostSession(server, 'reg-host');
});

after(async () => {
  await server?.stop();
});

const sockets: WsClient[] = [];
after(() => {
  for (const s of sockets) s.close();
});

async function hostJoins(meetingId: string): Promise<WsClient> {
  const ws = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  sockets.push(ws);
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Host' });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  await ws.next((x) => x.type === 'admitted');
  return ws;
}

/** A guest's join attempt: the answer and the socket. */
async function guestJoins(meetingId: string, fields: Record<string, unknown>) {
  const { ws } = await guest(server);
  sockets.push(ws);
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Visitor', ...fields });
  return { ws, r };
}

/** A local account, signed in: its HTTP client. */
async function member(username: string): Promise<HttpClient> {
  const r = await server.cli(['user', 'add', username], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  const http = new HttpClient(server.url);
  await http.signIn(username, HOST_PASSWORD);
  return http;
}

async function memberJoins(http: HttpClient, meetingId: string, password: string) {
  const ws = await WsClient.connect(server.url, { cookie: http.cookieHeader() });
  sockets.push(ws);
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Member', password });
  return { ws, r };
}

const refusedFor = (meetingId: string, reason: string) =>
  auditRows(server.dataDir, meetingId).filter((e) => e.kind === 'join.refused' && e.data.reason === reason);

/** Which members-only rule refused each signed-in account, in order. */
const ruleRefusals = (meetingId: string) => refusedFor(meetingId, 'MEMBERS_ONLY').flatMap((e) => (e.data.rule ? [e.data.rule] : []));

describe('members-only meetings (B5, B6)', () => {
  it('refuses a guest with MEMBERS_ONLY after the password, and lets a signed-in member wait', async () => {
    const m = await createMeeting(host, 'Members only', { level: 'medium', entry: { membersOnly: true, emailDomains: [] } });
    const created = await host.request('GET', `/api/meetings/${m.id}`);
    assert.deepEqual(created.json.entry, { membersOnly: true, emailDomains: [], groups: [] });
    const h = await hostJoins(m.id);

    // A stranger without the password learns nothing: the same answer as for any wrong password.
    const stranger = await guestJoins(m.id, { password: 'not the password' });
    assert.equal(stranger.r.code, 'WRONG_PASSWORD');

    const g = await guestJoins(m.id, { password: m.password });
    assert.equal(g.r.code, 'MEMBERS_ONLY', JSON.stringify(g.r));
    assert.match(g.r.message, /sign in/i);
    assert.equal(h.messages.filter((x) => x.type === 'waitingRoom').at(-1)?.entries.length ?? 0, 0, 'the guest never reached the waiting room');
    assert.equal(refusedFor(m.id, 'MEMBERS_ONLY').length, 1, 'the refusal is audited');

    const mika = await member('mika');
    const mem = await memberJoins(mika, m.id, m.password);
    assert.equal(mem.r.type, 'joined', JSON.stringify(mem.r));
    assert.equal(mem.r.state, 'waiting');
    const room = await h.next((x) => x.type === 'waitingRoom' && x.entries.length === 1);
    assert.equal(room.entries[0].entry, 'member', 'the host sees how they entered (B6)');
  });

  it('with email domains, refuses members whose account has no email there', async () => {
    const m = await createMeeting(host, 'Lab only', { level: 'medium' });
    const patched = await host.request('PATCH', `/api/meetings/${m.id}`, { entry: { membersOnly: true, emailDomains: ['@Example.AC.JP'] } });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.deepEqual(patched.json.entry.emailDomains, ['example.ac.jp'], 'stored normalised');
    const bad = await host.request('PATCH', `/api/meetings/${m.id}`, { entry: { membersOnly: true, emailDomains: ['not a domain'] } });
    assert.equal(bad.status, 400);
    await hostJoins(m.id);

    const noEmail = await member('nao');
    const r1 = await memberJoins(noEmail, m.id, m.password);
    assert.equal(r1.r.code, 'MEMBERS_ONLY', 'an account without email fails a domain list');
    assert.match(r1.r.message, /example\.ac\.jp/);

    const outside = await member('otto');
    assert.equal((await server.cli(['user', 'email', 'otto', 'otto@example.com'])).code, 0);
    assert.equal((await memberJoins(outside, m.id, m.password)).r.code, 'MEMBERS_ONLY');

    // An administrator sets the account's email: under a subdomain of the listed one, it is let in.
    const set = await server.cli(['user', 'email', 'nao', 'nao@lab.example.ac.jp']);
    assert.equal(set.code, 0, set.stderr);
    const r2 = await memberJoins(noEmail, m.id, m.password);
    assert.equal(r2.r.type, 'joined', JSON.stringify(r2.r));
    assert.equal(r2.r.state, 'waiting');
    assert.equal(refusedFor(m.id, 'MEMBERS_ONLY').length, 2);
    assert.deepEqual(ruleRefusals(m.id), ['domain', 'domain'], 'the audit log says the domain rule refused');
  });

  it('with groups, admits only members an administrator put in one of them, and with domains too needs both', async () => {
    const m = await createMeeting(host, 'Staff only', { level: 'medium' });
    const patch = (entry: Record<string, unknown>) => host.request('PATCH', `/api/meetings/${m.id}`, { entry: { membersOnly: true, emailDomains: [], ...entry } });
    const patched = await patch({ groups: [' staff ', 'Lab 1', 'staff'] });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.deepEqual(patched.json.entry.groups, ['staff', 'Lab 1'], 'stored trimmed, each once');
    for (const bad of [['bad\u0007bell'], [''], ['x'.repeat(101)], Array.from({ length: 51 }, (_, i) => `g${i}`)]) {
      assert.equal((await patch({ groups: bad })).status, 400, JSON.stringify(bad).slice(0, 40));
    }
    assert.deepEqual((await host.request('GET', `/api/meetings/${m.id}`)).json.entry.groups, ['staff', 'Lab 1'], 'a refused change changes nothing');
    await hostJoins(m.id);

    const gus = await member('gus');
    const refused = await memberJoins(gus, m.id, m.password);
    assert.equal(refused.r.code, 'MEMBERS_ONLY', 'an account in no group fails a group list');
    assert.match(refused.r.message, /groups/);
    assert.doesNotMatch(refused.r.message, /staff|Lab 1/, 'the groups are not told to the refused');
    // A group the client claims is not even read: the join message has no such field.
    const ws = await WsClient.connect(server.url, { cookie: gus.cookieHeader() });
    sockets.push(ws);
    const claimed = await ws.request({ type: 'join', meetingId: m.id, displayName: 'Member', password: m.password, groups: ['staff'] });
    assert.equal(claimed.code, 'INVALID_MESSAGE', JSON.stringify(claimed));

    // The CLI checks names as the API does.
    const badName = await server.cli(['user', 'groups', 'gus', 'tab\there']);
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /not a group name/);

    const set = await server.cli(['user', 'groups', 'gus', 'staff', ' staff ', 'Other']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'user gus is in groups: staff, Other');
    const inGroup = await memberJoins(gus, m.id, m.password);
    assert.equal(inGroup.r.type, 'joined', JSON.stringify(inGroup.r));
    assert.equal(inGroup.r.state, 'waiting');
    inGroup.ws.close();

    // Domains and groups: both are needed.
    assert.equal((await patch({ emailDomains: ['example.ac.jp'], groups: ['staff'] })).status, 200);
    assert.equal((await memberJoins(gus, m.id, m.password)).r.code, 'MEMBERS_ONLY', 'the group without an email in the domain');
    assert.equal((await server.cli(['user', 'email', 'gus', 'gus@example.ac.jp'])).code, 0);
    assert.equal((await memberJoins(gus, m.id, m.password)).r.type, 'joined', 'the group and the domain');

    // Cleared, the account is in no group again: the domain alone is not enough.
    const cleared = await server.cli(['user', 'groups', 'gus']);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stdout.trim(), 'user gus is in no groups');
    assert.equal((await memberJoins(gus, m.id, m.password)).r.code, 'MEMBERS_ONLY', 'the domain without the group');

    assert.deepEqual(ruleRefusals(m.id), ['group', 'domain', 'group'], 'each refusal of a member names its rule');
    assert.equal(refusedFor(m.id, 'MEMBERS_ONLY').length, 3);
    const logged = JSON.stringify(refusedFor(m.id, 'MEMBERS_ONLY').map((e) => e.data));
    assert.doesNotMatch(logged, /Other|example\.ac\.jp/, "the account's groups and email stay out of the refusals");
  });
});

describe('registration-only meetings (B3, B4, B6)', () => {
  it('refuses a guest without a link, admits a registrant by link under the registered name, and revokes at once', async () => {
    const m = await createMeeting(host, 'Registered seminar', { level: 'low', registration: 'approval' });
    const h = await hostJoins(m.id);

    // The public form answers the same whatever happens, and gives no link before approval.
    const visitor = new HttpClient(server.url);
    const reg = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Aiko Tanaka', email: 'aiko@example.ac.jp' });
    assert.deepEqual([reg.status, reg.json], [202, { received: true }]);
    const unknown = await visitor.request('POST', '/api/meetings/0000000000000000/registrations', { name: 'Aiko Tanaka', email: 'aiko@example.ac.jp' });
    assert.deepEqual([unknown.status, unknown.json], [202, { received: true }], 'an unknown meeting answers the same');
    const again = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Mallory', email: 'AIKO@example.ac.jp' });
    assert.deepEqual([again.status, again.json], [202, { received: true }], 'so does an address already registered');
    const invalid = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Aiko', email: 'nope' });
    assert.equal(invalid.status, 400);
    // Only the host sees the list.
    assert.equal((await visitor.request('GET', `/api/meetings/${m.id}/registrations`)).status, 401);

    let list = await host.request('GET', `/api/meetings/${m.id}/registrations`);
    assert.equal(list.status, 200);
    assert.equal(list.json.registrations.length, 1, 'one registration per address');
    const pending = list.json.registrations[0];
    assert.deepEqual([pending.name, pending.email, pending.status, pending.joinUrl, pending.uses], ['Aiko Tanaka', 'aiko@example.ac.jp', 'pending', null, 0]);

    // The password alone no longer lets anyone in.
    const g = await guestJoins(m.id, { password: m.password });
    assert.equal(g.r.code, 'REGISTRATION_REQUIRED', JSON.stringify(g.r));
    // A made-up link is no credential: without the password it is a wrong password.
    const forged = await guestJoins(m.id, { registration: 'A'.repeat(43) });
    assert.equal(forged.r.code, 'WRONG_PASSWORD');

    const approved = await host.request('POST', `/api/meetings/${m.id}/registrations/${pending.id}/approve`);
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    assert.equal(approved.json.status, 'approved');
    assert.ok(approved.json.joinUrl.startsWith(`${server.url}/m/${m.id}#reg=`), approved.json.joinUrl);
    const token = tokenOf(approved.json.joinUrl);
    list = await host.request('GET', `/api/meetings/${m.id}/registrations`);
    assert.equal(list.json.registrations[0].joinUrl, approved.json.joinUrl, 'the host can copy the link again');

    // The registrant joins with the link alone; the name they type does not count (B4).
    const a = await guestJoins(m.id, { registration: token, displayName: 'Someone Else' });
    assert.equal(a.r.type, 'joined', JSON.stringify(a.r));
    const room = await h.next((x) => x.type === 'waitingRoom' && x.entries.some((e: any) => e.id === a.r.participantId));
    const waiting = room.entries.find((e: any) => e.id === a.r.participantId);
    assert.deepEqual([waiting.displayName, waiting.entry, waiting.registrationId], ['Aiko Tanaka', 'registrant', pending.id]);
    assert.equal((await h.request({ type: 'admit', participantId: a.r.participantId })).type, 'ok');
    const admitted = await a.ws.next((x) => x.type === 'admitted');
    assert.deepEqual([admitted.self.displayName, admitted.self.entry], ['Aiko Tanaka', 'registrant']);
    const roster = await h.next((x) => x.type === 'roster' && x.participants.some((p: any) => p.id === a.r.participantId));
    assert.equal(roster.participants.find((p: any) => p.id === a.r.participantId).entry, 'registrant');

    // The audit log says which link each admission used.
    const rows = auditRows(server.dataDir, m.id);
    const admission = rows.find((e) => e.kind === 'participant.admitted' && e.data.participantId === a.r.participantId);
    assert.equal(admission?.data.registrationId, pending.id);
    assert.equal(admission?.data.entry, 'registrant');
    assert.equal(rows.find((e) => e.kind === 'participant.waiting' && e.data.registrationId === pending.id)?.data.displayName, 'Aiko Tanaka');
    assert.ok(rows.some((e) => e.kind === 'registration.approved' && e.data.registrationId === pending.id));
    list = await host.request('GET', `/api/meetings/${m.id}/registrations`);
    assert.equal(list.json.registrations[0].uses, 1);
    assert.ok(list.json.registrations[0].lastUsedAt);

    // Revoking takes the registrant out at once, without a ban, and the link stops working.
    const ended = a.ws.next((x) => x.type === 'ended');
    const rosterAfter = h.after('roster', (x) => !x.participants.some((p: any) => p.id === a.r.participantId));
    const revoked = await host.request('POST', `/api/meetings/${m.id}/registrations/${pending.id}/revoke`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
    assert.deepEqual([revoked.json.status, revoked.json.joinUrl], ['revoked', null]);
    assert.equal((await ended).code, 'REMOVED');
    await a.ws.closed();
    await rosterAfter;
    assert.equal(h.last('bans')?.bans.length ?? 0, 0, 'not banned: the link is what stops');
    const retry = await guestJoins(m.id, { registration: token });
    assert.equal(retry.r.code, 'REGISTRATION_REVOKED', JSON.stringify(retry.r));
    const retryWithPassword = await guestJoins(m.id, { registration: token, password: m.password });
    assert.equal(retryWithPassword.r.code, 'REGISTRATION_REVOKED');
    const reapprove = await host.request('POST', `/api/meetings/${m.id}/registrations/${pending.id}/approve`);
    assert.deepEqual([reapprove.status, reapprove.json.code], [409, 'REGISTRATION_REVOKED']);
    const removal = auditRows(server.dataDir, m.id).find((e) => e.kind === 'participant.removed' && e.data.participantId === a.r.participantId);
    assert.deepEqual([removal?.data.reason, removal?.data.registrationId], ['REGISTRATION_REVOKED', pending.id]);
    assert.ok(auditRows(server.dataDir, m.id).some((e) => e.kind === 'registration.revoked' && e.data.registrationId === pending.id && e.data.removed === 1));

    // The data map says what registrations hold, and counts them, the revoked one too (E1).
    await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Ben Sato', email: 'ben@example.ac.jp' });
    const map = await host.request('GET', `/api/meetings/${m.id}/data-map`);
    assert.equal(map.status, 200);
    assert.deepEqual(map.json.registrations, { pending: 1, approved: 0, revoked: 1 });
  });

  it('flags a link used from a second place while the first is in the meeting', async () => {
    const m = await createMeeting(host, 'Open seminar', { level: 'low', registration: 'automatic' });
    const h = await hostJoins(m.id);
    const visitor = new HttpClient(server.url);
    const reg = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Ren Sato', email: 'ren@example.jp' });
    assert.equal(reg.status, 202);
    assert.ok(reg.json.joinUrl, 'automatic: the link comes with the answer');
    const token = tokenOf(reg.json.joinUrl);
    const twice = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: 'Ren Sato', email: 'ren@example.jp' });
    assert.deepEqual(twice.json, { received: true }, 'a second registration of the address gets no second link');

    const first = await guestJoins(m.id, { registration: token });
    assert.equal(first.r.type, 'joined', JSON.stringify(first.r));
    assert.equal((await h.request({ type: 'admit', participantId: first.r.participantId })).type, 'ok');
    await first.ws.next((x) => x.type === 'admitted');

    const alert = h.after('registrationAlert');
    const second = await guestJoins(m.id, { registration: token });
    assert.equal(second.r.type, 'joined', JSON.stringify(second.r));
    assert.equal(second.r.state, 'waiting', 'the second arrival waits: the host decides');
    const a = await alert;
    const regId = (await host.request('GET', `/api/meetings/${m.id}/registrations`)).json.registrations[0].id;
    assert.equal(a.registrationId, regId);
    assert.equal(a.name, 'Ren Sato');
    assert.deepEqual([...a.participantIds].sort(), [first.r.participantId, second.r.participantId].sort());
    assert.equal(first.ws.messages.filter((x) => x.type === 'registrationAlert').length, 0, 'only those who admit people are told');
    const flagged = auditRows(server.dataDir, m.id).filter((e) => e.kind === 'registration.used_twice');
    assert.equal(flagged.length, 1);
    assert.equal(flagged[0]?.data.registrationId, regId);
    assert.deepEqual([...flagged[0]!.data.participantIds].sort(), [first.r.participantId, second.r.participantId].sort());

    // Revoking the shared link takes both out.
    const ends = [first.ws.next((x) => x.type === 'ended'), second.ws.next((x) => x.type === 'ended')];
    const revoked = await host.request('POST', `/api/meetings/${m.id}/registrations/${regId}/revoke`);
    assert.equal(revoked.status, 200);
    for (const e of await Promise.all(ends)) assert.equal(e.code, 'REMOVED');
  });

  it('rate limits registrations per address', async () => {
    const m = await createMeeting(host, 'Popular', { level: 'low', registration: 'approval' });
    const visitor = new HttpClient(server.url);
    let limited: { status: number; json: any } | null = null;
    for (let i = 0; i < 20 && !limited; i++) {
      const r = await visitor.request('POST', `/api/meetings/${m.id}/registrations`, { name: `Person ${i}`, email: `p${i}@example.jp` });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 202);
    }
    assert.ok(limited, 'the address is slowed down');
    assert.equal(limited.json.code, 'RATE_LIMITED');
    assert.ok(limited.json.retryAfterMs > 0);
    const list = await host.request('GET', `/api/meetings/${m.id}/registrations`);
    assert.ok(list.json.registrations.length <= 10, `at most the free registrations were kept (${list.json.registrations.length})`);
  });
});
