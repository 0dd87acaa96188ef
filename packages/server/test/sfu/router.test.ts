// The SFU's Router in process, on the werift loopback (C1, D1): real transports on 127.0.0.1,
// real RTP, no meeting and no socket around it. Each test asks what a subscriber's peer
// receives, so a packet the Router forgets to stop is a packet counted here.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
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

  it("a subscriber's transport closing ends its consumers; the publisher's other subscribers keep receiving", async () => {
    loop = new RouterLoopback();
    const alice = loop.join('alice');
    const bob = loop.join('bob');
    const carol = loop.join('carol');
    await alice.publish(['microphone']);
    await Promise.all([bob.receivesMore('alice', 'microphone'), carol.receivesMore('alice', 'microphone')]);

    // bob's browser goes away: his receive connection closes on his side.
    await bob.close();

    await carol.receivesMore('alice', 'microphone');
    const sent = bob.received('alice', 'microphone');
    await bob.stopsReceiving('alice', 'microphone');
    assert.equal(bob.received('alice', 'microphone'), sent);
  });
});
