// The node's send ring (DatagramOut's "the caller may reuse its buffer"): a slot lent to a send
// that the kernel pushed back (queued in libuv) is never overwritten until that socket's queue is
// empty; a socket with a long queue drops further packets. A stand-in socket plays the kernel:
// the real one on loopback never pushes back.
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { MAX_SOCKET_QUEUE, RING_SLOTS, SendRing, SLOT_BYTES } from '../../../src/sfu/net/SendRing.js';

/** Records what was sent, with the bytes still in the ring at the time of each check. */
class StandInSocket {
  queue = 0;
  /** While set, every send is queued (EAGAIN). */
  pushBack = false;
  readonly sends: { ring: Buffer; offset: number; length: number; first: string }[] = [];

  getSendQueueCount(): number {
    return this.queue;
  }

  send(ring: Buffer, offset: number, length: number): void {
    this.sends.push({ ring, offset, length, first: ring.toString('latin1', offset, offset + 8) });
    if (this.pushBack) this.queue++;
  }

  asSocket(): Socket {
    return this as unknown as Socket;
  }

  /** The bytes a queued send would put on the wire when it finally leaves. */
  wire(i: number): string {
    const s = this.sends[i]!;
    return s.ring.toString('latin1', s.offset, s.offset + 8);
  }
}

const packet = (tag: string) => Buffer.from(tag.padEnd(8, '.') + 'x'.repeat(100), 'latin1');

describe('SendRing', () => {
  it('never overwrites a slot a queued send still holds, however far the ring goes round', () => {
    const ring = new SendRing();
    const slow = new StandInSocket();
    const fast = new StandInSocket();
    slow.pushBack = true;
    assert.equal(ring.send(slow.asSocket(), packet('held'), 108), 'sent');
    assert.equal(ring.lent, 1);
    for (let i = 0; i < RING_SLOTS * 3; i++) ring.send(fast.asSocket(), packet(`f${i}`), 108);
    assert.equal(slow.wire(0), 'held....', 'the queued packet is intact');
    assert.ok(fast.sends.every((s) => s.offset !== slow.sends[0]!.offset), 'its slot was skipped');
    // The queue drained: the slot is free again and gets used.
    slow.queue = 0;
    assert.equal(ring.lent, 0);
    for (let i = 0; i < RING_SLOTS; i++) ring.send(fast.asSocket(), packet(`g${i}`), 108);
    assert.ok(fast.sends.slice(-RING_SLOTS).some((s) => s.offset === slow.sends[0]!.offset));
  });

  it('drops (does not queue) on a socket whose queue is full, and refuses packets larger than a slot', () => {
    const ring = new SendRing();
    const s = new StandInSocket();
    s.queue = MAX_SOCKET_QUEUE;
    assert.equal(ring.send(s.asSocket(), packet('a'), 108), 'queue-full');
    assert.equal(s.sends.length, 0);
    s.queue = 0;
    assert.equal(ring.send(s.asSocket(), Buffer.alloc(SLOT_BYTES + 1), SLOT_BYTES + 1), 'too-large');
    assert.equal(ring.send(s.asSocket(), Buffer.alloc(10), 11), 'too-large', 'length beyond the buffer');
    assert.equal(ring.send(s.asSocket(), Buffer.alloc(SLOT_BYTES), SLOT_BYTES), 'sent');
  });

  it('drops rather than overwrite when every slot is lent', () => {
    const ring = new SendRing();
    const sockets: StandInSocket[] = [];
    for (let i = 0; i < RING_SLOTS; i++) {
      const s = new StandInSocket();
      s.pushBack = true;
      sockets.push(s);
      assert.equal(ring.send(s.asSocket(), packet(`p${i}`), 108), 'sent');
    }
    assert.equal(ring.send(new StandInSocket().asSocket(), packet('late'), 108), 'queue-full');
    sockets.forEach((s, i) => assert.equal(s.wire(0), `p${i}`.padEnd(8, '.')));
  });
});
