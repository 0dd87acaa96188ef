// C1, C3 with raw WebSockets against a real server: a co-host acts for the host on participants,
// never on the host. A forged stopMedia on the host's microphone, camera or screen is refused
// with a code of its own, and the co-host's stopMedia on a participant still works.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMeeting, guest, hostSession } from '../support/fixtures.js';
import type { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let host: HttpClient;

before(async () => {
  server = await startServer();
  host = await hostSession(server, 'reach-host');
});

after(async () => {
  await server?.stop();
});

describe('who a co-host may act on (C1, C3)', () => {
  it("refuses a co-host's stopMedia on the host with CANNOT_ACT_ON_PARTICIPANT", async () => {
    const m = await createMeeting(host, 'Reach', { level: 'low' });
    const h = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    const sockets: WsClient[] = [h];
    try {
      const joined = await h.request({ type: 'join', meetingId: m.id, displayName: 'Host' });
      assert.equal(joined.type, 'joined', JSON.stringify(joined));
      const hostId = joined.participantId as string;
      const people = [];
      for (const name of ['Cora', 'Pat']) {
        const { ws } = await guest(server);
        sockets.push(ws);
        const r = await ws.request({ type: 'join', meetingId: m.id, displayName: name, password: m.password });
        assert.equal(r.type, 'joined', JSON.stringify(r));
        assert.equal((await h.request({ type: 'admit', participantId: r.participantId })).type, 'ok');
        people.push({ ws, id: r.participantId as string });
      }
      const [cora, pat] = people;
      assert.ok(cora && pat);
      assert.equal((await h.request({ type: 'setRole', participantId: cora.id, role: 'cohost' })).type, 'ok');
      await cora.ws.next((x) => x.type === 'roster' && x.participants.some((p: { id: string; role: string }) => p.id === cora.id && p.role === 'cohost'));

      for (const source of ['microphone', 'camera', 'screen']) {
        const r = await cora.ws.request({ type: 'stopMedia', participantId: hostId, source });
        assert.equal(r.code, 'CANNOT_ACT_ON_PARTICIPANT', `${source}: ${JSON.stringify(r)}`);
        assert.match(r.message, /host/);
      }
      // Nor remove, send back or demote the host; the host was told nothing of any of it.
      for (const bad of [
        { type: 'remove', participantId: hostId },
        { type: 'sendToWaiting', participantId: hostId },
      ]) {
        assert.equal((await cora.ws.request(bad)).code, 'CANNOT_ACT_ON_PARTICIPANT', JSON.stringify(bad));
      }
      assert.equal(h.messages.some((x) => x.type === 'mediaStopped' || x.type === 'sentToWaiting'), false);
      // On a participant the co-host acts for the host.
      assert.equal((await cora.ws.request({ type: 'stopMedia', participantId: pat.id, source: 'camera' })).type, 'ok');
    } finally {
      for (const s of sockets) s.close();
    }
  });
});
