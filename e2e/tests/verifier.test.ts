// B7 with raw clients: the verifier role may admit, deny and check newcomers, nothing else; a
// newcomer in the waiting room may send media only while a check with them is open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditRows } from '../support/audit.js';
import { createMeeting, guest, hostSession } from '../support/fixtures.js';
import type { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let host: HttpClient;

before(async () => {
  server = await startServer();
  host = await hostSession(server, 'verifier-host');
});

after(async () => {
  await server?.stop();
});

const DUMMY_SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

async function arrive(meetingId: string, password: string, displayName: string) {
  const { ws } = await guest(server);
  const r = await ws.request({ type: 'join', meetingId, displayName, password });
  assert.equal(r.type, 'joined', JSON.stringify(r));
  return { ws, id: r.participantId as string, token: r.resumeToken as string };
}

describe('the verifier (B7), enforced by the server', () => {
  it('a verifier checks and admits; nobody publishes from the waiting room without a check; participants cannot check', async () => {
    const m = await createMeeting(host, 'Checked entry', { level: 'low' });
    const h = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    assert.equal((await h.request({ type: 'join', meetingId: m.id, displayName: 'Host' })).type, 'joined');
    const sockets: WsClient[] = [h];
    try {
      const bob = await arrive(m.id, m.password, 'Bob');
      const vera = await arrive(m.id, m.password, 'Vera');
      sockets.push(bob.ws, vera.ws);
      for (const p of [bob, vera]) assert.equal((await h.request({ type: 'admit', participantId: p.id })).type, 'ok');
      const newt = await arrive(m.id, m.password, 'Newt');
      sockets.push(newt.ws);

      // Waiting, with no check open: no media at all.
      assert.equal((await newt.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'camera' }] })).code, 'NOT_ADMITTED');
      // A plain participant cannot check anyone, nor make verifiers.
      assert.equal((await bob.ws.request({ type: 'startCheck', participantId: newt.id })).code, 'FORBIDDEN');
      assert.equal((await bob.ws.request({ type: 'setRole', participantId: vera.id, role: 'verifier' })).code, 'FORBIDDEN');

      // The host makes Vera a verifier: she now sees the waiting room, and may do nothing else.
      const sees = vera.ws.after('waitingRoom', (x) => x.entries.some((e: { id: string }) => e.id === newt.id));
      assert.equal((await h.request({ type: 'setRole', participantId: vera.id, role: 'verifier' })).type, 'ok');
      await sees;
      assert.equal(vera.ws.last('roster')?.participants.find((p: { id: string }) => p.id === vera.id)?.role, 'verifier');
      for (const bad of [
        { type: 'remove', participantId: bob.id },
        { type: 'setLocked', locked: true },
        { type: 'admitAll' },
        { type: 'setMediaPermissions', permissions: { camera: true } },
        { type: 'setRole', participantId: bob.id, role: 'verifier' },
        { type: 'stopMedia', participantId: bob.id, source: 'camera' },
      ]) {
        assert.equal((await vera.ws.request(bad)).code, 'FORBIDDEN', JSON.stringify(bad));
      }

      // Vera opens a check: Newt is told who checks, and may now offer camera and microphone (the
      // dummy offer gets past the permission check and is refused as SDP), but never the screen.
      const told = newt.ws.after('checkStarted');
      assert.equal((await vera.ws.request({ type: 'startCheck', participantId: newt.id })).type, 'ok');
      const started = await told;
      assert.equal(started.by, 'Vera');
      assert.equal(started.participantId, newt.id);
      assert.equal((await newt.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'camera' }] })).code, 'INVALID_MESSAGE');
      assert.equal((await newt.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'screen' }] })).code, 'FORBIDDEN');
      // Bob, who is not in the check, is told nothing of it.
      assert.equal(bob.ws.messages.some((x) => x.type === 'checkStarted'), false);
      // The host cannot open a second check with the same newcomer while Vera's is open.
      assert.equal((await h.request({ type: 'startCheck', participantId: newt.id })).code, 'FORBIDDEN');

      // Ending the check closes the door again.
      const ended = newt.ws.after('checkEnded');
      assert.equal((await vera.ws.request({ type: 'endCheck', participantId: newt.id })).type, 'ok');
      await ended;
      assert.equal((await newt.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'camera' }] })).code, 'NOT_ADMITTED');

      // A new check, then Vera admits with what she checked: recorded with her as the checker.
      assert.equal((await vera.ws.request({ type: 'startCheck', participantId: newt.id })).type, 'ok');
      const endedByAdmit = newt.ws.after('checkEnded');
      const admitted = newt.ws.after('admitted');
      assert.equal((await vera.ws.request({ type: 'admit', participantId: newt.id, check: { face: true, voice: true, name: false } })).type, 'ok');
      await endedByAdmit;
      const self = (await admitted).self;
      assert.equal(self.admissionCheck.by, vera.id);
      assert.equal(self.admissionCheck.byName, 'Vera');
      const rows = auditRows(server.dataDir, m.id);
      const admission = rows.find((r) => r.kind === 'participant.admitted' && r.data.participantId === newt.id);
      assert.ok(admission, 'the admission is audited');
      assert.equal(admission.actor, vera.id);
      assert.deepEqual(admission.data.check, { face: true, voice: true, name: false });
      assert.ok(rows.some((r) => r.kind === 'participant.check_started' && r.actor === vera.id && r.data.participantId === newt.id));
      assert.ok(rows.some((r) => r.kind === 'participant.check_ended' && r.actor === vera.id));
      assert.ok(rows.some((r) => r.kind === 'participant.role_changed' && r.data.role === 'verifier'));

      // A verifier denies, too; a denied newcomer's check ends.
      const late = await arrive(m.id, m.password, 'Late');
      sockets.push(late.ws);
      await vera.ws.after('waitingRoom', (x) => x.entries.some((e: { id: string }) => e.id === late.id)).catch(() => undefined);
      assert.equal((await vera.ws.request({ type: 'startCheck', participantId: late.id })).type, 'ok');
      const veraTold = vera.ws.after('checkEnded', (x) => x.participantId === late.id);
      assert.equal((await vera.ws.request({ type: 'deny', participantId: late.id })).type, 'ok');
      await veraTold;

      // Made a participant again while checking someone: the check ends at once.
      const last = await arrive(m.id, m.password, 'Last');
      sockets.push(last.ws);
      assert.equal((await vera.ws.request({ type: 'startCheck', participantId: last.id })).type, 'ok');
      const lastTold = last.ws.after('checkEnded');
      assert.equal((await h.request({ type: 'setRole', participantId: vera.id, role: 'participant' })).type, 'ok');
      await lastTold;
      assert.equal((await last.ws.request({ type: 'publish', sdp: DUMMY_SDP, tracks: [{ mid: '0', source: 'camera' }] })).code, 'NOT_ADMITTED');
      assert.equal((await vera.ws.request({ type: 'startCheck', participantId: last.id })).code, 'FORBIDDEN');

      // A newcomer whose connection is replaced (resume) leaves the check: its transports are gone.
      assert.equal((await h.request({ type: 'startCheck', participantId: last.id })).type, 'ok');
      const hostTold = h.after('checkEnded', (x) => x.participantId === last.id);
      const again = await WsClient.connect(server.url);
      sockets.push(again);
      assert.equal((await again.request({ type: 'resume', meetingId: m.id, participantId: last.id, resumeToken: last.token })).type, 'joined');
      await hostTold;

      // The security report names the verifier and counts the one-to-one checks (B7).
      const report = await host.request('GET', `/api/meetings/${m.id}/report`);
      assert.equal(report.status, 200);
      const clauses = (report.json as { clauses: { id: string; evidence: { en: string } }[] }).clauses;
      const b7 = clauses.find((c) => c.evidence.en.includes('Verifiers: Vera'));
      assert.ok(b7, JSON.stringify(clauses.map((c) => c.evidence.en).filter((e) => /check/i.test(e))));
      assert.match(b7.evidence.en, /Checks recorded by Vera: 1 admission check\(s\)/);
      assert.match(b7.evidence.en, /5 one-to-one check\(s\) before admission/);
    } finally {
      for (const s of sockets) s.close();
    }
  });

  it("in an E2EE meeting each side's half of the check's key exchange reaches the other side only, once", async () => {
    const publicKey = async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
      return Buffer.from(await crypto.subtle.exportKey('raw', pair.publicKey)).toString('base64');
    };
    const m = await createMeeting(host, 'Encrypted check', { level: 'medium', e2ee: true });
    const h = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    assert.equal((await h.request({ type: 'join', meetingId: m.id, displayName: 'Host', e2ee: true })).type, 'joined');
    const sockets: WsClient[] = [h];
    const arriveE2ee = async (displayName: string) => {
      const { ws } = await guest(server);
      sockets.push(ws);
      const r = await ws.request({ type: 'join', meetingId: m.id, displayName, password: m.password, e2ee: true });
      assert.equal(r.type, 'joined', JSON.stringify(r));
      return { ws, id: r.participantId as string };
    };
    try {
      const bob = await arriveE2ee('Bob');
      const vera = await arriveE2ee('Vera');
      for (const p of [bob, vera]) assert.equal((await h.request({ type: 'admit', participantId: p.id })).type, 'ok');
      assert.equal((await h.request({ type: 'setRole', participantId: vera.id, role: 'verifier' })).type, 'ok');
      const newt = await arriveE2ee('Newt');
      const [newtKey, veraKey] = [await publicKey(), await publicKey()];

      // No check open: nothing to send a key for.
      assert.equal((await newt.ws.request({ type: 'checkKey', publicKey: newtKey })).code, 'FORBIDDEN');

      const told = newt.ws.after('checkStarted');
      assert.equal((await vera.ws.request({ type: 'startCheck', participantId: newt.id })).type, 'ok');
      assert.equal((await told).e2ee, true, 'both sides are told the check needs keys of its own');

      // Not a P-256 point's encoding: refused at the boundary.
      for (const bad of ['', 'A'.repeat(88), newtKey.slice(0, 87), `${newtKey.slice(0, 86)}==`]) {
        assert.equal((await newt.ws.request({ type: 'checkKey', publicKey: bad })).code, 'INVALID_MESSAGE', JSON.stringify(bad));
      }
      const atVera = vera.ws.after('checkKey');
      assert.equal((await newt.ws.request({ type: 'checkKey', publicKey: newtKey })).type, 'ok');
      assert.deepEqual(await atVera, { type: 'checkKey', participantId: newt.id, from: newt.id, publicKey: newtKey });
      // Once per side: a second key could swap the keys under a code already compared.
      assert.equal((await newt.ws.request({ type: 'checkKey', publicKey: veraKey })).code, 'FORBIDDEN');
      const atNewt = newt.ws.after('checkKey');
      assert.equal((await vera.ws.request({ type: 'checkKey', publicKey: veraKey })).type, 'ok');
      assert.deepEqual(await atNewt, { type: 'checkKey', participantId: newt.id, from: vera.id, publicKey: veraKey });
      // Nobody else in the meeting sees either half; Bob cannot join the exchange.
      for (const other of [h, bob.ws]) assert.equal(other.messages.some((x) => x.type === 'checkKey'), false);
      assert.equal((await bob.ws.request({ type: 'checkKey', publicKey: await publicKey() })).code, 'FORBIDDEN');

      // The admission records that the check ran on its own keys.
      assert.equal((await vera.ws.request({ type: 'admit', participantId: newt.id, check: { face: true, voice: true, name: true } })).type, 'ok');
      const admission = auditRows(server.dataDir, m.id).find((r) => r.kind === 'participant.admitted' && r.data.participantId === newt.id);
      assert.equal(admission?.data.checkKeyed, true);
      const report = await host.request('GET', `/api/meetings/${m.id}/report`);
      const evidence = (report.json as { clauses: { evidence: { en: string } }[] }).clauses.map((c) => c.evidence.en);
      assert.ok(evidence.some((e) => e.includes("end-to-end encrypted with the check's own keys (1 admission(s) after such a check)")), evidence.filter((e) => /check/.test(e)).join('\n'));

      // In a meeting without E2EE, a check exchanges no keys.
      const plain = await createMeeting(host, 'Plain check', { level: 'low' });
      const h2 = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
      sockets.push(h2);
      assert.equal((await h2.request({ type: 'join', meetingId: plain.id, displayName: 'Host' })).type, 'joined');
      const late = await arrive(plain.id, plain.password, 'Late');
      sockets.push(late.ws);
      const lateTold = late.ws.after('checkStarted');
      assert.equal((await h2.request({ type: 'startCheck', participantId: late.id })).type, 'ok');
      assert.equal((await lateTold).e2ee, false);
      assert.equal((await late.ws.request({ type: 'checkKey', publicKey: newtKey })).code, 'E2EE_NOT_ENABLED');
    } finally {
      for (const s of sockets) s.close();
    }
  });
});
