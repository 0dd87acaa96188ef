// The SFU's Router in process, on the werift loopback (C1, D1): real transports on 127.0.0.1,
// real RTP, no meeting and no socket around it. Each test asks what a subscriber's peer
// receives, so a packet the Router forgets to stop is a packet counted here.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Producer } from '../../src/sfu/Producer.js';
import { RouterLoopback } from '../support/routerLoopback.js';

describe('Router', () => {
  let loop: RouterLoopback | null = null;
  afterEach(async () => {
    await loop?.close();
    loop = null;
  });

  it("forwards a publisher's packets to every subscriber's consumer", async () => {
    loop = new RouterLoopback();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    const carol = loop.join('carol');
    await alice.publish(['microphone', 'camera']);
    await Promise.all([
      bob.receivesMore('alice', 'microphone'),
      bob.receivesMore('alice', 'camera'),
      carol.receivesMore('alice', 'microphone'),
      carol.receivesMore('alice', 'camera'),
    ]);
    // Nobody receives their own media.
    assert.equal(alice.received('alice', 'microphone'), 0);
    assert.deepEqual(
      bob.tracks.map((t) => `${t.participantId}/${t.source}/${t.kind}`).sort(),
      ['alice/camera/video', 'alice/microphone/audio'],
    );
  });

  it("closeParticipant() stops the participant's media at every subscriber", async () => {
    loop = new RouterLoopback();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    const carol = loop.join('carol');
    await Promise.all([alice.publish(['microphone']), bob.publish(['microphone'])]);
    await Promise.all([carol.receivesMore('alice', 'microphone'), carol.receivesMore('bob', 'microphone'), bob.receivesMore('alice', 'microphone')]);

    loop.router.closeParticipant('alice');

    await Promise.all([bob.stopsReceiving('alice', 'microphone'), carol.stopsReceiving('alice', 'microphone')]);
    // alice's peer still sends: only the Router stops her. The others' media flows on.
    await carol.receivesMore('bob', 'microphone');
    assert.deepEqual([...loop.router.publishing().keys()], ['bob']);
    // The next offer lists no track of hers.
    await carol.until(() => carol.tracks.every((t) => t.participantId !== 'alice'), "an offer without alice's tracks");
  });

  it("a subscriber's transport closing ends its consumers: the publisher forwards to the new one only", async () => {
    loop = new RouterLoopback();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    const carol = loop.join('carol');
    await alice.publish(['microphone']);
    await Promise.all([bob.receivesMore('alice', 'microphone'), carol.receivesMore('alice', 'microphone')]);
    const mic = producerOf(loop, 'alice');
    assert.equal(sinksOf(mic), 2);

    // bob's browser lost its receive connection and asks to start over (the client's resubscribe):
    // the Router closes his receive transport and opens a new one.
    await bob.restartReceiving();
    loop.router.resubscribe('bob');
    await bob.receivesMore('alice', 'microphone');
    // His old consumer ended with the old transport: one consumer per subscriber, not three.
    assert.equal(sinksOf(mic), 2);

    // His whole receive side closes with him; carol's goes on.
    loop.router.closeParticipant('bob');
    assert.equal(sinksOf(mic), 1);
    await carol.receivesMore('alice', 'microphone');
  });

  it("a subscriber's receive transport failing ends its consumers at once; a resubscribe brings the media back", async () => {
    loop = new RouterLoopback();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    const carol = loop.join('carol');
    await alice.publish(['microphone']);
    await Promise.all([bob.receivesMore('alice', 'microphone'), carol.receivesMore('alice', 'microphone')]);
    const mic = producerOf(loop, 'alice');
    assert.equal(sinksOf(mic), 2);

    // The server's side of bob's receive connection dies (ICE or DTLS failed: Transport closes itself).
    recvTransportOf(loop, 'bob').close();
    // His consumer goes with it: alice's packets are no longer sent into a dead connection.
    assert.equal(sinksOf(mic), 1);
    await carol.receivesMore('alice', 'microphone');

    // His browser notices and starts over: the same producers on a new transport.
    await bob.restartReceiving();
    loop.router.resubscribe('bob');
    await bob.receivesMore('alice', 'microphone');
    assert.equal(sinksOf(mic), 2);
  });
});

/** A subscriber's current receive transport (the Router keeps it private; a test-only look inside). */
function recvTransportOf(loop: RouterLoopback, participantId: string): { close(): void } {
  const subs = (loop.router as unknown as { subscribers: Map<string, { transport: { close(): void } }> }).subscribers;
  const s = subs.get(participantId);
  assert.ok(s, `a subscriber ${participantId}`);
  return s.transport;
}

/** The publisher's live producer (the Router's read-only view of what it forwards). */
function producerOf(loop: RouterLoopback, participantId: string): Producer {
  const p = [...loop.router.allProducers()].find((x) => x.participantId === participantId);
  assert.ok(p, `a producer of ${participantId}`);
  return p;
}

/**
 * Consumers a producer forwards to. Producer keeps them private; a read-only getter for tests
 * (mediasoup's `…ForTesting`) would replace this look inside.
 */
function sinksOf(p: Producer): number {
  return (p as unknown as { sinks: Set<unknown> }).sinks.size;
}
