// The node's media port (issue 15 item 1; D1, D5): first contacts routed by the local ufrag in
// USERNAME, then by 5-tuple (and by the kernel, to a connected socket); everything else dropped,
// counted by reason, and never answered. Real sockets on 127.0.0.1; "nothing came back" is
// asserted by the next thing the client receives being the answer to a later valid check.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { classes, methods, parseMessage } from 'werift';
import type { IceAddress } from '../../../src/sfu/IceGuard.js';
import { MAX_PATHS, type EndpointSink, type IceEndpoint } from '../../../src/sfu/net/IceEndpoint.js';
import { MAX_UFRAGS, MediaNet } from '../../../src/sfu/net/MediaNet.js';
import { Client, CREDS, DTLS, request, until } from './support.js';

class Sink implements EndpointSink {
  readonly delivered: { data: Buffer; from: IceAddress }[] = [];
  closedCount = 0;
  deliver(data: Buffer, from: IceAddress): void {
    this.delivered.push({ data: Buffer.from(data), from });
  }
  closed(): void {
    this.closedCount++;
  }
}

/** Checks a Binding success response as a browser would: MESSAGE-INTEGRITY, FINGERPRINT, XOR-MAPPED-ADDRESS. */
function assertAnswer(data: Buffer, req: Buffer, clientPort: number): void {
  const msg = parseMessage(data, Buffer.from(CREDS.localPwd, 'utf8'));
  assert.ok(msg, 'the answer verifies with the local ICE password');
  assert.equal(msg.messageMethod, methods.BINDING);
  assert.equal(msg.messageClass, classes.RESPONSE);
  assert.ok(msg.transactionId.equals(req.subarray(8, 20)), 'same transaction');
  assert.deepEqual(msg.getAttributeValue('XOR-MAPPED-ADDRESS'), ['127.0.0.1', clientPort]);
  assert.ok(msg.attributesKeys.includes('FINGERPRINT'), 'FINGERPRINT present (and checked by the parser)');
  assert.equal(parseMessage(data, Buffer.from('anotherpasswordof22chr')), undefined, 'not valid under another password');
}

describe('MediaNet (one media port; issue 15 item 1)', () => {
  let net: MediaNet;
  let sink: Sink;
  let ep: IceEndpoint;
  const clients: Client[] = [];
  const client = async () => {
    const c = await Client.open();
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    net = await MediaNet.open({ ip: '127.0.0.1', port: 0 });
    sink = new Sink();
    ep = net.endpoint(() => CREDS, sink);
    ep.announce(CREDS.localUfrag);
  });
  afterEach(() => {
    net.close();
    for (const c of clients.splice(0)) c.close();
  });

  it('drops garbage, wrong USERNAME, wrong MESSAGE-INTEGRITY, non-Binding and unknown tuples unanswered, then answers a valid check', async () => {
    const c = await client();
    const bad: [Buffer, string][] = [
      [Buffer.from('hello, is anybody there?'), 'unknown-tuple'],
      [DTLS, 'unknown-tuple'],
      [Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xde, 0xad]), 'unknown-tuple'],
      [Buffer.from([1, 2]), 'too-short'],
      [Buffer.alloc(1600, 0x80), 'too-long'],
      [request({ username: 'evil:evil', key: null }), 'unknown-ufrag'],
      [request({ username: 'evil:evil' }), 'unknown-ufrag'],
      [request({ username: null }), 'unknown-ufrag'],
      [request({ username: `${CREDS.localUfrag}:XXXX` }), 'wrong-username'],
      [request({ key: null }), 'no-integrity'],
      [request({ key: 'anotherpasswordof22chr' }), 'bad-integrity'],
      [request({ method: methods.ALLOCATE }), 'not-binding'],
      [request({ cls: classes.RESPONSE }), 'not-request'],
      [request({ cls: classes.INDICATION }), 'not-request'],
    ];
    const expected = new Map<string, number>();
    for (const [data, reason] of bad) {
      c.send(data, net.port);
      expected.set(reason, (expected.get(reason) ?? 0) + 1);
    }
    await until(() => Object.values(net.stats().dropped).reduce((a, b) => a + b, 0) === bad.length, 'every bad datagram counted');
    for (const [reason, n] of expected) assert.equal(net.stats().dropped[reason as keyof ReturnType<MediaNet['stats']>['dropped']], n, reason);
    assert.equal(sink.delivered.length, 0, 'nothing reached the transport');
    assert.equal(ep.dropped, 3, 'the three that named this transport count against it too');

    const good = request();
    c.send(good, net.port);
    const first = await c.next(1);
    assertAnswer(first.data, good, c.port);
    assert.equal(first.port, net.port, 'answered from the media port');
    assert.equal(c.got.length, 1, 'the answer is the first and only datagram the client got');
    assert.equal(net.stats().answered, 1);
    await until(() => sink.delivered.length === 1, 'the verified check handed to the transport');
    assert.deepEqual(sink.delivered[0]!.from, ['127.0.0.1', c.port]);
  });

  it('4. routes by ufrag first, then by 5-tuple (lifecycle): the verified peer feeds DTLS in, a stranger does not', async () => {
    const peer = await client();
    const stranger = await client();
    peer.send(request(), net.port);
    // Straight after the check, before its connected socket may exist: the tuple table routes it.
    peer.send(DTLS, net.port);
    await peer.next(1);
    await until(() => sink.delivered.length === 2, 'check and DTLS delivered');
    assert.ok(sink.delivered[1]!.data.equals(DTLS));
    assert.equal(net.stats().paths, 1);

    stranger.send(DTLS, net.port);
    stranger.send(request({ key: 'anotherpasswordof22chr' }), net.port);
    // A consent check from the peer after those: once it is answered, the stranger's two were handled.
    const dropped = net.stats().dropped;
    const consent = request();
    peer.send(consent, net.port);
    assertAnswer((await peer.next(2)).data, consent, peer.port);
    await until(() => net.stats().dropped['unknown-tuple'] === dropped['unknown-tuple'] + 1, 'stranger DTLS counted');
    await until(() => net.stats().dropped['bad-integrity'] === dropped['bad-integrity'] + 1, 'stranger check counted');
    assert.equal(stranger.got.length, 0, 'the stranger got nothing');
    assert.equal(sink.delivered.length, 3, 'DTLS of the stranger never reached the transport');
  });

  it('on a verified path: a forged consent check is dropped unanswered, undemultiplexable bytes too', async () => {
    const peer = await client();
    peer.send(request(), net.port);
    await peer.next(1);
    // Wait for the connected socket: the kernel now gives this peer's datagrams to it.
    const path = ep.pathFor(['127.0.0.1', peer.port]);
    assert.ok(path);
    await until(() => path.connected, 'the path socket connected');
    const before = ep.dropped;
    peer.send(request({ key: 'anotherpasswordof22chr' }), net.port);
    peer.send(Buffer.from([70, 0, 0, 0, 0, 0]), net.port); // 64–79: TURN channel data, not ours
    const consent = request();
    peer.send(consent, net.port);
    assertAnswer((await peer.next(2)).data, consent, peer.port);
    await until(() => ep.dropped === before + 2, 'both counted');
    assert.equal(peer.got.length, 2, 'no answer to the forgery');
    assert.equal(net.stats().dropped['not-demuxable'], 1);
  });

  it('answers a verified check from a peer that thinks it is controlled with 487 Role Conflict, and does not pass it on', async () => {
    const peer = await client();
    const req = request({ controlled: true });
    peer.send(req, net.port);
    const { data } = await peer.next(1);
    const msg = parseMessage(data, Buffer.from(CREDS.localPwd, 'utf8'));
    assert.ok(msg, 'the error response verifies with the local ICE password');
    assert.equal(msg.messageClass, classes.ERROR);
    assert.deepEqual(msg.getAttributeValue('ERROR-CODE'), [487, 'Role Conflict']);
    assert.equal(net.stats().roleConflicts, 1);
    assert.ok(msg.transactionId.equals(req.subarray(8, 20)));
    // The peer switches roles: its next check nominates and reaches the transport.
    const good = request();
    peer.send(good, net.port);
    assertAnswer((await peer.next(2)).data, good, peer.port);
    await until(() => sink.delivered.length === 1, 'the controlling check delivered');
    assert.ok(sink.delivered[0]!.data.equals(good), 'the conflicting one never was');
    // An unverified "controlled" check gets nothing at all.
    peer.send(request({ controlled: true, key: 'anotherpasswordof22chr' }), net.port);
    const consent = request();
    peer.send(consent, net.port);
    assertAnswer((await peer.next(3)).data, consent, peer.port);
  });

  it('sends from the media port to the selected address and copies the bytes (the caller may reuse its buffer)', async () => {
    const peer = await client();
    peer.send(request(), net.port);
    await peer.next(1);
    const path = ep.pathFor(['127.0.0.1', peer.port]);
    assert.ok(path);
    await until(() => path.connected, 'the path socket connected');
    const out = ep.out(() => ({ host: '127.0.0.1', port: peer.port }));
    const buf = Buffer.alloc(1400, 0x80);
    buf.write('first', 20);
    out.send(buf, 100);
    buf.write('second', 20);
    out.send(buf, 200);
    buf.fill(0);
    const a = await peer.next(2);
    const b = await peer.next(3);
    assert.equal(a.port, net.port);
    assert.equal(a.data.length, 100);
    assert.equal(a.data.toString('utf8', 20, 25), 'first');
    assert.equal(b.data.length, 200);
    assert.equal(b.data.toString('utf8', 20, 26), 'second');
    // No path to an address that never verified: nothing is sent, the drop is counted.
    ep.out(() => ({ host: '127.0.0.1', port: 9 })).send(buf, 100);
    assert.equal(net.stats().dropped['no-path'], 1);
  });

  it(`4. keeps at most ${MAX_PATHS} peer addresses per transport; the least recently verified goes (lifecycle)`, async () => {
    const peers: Client[] = [];
    for (let i = 0; i <= MAX_PATHS; i++) {
      const p = await client();
      p.send(request(), net.port);
      await p.next(1);
      peers.push(p);
    }
    assert.equal(ep.pathCount, MAX_PATHS);
    assert.equal(net.stats().paths, MAX_PATHS);
    assert.equal(ep.pathFor(['127.0.0.1', peers[0]!.port]), null, 'the oldest went');
    assert.ok(ep.pathFor(['127.0.0.1', peers[MAX_PATHS]!.port]));
    // The evicted address is a stranger again: its DTLS is dropped at the listener.
    const before = net.stats().dropped['unknown-tuple'];
    peers[0]!.send(DTLS, net.port);
    await until(() => net.stats().dropped['unknown-tuple'] === before + 1, 'the evicted tuple is unknown');
  });

  it('tells apart two transports that announced the same ufrag by MESSAGE-INTEGRITY, and bounds the ufrags per transport', async () => {
    const twin = { ...CREDS, localPwd: 'twinpasswordof22chars!' };
    const twinSink = new Sink();
    const twinEp = net.endpoint(() => twin, twinSink);
    twinEp.announce(CREDS.localUfrag);
    const c = await client();
    const forTwin = request({}, twin);
    c.send(forTwin, net.port);
    const answer = await c.next(1);
    assert.ok(parseMessage(answer.data, Buffer.from(twin.localPwd, 'utf8')), "answered with the twin's password");
    await until(() => twinSink.delivered.length === 1, 'delivered to the twin');
    assert.equal(sink.delivered.length, 0, 'not to the first holder of the ufrag');
    const stranger = await client();
    stranger.send(request({ key: 'anotherpasswordof22chr' }), net.port);
    await until(() => net.stats().dropped['bad-integrity'] === 1, 'a check that fits neither is dropped once');
    assert.equal(stranger.got.length, 0);

    for (let i = 0; i < MAX_UFRAGS; i++) ep.announce(`new${i}`);
    const late = await client();
    late.send(request(), net.port);
    await until(() => net.stats().dropped['bad-integrity'] === 2, 'the oldest ufrag of ep is forgotten (only the twin holds it now)');
    assert.equal(sink.delivered.length, 0);
  });

  it("hands a verified peer address over to another transport when the same socket checks that one's ufrag", async () => {
    const next = { localUfrag: 'NeXt', localPwd: 'nextpasswordof22chars!', remoteUfrag: 'brw2' };
    const nextSink = new Sink();
    const nextEp = net.endpoint(() => next, nextSink);
    nextEp.announce(next.localUfrag);
    const peer = await client();
    peer.send(request(), net.port);
    await peer.next(1);
    const old = ep.pathFor(['127.0.0.1', peer.port]);
    assert.ok(old);
    await until(() => old.connected, 'the first path connected');
    const check = request({}, next);
    peer.send(check, net.port);
    const answer = await peer.next(2);
    assert.ok(parseMessage(answer.data, Buffer.from(next.localPwd, 'utf8')), 'answered by the new transport');
    await until(() => nextSink.delivered.length === 1, 'delivered to the new transport');
    assert.equal(ep.pathCount, 0, 'the old transport let the address go');
    const path = nextEp.pathFor(['127.0.0.1', peer.port]);
    assert.ok(path);
    await until(() => path.connected, 'the new path connected');
    peer.send(DTLS, net.port);
    await until(() => nextSink.delivered.length === 2, 'its DTLS reaches the new transport');
    assert.equal(sink.delivered.length, 1, 'and not the old one');
  });

  it('5./6. close() cascades: endpoint.close() leaves the tables; MediaNet.close() closes every endpoint once (lifecycle)', async () => {
    const peer = await client();
    peer.send(request(), net.port);
    await peer.next(1);
    const other = net.endpoint(() => ({ ...CREDS, localUfrag: 'OthR' }), new Sink());
    other.announce('OthR');
    ep.close();
    ep.close();
    assert.equal(ep.closed, true);
    assert.equal(ep.pathCount, 0);
    assert.equal(sink.closedCount, 0, 'a transport closing itself is not told');
    const before = net.stats().dropped['unknown-ufrag'];
    peer.send(request(), net.port);
    await until(() => net.stats().dropped['unknown-ufrag'] === before + 1, 'its ufrag is unknown now');
    assert.equal(net.stats().endpoints, 1);

    const otherSink = new Sink();
    const third = net.endpoint(() => CREDS, otherSink);
    net.close();
    net.close();
    assert.equal(third.closed, true);
    assert.equal(other.closed, true);
    assert.equal(otherSink.closedCount, 1, 'the transport of a live endpoint is told once');
    assert.equal(net.stats().endpoints, 0);
    assert.equal(net.endpoint(() => CREDS, new Sink()).closed, true, 'a closed port makes only closed endpoints');
  });

  it('refuses to start on a port that is taken by a socket without SO_REUSEADDR', async () => {
    const c = await client();
    await assert.rejects(MediaNet.open({ ip: '127.0.0.1', port: c.port }), /EADDRINUSE/);
  });
});
