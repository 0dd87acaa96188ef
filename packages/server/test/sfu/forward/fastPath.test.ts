// The forwarding fast path carries the media (issue 15, item 2): a real Router on the werift
// loopback, real DTLS-SRTP with AEAD_AES_128_GCM; the subscriber's werift peer decrypts what the
// fast path sealed (interop with werift's SRTP), and the path's own counter shows it sent them.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Subscriber } from '../../../src/sfu/Subscriber.js';
import { RouterLoopback } from '../../support/routerLoopback.js';

function subscriberOf(loop: RouterLoopback, participantId: string): Subscriber {
  // The Router keeps its Subscribers private; this test reads one to see which path carried media.
  const s = (loop.router as unknown as { subscribers: Map<string, Subscriber> }).subscribers.get(participantId);
  assert.ok(s, `a subscriber for ${participantId}`);
  return s;
}

describe('forwarding fast path', () => {
  let loop: RouterLoopback | null = null;
  afterEach(async () => {
    await loop?.close();
    loop = null;
  });

  it("carries every packet a werift subscriber receives, sealed with the transport's own SRTP context", async () => {
    loop = new RouterLoopback();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    await alice.publish(['microphone', 'camera']);
    await Promise.all([bob.receivesMore('alice', 'microphone', 20), bob.receivesMore('alice', 'camera', 10)]);
    const stats = subscriberOf(loop, 'bob').fastPath();
    assert.ok(stats, 'the fast path is up on bob’s receive transport');
    const received = bob.received('alice', 'microphone') + bob.received('alice', 'camera');
    assert.ok(stats.sent >= received, `fast path sent ${stats.sent}, bob received ${received}`);
    assert.equal(stats.dropped, 0);
  });
});
