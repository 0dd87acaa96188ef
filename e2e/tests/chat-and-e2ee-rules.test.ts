// A3, C1, D2–D4 from a raw client's side: what the server accepts as chat in each mode, who may
// chat, and the E2EE rules no modified client can get round (E2EE capability, plaintext chat,
// verification by someone other than the host, switching the mode under people).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HttpClient } from '../support/http.js';
import { createMeeting, guest, hostSession } from '../support/fixtures.js';
import { RawMlsMember } from '../support/rawMls.js';
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

async function hostJoins(meetingId: string): Promise<WsClient> {
  const ws = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  const r = await ws.request({ type: 'join', meetingId, displayName: 'Host', e2ee: true });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  return ws;
}

async function guestAdmitted(hostWs: WsClient, meetingId: string, password: string, name: string): Promise<{ ws: WsClient; id: string }> {
  const { ws } = await guest(server);
  const r = await ws.request({ type: 'join', meetingId, displayName: name, password });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  assert.equal((await hostWs.request({ type: 'admit', participantId: r.participantId })).type, 'ok');
  await ws.next((m) => m.type === 'admitted');
  return { ws, id: r.participantId };
}

describe('chat in a meeting without E2EE (A3, C1)', () => {
  it('relays text in order, refuses ciphertext, and follows the host switch', async () => {
    const m = await createMeeting(host, 'Weekly sync');
    const hostWs = await hostJoins(m.id);
    const g = await guestAdmitted(hostWs, m.id, m.password, 'Guest');

    for (const text of ['one', 'two', 'three']) assert.equal((await g.ws.request({ type: 'chat', text })).type, 'ok');
    assert.equal((await hostWs.request({ type: 'chat', text: 'file://server/share see \\\\host\\c$' })).type, 'ok');
    const seen = await until(async () => hostWs.messages.filter((x) => x.type === 'chat'), (xs) => xs.length === 4, 5000, 'four chat messages');
    assert.deepEqual(seen.map((x) => x.text), ['one', 'two', 'three', 'file://server/share see \\\\host\\c$']);
    assert.deepEqual(seen.map((x) => x.seq), [0, 1, 2, 3]);
    assert.equal(seen[0]?.from, g.id);

    let r = await g.ws.request({ type: 'chat', ciphertext: 'AAAAAAAA' });
    assert.equal(r.code, 'E2EE_NOT_ENABLED');
    r = await g.ws.request({ type: 'chat', text: 'x', ciphertext: 'AAAAAAAA' });
    assert.equal(r.code, 'INVALID_MESSAGE');
    r = await g.ws.request({ type: 'chat', text: 'x'.repeat(4001) });
    assert.equal(r.code, 'INVALID_MESSAGE');
    r = await g.ws.request({ type: 'mlsKeyPackage', keyPackage: 'AAAAAAAA' });
    assert.equal(r.code, 'E2EE_NOT_ENABLED');
    r = await hostWs.request({ type: 'verify', participantId: g.id, epoch: 0 });
    assert.equal(r.code, 'E2EE_NOT_ENABLED');

    // The host turns chat off for participants: refused at the server, the host still may.
    assert.equal((await g.ws.request({ type: 'setMediaPermissions', permissions: { chat: false } })).code, 'FORBIDDEN');
    assert.equal((await hostWs.request({ type: 'setMediaPermissions', permissions: { chat: false } })).type, 'ok');
    const state = await g.ws.after('meetingState', (x) => x.meeting.mediaPermissions.chat === false).catch(() => g.ws.last('meetingState'));
    assert.equal(state?.meeting.mediaPermissions.chat, false);
    assert.equal((await g.ws.request({ type: 'chat', text: 'still here?' })).code, 'CHAT_DISABLED');
    assert.equal((await hostWs.request({ type: 'chat', text: 'host speaking' })).type, 'ok');
    hostWs.close();
    g.ws.close();
  });
});

describe('rules of an E2EE meeting (D2–D4, B7)', () => {
  it('refuses clients without E2EE, plaintext chat, forged verification and a mode switch while live', async () => {
    const created = await host.request('POST', '/api/meetings', { title: 'Board', e2ee: true });
    assert.equal(created.status, 201);
    const m = created.json as { id: string; password: string; e2ee: boolean };
    assert.equal(m.e2ee, true);

    const { ws: old } = await guest(server);
    const refused = await old.request({ type: 'join', meetingId: m.id, displayName: 'Old', password: m.password });
    assert.equal(refused.code, 'E2EE_UNSUPPORTED');
    // A wrong password still answers as a wrong password: the mode is not revealed to strangers.
    const wrong = await old.request({ type: 'join', meetingId: m.id, displayName: 'Old', password: 'not-the-password' });
    assert.equal(wrong.code, 'WRONG_PASSWORD');
    old.close();

    const hostWs = await hostJoins(m.id);
    // Waiting, not admitted: no MLS traffic yet.
    const early = await guest(server);
    const j = await early.ws.request({ type: 'join', meetingId: m.id, displayName: 'Early', password: m.password, e2ee: true });
    assert.equal((await early.ws.request({ type: 'mlsKeyPackage', keyPackage: 'AAAAAAAA' })).code, 'NOT_ADMITTED');
    await hostWs.request({ type: 'deny', participantId: j.participantId });

    const alice = await RawMlsMember.join(server, m.id, m.password, 'Alice');
    await hostWs.request({ type: 'admit', participantId: alice.participantId });
    const bob = await RawMlsMember.join(server, m.id, m.password, 'Bob');
    await hostWs.request({ type: 'admit', participantId: bob.participantId });
    // The host here is a raw socket without MLS: Alice founds the group, Bob is added.
    await until(async () => bob.current()?.members.length ?? 0, (n) => n === 2, 10_000, 'Alice and Bob in one group');
    const epoch = bob.current()?.epoch ?? -1;
    assert.equal(alice.current()?.safetyCode, bob.current()?.safetyCode);

    assert.equal((await alice.ws.request({ type: 'chat', text: 'in clear' })).code, 'E2EE_PLAINTEXT_REFUSED');
    assert.equal((await alice.ws.request({ type: 'chat', ciphertext: Buffer.from('not mls').toString('base64') })).code, 'INVALID_MESSAGE');
    assert.equal((await alice.sendChat('sealed')).type, 'ok');
    await until(async () => bob.chat.length, (n) => n === 1, 5000, 'Bob gets the message');
    assert.equal(bob.chat[0]?.plaintext, 'sealed');
    const hostCopy = hostWs.messages.find((x) => x.type === 'chat');
    assert.ok(hostCopy?.ciphertext && hostCopy.text === undefined, 'the server relays ciphertext only');
    assert.equal(Buffer.from(hostCopy.ciphertext, 'base64').includes(Buffer.from('sealed')), false);

    // Verification: hosts only, in the current epoch only.
    assert.equal((await alice.ws.request({ type: 'verify', participantId: bob.participantId, epoch })).code, 'FORBIDDEN');
    assert.equal((await hostWs.request({ type: 'verify', participantId: bob.participantId, epoch: epoch + 5 })).code, 'MLS_EPOCH_MISMATCH');
    assert.equal((await hostWs.request({ type: 'verify', participantId: bob.participantId, epoch })).type, 'ok');
    const roster = await hostWs.after('roster', (x) => x.participants.some((p: any) => p.verification)).catch(() => hostWs.last('roster'));
    const bobInfo = roster?.participants.find((p: any) => p.id === bob.participantId);
    assert.equal(bobInfo?.verification?.epoch, epoch);

    // A commit nobody asked for, or one in someone else's group, is not accepted.
    assert.equal((await alice.ws.request({ type: 'mlsCommit', commit: Buffer.from('junk').toString('base64') })).code, 'INVALID_MESSAGE');

    // The mode cannot change under people in the meeting.
    const patch = await host.request('PATCH', `/api/meetings/${m.id}`, { e2ee: false });
    assert.equal(patch.status, 409);
    assert.equal(patch.json.code, 'MEETING_IN_PROGRESS');
    hostWs.close();
    alice.ws.close();
    bob.ws.close();
  });
});
