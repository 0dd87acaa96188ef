// Transports on the node's media port with real werift peers (issue 15 item 1; D1): every
// transport announces the one port, werift opens no socket of its own, forged checks are dropped
// unanswered and leave the selected pair alone, media flows through a Router on the port, and
// closing cascades (Transport -> its endpoint; MediaNet -> every Transport). In-process, loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import { MediaNet } from '../../../src/sfu/net/MediaNet.js';
import { Transport } from '../../../src/sfu/Transport.js';
import { RouterLoopback } from '../../support/routerLoopback.js';
import { Client, request, until } from './support.js';

const ufragOf = (sdp: string): string => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '';
const candidatePorts = (sdp: string): number[] => [...sdp.matchAll(/a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/g)].map((m) => Number(m[1]));

interface Connected {
  transport: Transport;
  client: RTCPeerConnection;
  track: MediaStreamTrack;
  answer: string;
}

/** A send Transport on `net` and a werift client publishing one audio track to it. */
async function connect(net: MediaNet, pid: string): Promise<Connected> {
  const transport = new Transport(pid, 'send', { ip: '127.0.0.1', net });
  const client = new RTCPeerConnection({ iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], bundlePolicy: 'max-bundle' });
  const track = new MediaStreamTrack({ kind: 'audio' });
  client.addTransceiver(track, { direction: 'sendonly' });
  await client.setLocalDescription(await client.createOffer());
  await transport.pc.setRemoteDescription({ type: 'offer', sdp: client.localDescription!.sdp });
  for (const t of transport.pc.getTransceivers()) t.setDirection('recvonly');
  transport.preferDtlsServer();
  await transport.pc.setLocalDescription(await transport.pc.createAnswer());
  const answer = await transport.localSdp();
  await client.setRemoteDescription({ type: 'answer', sdp: answer });
  await transport.whenConnected(20_000);
  return { transport, client, track, answer };
}

function nominated(t: Transport): string {
  const pair = t.pc.iceTransports[0]?.connection.nominated;
  return pair ? `${pair.remoteAddr[0]}:${pair.remoteAddr[1]}` : 'none';
}

describe('Transports on the media port (issue 15 item 1)', () => {
  let net: MediaNet;
  let a: Connected;
  let b: Connected;

  before(async () => {
    net = await MediaNet.open({ ip: '127.0.0.1', port: 0 });
    [a, b] = await Promise.all([connect(net, 'p1'), connect(net, 'p2')]);
  });
  after(async () => {
    a.transport.close();
    b.transport.close();
    net.close();
    await Promise.allSettled([a.client.close(), b.client.close()]);
  });

  it('3. werift opens no socket: every transport announces the one media port (lifecycle)', () => {
    for (const { transport, answer } of [a, b]) {
      assert.equal(transport.pc.connectionState, 'connected');
      assert.deepEqual(candidatePorts(answer), [net.port]);
      const protocols = transport.pc.iceTransports.flatMap((t) => (t.connection as unknown as { protocols: { transport: object }[] }).protocols);
      assert.equal(protocols.length, 1);
      assert.ok(!('socket' in protocols[0]!.transport), 'a virtual transport, no dgram socket');
    }
    assert.equal(net.stats().endpoints, 2);
    assert.ok(net.stats().paths >= 2);
  });

  it('drops forged checks unanswered and keeps the selected pair', async () => {
    const real = nominated(a.transport);
    assert.notEqual(real, 'none');
    const username = `${ufragOf(a.transport.pc.localDescription!.sdp)}:${ufragOf(a.client.localDescription!.sdp)}`;
    const stranger = await Client.open();
    const dropped = net.stats().dropped;
    const onTransport = a.transport.iceDropped;
    stranger.send(request({ username: 'evil:evil', key: null }), net.port);
    stranger.send(request({ username, key: null }), net.port);
    stranger.send(request({ username, key: 'not-the-ice-password-xx' }), net.port);
    stranger.send(Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), net.port);
    await until(() => {
      const d = net.stats().dropped;
      return (
        d['unknown-ufrag'] === dropped['unknown-ufrag'] + 1 &&
        d['no-integrity'] === dropped['no-integrity'] + 1 &&
        d['bad-integrity'] === dropped['bad-integrity'] + 1 &&
        d['unknown-tuple'] === dropped['unknown-tuple'] + 1
      );
    }, 'the four forgeries counted');
    assert.equal(a.transport.iceDropped, onTransport + 2, 'the two that named this transport');
    stranger.close();
    assert.equal(stranger.got.length, 0, 'the stranger got no answer');
    assert.equal(nominated(a.transport), real);
    assert.equal(a.transport.pc.connectionState, 'connected');
  });

  it("offers incoming SRTP to Kaigi's packet path before werift, and gives it back when unhooked", async () => {
    let taken = 0;
    let werift = 0;
    const watch = (t: MediaStreamTrack) => t.onReceiveRtp.subscribe(() => werift++);
    for (const tr of a.transport.pc.getTransceivers()) for (const t of tr.receiver.tracks) watch(t);
    a.transport.pc.onTrack.subscribe(watch);
    assert.equal(a.transport.receiveSrtpWith({ receiveSrtp: (d) => d[0]! >= 128 && ++taken > 0 }), true);
    let seq = 0;
    const timer = setInterval(() => {
      seq++;
      a.track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, marker: true }), Buffer.alloc(40, 1)));
    }, 10);
    try {
      await until(() => taken >= 10, 'SRTP offered to the packet path');
      assert.equal(werift, 0, 'werift saw none of the packets taken');
      a.transport.receiveSrtpWith(null);
      await until(() => werift >= 5, 'werift gets them again');
    } finally {
      clearInterval(timer);
    }
    const plain = new Transport('px', 'send', { ip: '127.0.0.1' });
    assert.equal(plain.receiveSrtpWith(null), false, 'no hook without the media port');
    plain.close();
  });

  it("5./6. a Transport's close() leaves the port; MediaNet.close() closes the Transports still on it (lifecycle)", async () => {
    const c = await connect(net, 'p3');
    assert.equal(net.stats().endpoints, 3);
    c.transport.close();
    assert.equal(net.stats().endpoints, 2);
    await c.client.close();

    const other = await MediaNet.open({ ip: '127.0.0.1', port: 0 });
    const d = await connect(other, 'p4');
    other.close();
    assert.equal(d.transport.closed, true, 'the port closing closed its Transport');
    await d.client.close();
  });
});

describe('a Router on the media port', () => {
  it('forwards between werift peers with every transport on the one port', async () => {
    const net = await MediaNet.open({ ip: '127.0.0.1', port: 0 });
    const loop = new RouterLoopback({ ip: '127.0.0.1', net });
    try {
      const alice = loop.join('alice');
      const bob = loop.join('bob');
      await alice.publish(['microphone', 'camera']);
      await Promise.all([bob.receivesMore('alice', 'microphone'), bob.receivesMore('alice', 'camera')]);
      // alice's send and bob's receive transport (alice's receives nothing yet: no ICE gathered).
      assert.equal(net.stats().endpoints, 2);
      assert.equal(net.stats().paths, 2);
      const offers = loop.offers.get('bob') ?? [];
      assert.ok(offers.length > 0);
      for (const o of offers) {
        const ports = candidatePorts(o.sdp);
        assert.ok(ports.length > 0 && ports.every((p) => p === net.port), `offer candidates ${ports.join(',')}`);
      }
    } finally {
      await loop.close();
      net.close();
    }
  });
});
