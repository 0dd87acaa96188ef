// D1: a live SFU Transport ignores forged ICE checks: they are counted as dropped, never reach
// werift, and the selected pair (where DTLS/SRTP goes) stays the real peer's. In-process, over
// loopback UDP: the SFU's werift peer and a werift client.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { classes, Message, MediaStreamTrack, methods, RTCPeerConnection } from 'werift';
import { Transport } from '../src/sfu/Transport.js';

let transport: Transport;
let client: RTCPeerConnection;
/** Whether werift's sockets were guarded as they opened, before Transport.localSdp() looked. */
let guardedOnOpen = false;

function ufragOf(sdp: string): string {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '';
}

function nominatedRemote(): string {
  const pair = transport.pc.iceTransports[0]?.connection.nominated;
  return pair ? `${pair.remoteAddr[0]}:${pair.remoteAddr[1]}` : 'none';
}

before(async () => {
  transport = new Transport('p1', 'send', { ip: '127.0.0.1' });
  client = new RTCPeerConnection({ iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], bundlePolicy: 'max-bundle' });
  client.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendonly' });
  await client.setLocalDescription(await client.createOffer());
  await transport.pc.setRemoteDescription({ type: 'offer', sdp: client.localDescription!.sdp });
  for (const t of transport.pc.getTransceivers()) t.setDirection('recvonly');
  transport.preferDtlsServer();
  await transport.pc.setLocalDescription(await transport.pc.createAnswer());
  const sockets = transport.pc.iceTransports.flatMap((t) => (t.connection as unknown as { protocols: object[] }).protocols);
  guardedOnOpen = sockets.length > 0 && sockets.every((p) => Object.prototype.hasOwnProperty.call(p, 'datagramReceived'));
  await client.setRemoteDescription({ type: 'answer', sdp: await transport.localSdp() });
  await transport.whenConnected(20_000);
});

after(async () => {
  transport.close();
  await client.close();
});

describe('Transport behind the ICE guard (D1)', () => {
  it('connects the real peer, drops forged checks unanswered and keeps its selected pair', async () => {
    assert.ok(guardedOnOpen, 'every socket was guarded when gathering opened it');
    assert.equal(transport.pc.connectionState, 'connected');
    const real = nominatedRemote();
    assert.notEqual(real, 'none');
    const serverSdp = transport.pc.localDescription!.sdp;
    const port = Number(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/.exec(await transport.localSdp())?.[1]);
    const username = `${ufragOf(serverSdp)}:${ufragOf(client.localDescription!.sdp)}`;
    const forge = (name: string, key: string | null) => {
      const m = new Message(methods.BINDING, classes.REQUEST);
      m.setAttribute('USERNAME', name);
      m.setAttribute('PRIORITY', 2130706431);
      m.setAttribute('ICE-CONTROLLING', 1n);
      m.setAttribute('USE-CANDIDATE', null);
      if (key) m.addMessageIntegrity(Buffer.from(key));
      return m.addFingerprint().bytes;
    };
    const stranger = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    stranger.on('message', (d) => got.push(d));
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
    const dropped = transport.iceDropped;
    for (const d of [forge('evil:evil', null), forge(username, null), forge(username, 'not-the-ice-password-xx'), Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])]) {
      stranger.send(d, port, '127.0.0.1');
    }
    // The guard decides synchronously on arrival: once all four are counted, werift saw none.
    // An answer (what werift alone sent at once) ends the wait too.
    const deadline = Date.now() + 10_000;
    while (got.length === 0 && !(transport.iceDropped >= dropped + 4)) {
      assert.ok(Date.now() < deadline, 'the forged datagrams were neither dropped nor answered');
      await new Promise((r) => setTimeout(r, 10));
    }
    stranger.close();
    assert.equal(got.length, 0, 'the stranger got an answer');
    assert.equal(nominatedRemote(), real, 'the selected pair is still the real peer');
    assert.equal(transport.iceDropped, dropped + 4);
    assert.equal(transport.pc.connectionState, 'connected');
  });
});
