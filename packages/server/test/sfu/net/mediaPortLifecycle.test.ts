// docs/lifecycle.md "The media port": who creates the MediaNet, how it reaches the Transports,
// and who closes it. Real Services on a temporary data folder, a real room, werift media peers
// on loopback. Each test's name quotes its line.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { openRoom } from '../../rooms/roomFixture.js';
import { openTestServices } from '../../support/services.js';

describe('the media port (docs/lifecycle.md)', () => {
  it('1. openServices() creates the one MediaNet and awaits its bind: a port that cannot be bound stops the start', async () => {
    const t = await openTestServices();
    try {
      assert.ok(t.services.mediaNet.port > 0, 'KAIGI_MEDIA_PORT 0: a free port chosen and bound');
      assert.equal(t.services.mediaNet.ip, '127.0.0.1');
    } finally {
      await t.close();
    }
    // A port held by a socket without SO_REUSEADDR cannot be shared: the start fails.
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(openTestServices({ KAIGI_MEDIA_PORT: String(holder.address().port) }), /EADDRINUSE/);
    } finally {
      holder.close();
    }
  });

  it("2. it is handed down inside MediaConfig.net: a room's send and receive Transports are on the node's MediaNet", async () => {
    // A Router in the main thread (no media workers): its endpoints are the MediaNet's own. With
    // workers, a worker's WorkerNet holds them (test/sfu/worker/workerMedia.test.ts).
    const f = await openRoom({ env: { KAIGI_MEDIA_WORKERS: '0' } });
    try {
      const net = f.t.services.mediaNet;
      const alice = await f.guest('Alice');
      const bob = await f.guest('Bob');
      await f.withMedia(alice, ['microphone']);
      const bobMedia = await f.withMedia(bob, ['microphone']);
      await bobMedia.receivesMore(alice.id, 'microphone');
      // Alice's and Bob's send transports and Bob's receive transport at least, all on one port.
      assert.ok(net.stats().endpoints >= 3, `endpoints ${net.stats().endpoints}`);
      assert.ok(net.stats().answered > 0);
    } finally {
      await f.close();
    }
  });

  it('6. Services.close() closes the MediaNet after the rooms, and closing twice does nothing', async () => {
    const t = await openTestServices();
    const net = t.services.mediaNet;
    await t.services.close();
    assert.equal(net.closed, true);
    assert.equal(net.stats().endpoints, 0);
    net.close();
    await t.close();
  });
});
