// D1, D5 on the media plane: a stranger on the network cannot take over a participant's media
// path. werift's ICE-lite answered any STUN Binding request and let its USE-CANDIDATE move the
// selected pair, so the SFU's next DTLS/SRTP for the participant went to the stranger. Here a
// publisher and a subscriber (werift peers, no browser) talk to a spawned server while a raw
// UDP socket sends forged checks to both of the server's transports: it must get no answer at
// all, and media keeps flowing to the real subscriber.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { classes, Message, methods } from 'werift';
import { until } from '../support/rawMedia.js';
import { createMeeting, guest, hostSession } from '../support/fixtures.js';
import { startServer, type RunningServer } from '../support/server.js';
import { iceOf, publishAudio, subscribe, type WeriftPublisher, type WeriftSubscriber } from '../support/weriftMedia.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let hostWs: WsClient;
let guestWs: WsClient;
let publisher: WeriftPublisher;
let subscriber: WeriftSubscriber;

before(async () => {
  server = await startServer();
  const host = await hostSession(server);
  const meeting = await createMeeting(host, 'Board call');
  hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  assert.equal((await hostWs.request({ type: 'join', meetingId: meeting.id, displayName: 'Host' })).type, 'joined');
  hostWs.socket.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'waitingRoom') for (const e of m.entries) hostWs.send({ type: 'admit', participantId: e.id });
  });
  const g = await guest(server);
  guestWs = g.ws;
  subscriber = subscribe(guestWs);
  const joined = await guestWs.request({ type: 'join', meetingId: meeting.id, displayName: 'Guest', password: meeting.password });
  assert.equal(joined.type, 'joined', JSON.stringify(joined));
  await guestWs.next((m) => m.type === 'admitted', 15_000);
  publisher = await publishAudio(hostWs);
  await until(async () => subscriber.received, (n) => n >= 20, 20_000, 'the subscriber to receive media');
});

after(async () => {
  publisher?.stop();
  subscriber?.close();
  hostWs?.close();
  guestWs?.close();
  if (server) assert.equal(await server.stop(), 0);
});

/** A Binding request as a controlling ICE agent nominating its address would send it. */
function bindingRequest(username: string, password: string | null): Buffer {
  const m = new Message(methods.BINDING, classes.REQUEST);
  m.setAttribute('USERNAME', username);
  m.setAttribute('PRIORITY', 2130706431);
  m.setAttribute('ICE-CONTROLLING', 0x0123456789abcdefn);
  m.setAttribute('USE-CANDIDATE', null);
  if (password !== null) m.addMessageIntegrity(Buffer.from(password, 'utf8'));
  m.addFingerprint();
  return m.bytes;
}

describe('forged ICE checks (D1, D5)', () => {
  it('get no answer and do not divert media from the real participant (D1, D5)', async () => {
    const stranger = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    stranger.on('message', (d) => got.push(d));
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
    try {
      // Both of the server's transports: the publisher's (send) and the subscriber's (recv). The
      // second forgery knows the ufrags (they cross the network in clear) but not the password.
      const targets = [
        { server: iceOf(publisher.answer), client: iceOf(publisher.offer) },
        { server: iceOf(subscriber.offer), client: iceOf(subscriber.answer) },
      ];
      const before = subscriber.received;
      for (let round = 0; round < 3; round++) {
        for (const t of targets) {
          const forged = [
            bindingRequest('evil:evil', null),
            bindingRequest(`${t.server.ufrag}:${t.client.ufrag}`, null),
            bindingRequest(`${t.server.ufrag}:${t.client.ufrag}`, 'not-the-ice-password-xx'),
          ];
          for (const f of forged) stranger.send(f, t.server.port, '127.0.0.1');
        }
      }
      // Receiving nothing is judged over the time the real subscriber takes to get 100 more
      // packets (2 s of audio) after the forgeries; an answer ends the wait at once.
      await until(async () => ({ media: subscriber.received - before, stranger: got.length }), (s) => s.media >= 100 || s.stranger > 0, 30_000, 'media after the forgeries');
      assert.equal(got.length, 0, `the stranger got ${got.length} datagram(s), first bytes ${got[0]?.subarray(0, 4).toString('hex')}`);
      assert.ok(subscriber.received - before >= 100, 'the real subscriber keeps receiving media');
    } finally {
      stranger.close();
    }
  });
});

// Runs after the media test: on a server without the checks these offers reach the live transport.
describe('descriptions the SFU refuses at the signalling boundary (D1, D5)', () => {
  it('refuses a publish offer without a DTLS fingerprint (D1, D5)', async () => {
    const noFingerprint = publisher.offer.replace(/^a=fingerprint:.*\r\n/gm, '');
    assert.notEqual(noFingerprint, publisher.offer);
    const r = await hostWs.request({ type: 'publish', sdp: noFingerprint, tracks: [{ mid: '0', source: 'microphone' }] }, 15_000);
    assert.equal(r.code, 'INVALID_MESSAGE', JSON.stringify(r));
    assert.match(r.message, /no DTLS fingerprint/);
  });

  it('refuses a publish offer with a data channel (D1)', async () => {
    const dataChannel = `${publisher.offer.trimEnd()}\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:9\r\na=sctp-port:5000\r\n`;
    const r = await hostWs.request({ type: 'publish', sdp: dataChannel, tracks: [{ mid: '0', source: 'microphone' }] }, 15_000);
    assert.equal(r.code, 'INVALID_MESSAGE', JSON.stringify(r));
    assert.match(r.message, /Data channels/);
  });

  it('refuses a subscribe answer without a DTLS fingerprint (D1, D5)', async () => {
    const r = await guestWs.request({ type: 'subscribeAnswer', sdp: subscriber.answer.replace(/^a=fingerprint:.*\r\n/gm, '') }, 15_000);
    assert.equal(r.code, 'INVALID_MESSAGE', JSON.stringify(r));
    assert.match(r.message, /no DTLS fingerprint/);
  });

  it('keeps media flowing to the subscriber after the refusals', async () => {
    const before = subscriber.received;
    await until(async () => subscriber.received - before, (n) => n >= 50, 20_000, 'media after the refused descriptions');
  });
});
