import type { Socket } from 'node:dgram';

// DatagramOut's promise (net/types.ts) is that the caller may reuse its buffer at once. Node's
// dgram sends at once when the socket's queue is empty (uv_udp_try_send), but when the kernel
// says EAGAIN it queues the request and keeps a reference to the bytes until they leave. So the
// bytes are first copied into a slot of one ring the node owns (preallocated; no allocation per
// packet), and a slot that a queued send may still hold is skipped, never overwritten.

/** Slots in the ring and bytes per slot: ~1.5 MB per node, more than a burst of a busy second's queue. */
export const RING_SLOTS = 1024;
export const SLOT_BYTES = 1536;
/** A socket with this many sends queued drops further packets (counted) rather than piling up. */
export const MAX_SOCKET_QUEUE = 128;

export type SendResult = 'sent' | 'too-large' | 'queue-full';

/** One slot a queued send may still hold: the socket that queued it. */
interface Held {
  slot: number;
  socket: Socket;
}

export class SendRing {
  private readonly ring = Buffer.allocUnsafe(RING_SLOTS * SLOT_BYTES);
  private next = 0;
  /** Slots lent to a send that was queued (rare: only when the kernel pushed back). */
  private readonly held: Held[] = [];

  /**
   * Copies buf[0, length) into a free slot and sends it on `socket` (connected, so no address).
   * Hot path: no Promise, no closure. Node's send itself still allocates a view of the slot and
   * its send request; that is inside dgram and cannot be avoided from here.
   */
  send(socket: Socket, buf: Buffer, length: number): SendResult {
    if (length > SLOT_BYTES || length > buf.length) return 'too-large';
    if (socket.getSendQueueCount() >= MAX_SOCKET_QUEUE) return 'queue-full';
    // Every slot lent (many sockets pushed back at once): drop rather than overwrite one.
    if (this.held.length > 0 && this.lent >= RING_SLOTS) return 'queue-full';
    const slot = this.freeSlot();
    const at = slot * SLOT_BYTES;
    buf.copy(this.ring, at, 0, length);
    socket.send(this.ring, at, length);
    // Queued behind earlier sends, or pushed back by the kernel: this slot stays lent until the
    // socket's queue is empty again.
    if (socket.getSendQueueCount() > 0) this.held.push({ slot, socket });
    return 'sent';
  }

  /** How many slots are lent to queued sends now (for tests and stats). */
  get lent(): number {
    this.release();
    return this.held.length;
  }

  private freeSlot(): number {
    let slot = this.next;
    if (this.held.length > 0) {
      this.release();
      // At most held.length slots are skipped; the ring is far larger than the queues allowed.
      while (this.isHeld(slot)) slot = (slot + 1) % RING_SLOTS;
    }
    this.next = (slot + 1) % RING_SLOTS;
    return slot;
  }

  private isHeld(slot: number): boolean {
    for (const h of this.held) if (h.slot === slot) return true;
    return false;
  }

  /** Forgets slots whose socket has sent everything it queued (or closed). */
  private release(): void {
    for (let i = this.held.length - 1; i >= 0; i--) {
      const h = this.held[i]!;
      if (pendingSends(h.socket) === 0) this.held.splice(i, 1);
    }
  }
}

function pendingSends(socket: Socket): number {
  try {
    return socket.getSendQueueCount();
  } catch {
    return 0; // a closed socket holds nothing
  }
}
