// docs/lifecycle.md, "room.close()", and the registry's leases: a room closes its children in the
// reverse order of creation, tells whoever is still connected, lets the registry drop it, and
// reports itself closed only once its recording's last part is stored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditKind, ErrorCode } from '@kaigi/protocol';
import * as host from '../../src/signaling/handlers/host.js';
import { FakePeer } from '../support/FakePeer.js';
import { CallOrder, openRoom } from './roomFixture.js';

describe('room.close()', { timeout: 60_000 }, () => {
  it('room.close() closes recording, checks, router and delivery service in that order, then tells every connection MEETING_ENDED, then emits @close and closed', async () => {
    const f = await openRoom({ e2ee: true });
    try {
      const g = await f.guest('Goro');
      const newcomer = await f.guest('Newcomer', { admit: false });
      const me = f.room.meeting.get(f.host.id);
      assert.ok(me && f.room.delivery);
      await host.startCheck(f.room, me, { type: 'startCheck', reqId: 3, participantId: newcomer.id }, f.hostCall);
      // The host checks the newcomer, so its own media reaches the newcomer only; the guest's reaches the host.
      const hm = await f.withMedia(f.host, ['microphone']);
      await f.withMedia(g, ['microphone']);
      await hm.receivesMore(g.id, 'microphone');
      const order = new CallOrder()
        .spy(f.room.recording, 'roomClosed', 'recording.roomClosed')
        .spy(f.room.checks, 'roomClosed', 'checks.roomClosed')
        .spy(f.room.router, 'close', 'router.close')
        .spy(f.room.delivery, 'close', 'delivery.close')
        .spy(g.peer, 'end', (code) => `told:${String(code)}`);
      f.room.on('@close', () => order.mark('@close'));
      f.room.observer.on('closed', () => order.mark('observer.closed'));

      await f.t.services.rooms.closeRoom(f.room.meeting.id, 'deleted');

      const expected = ['recording.roomClosed', 'checks.roomClosed', 'router.close', 'delivery.close', `told:${ErrorCode.MEETING_ENDED}`, '@close', 'observer.closed'];
      assert.deepEqual(order.firsts(expected), expected);
      assert.equal(f.host.peer.endedWith, ErrorCode.MEETING_ENDED);
      assert.equal(newcomer.peer.endedWith, ErrorCode.MEETING_ENDED);
      assert.equal(f.room.checks.of(newcomer.id), undefined);
      await hm.stopsReceiving(g.id, 'microphone');
      assert.equal(f.t.services.rooms.isLive(f.room.meeting.id), false);
    } finally {
      await f.close();
    }
  });

  it("room.close() reports closed only after the server recording's last part is stored and RECORDING_STOPPED is written", async () => {
    const f = await openRoom({ level: 'low' });
    try {
      const me = f.room.meeting.get(f.host.id);
      assert.ok(me);
      await f.room.recording.start(me);
      const closedWith = new Promise<{ kind: string; data: Record<string, unknown> }[]>((resolve) => {
        f.room.observer.on('closed', () => resolve(f.audited(AuditKind.RECORDING_STOPPED)));
      });
      await f.t.services.rooms.closeRoom(f.room.meeting.id, 'deleted');
      const stopped = await closedWith;
      assert.ok(stopped.some((e) => e.data.mode === 'server' && e.data.reason === 'meeting-deleted'));
    } finally {
      await f.close();
    }
  });

  it("the last participant out closes the room ('empty'); the registry then reports roomClosed and the meeting's retention starts", async () => {
    const f = await openRoom();
    try {
      const id = f.room.meeting.id;
      const reported = new Promise<string>((resolve) => f.t.services.rooms.observer.on('roomClosed', (mid, reason) => mid === id && resolve(reason)));
      await f.room.depart(f.host.id, 'left');
      assert.equal(await reported, 'empty');
      assert.equal(f.room.closed, true);
      assert.equal(f.t.services.rooms.isLive(id), false);
      await waitFor(async () => (await f.t.services.meetings.get(id))?.endedAt != null);
    } finally {
      await f.close();
    }
  });

  it('room.close() is idempotent: a second close returns the same promise and tells nobody twice', async () => {
    const f = await openRoom();
    try {
      const order = new CallOrder().spy(f.host.peer, 'end', 'told');
      const first = f.room.close('deleted');
      assert.equal(f.room.close('shutdown'), first);
      await first;
      assert.deepEqual(order.log, ['told']);
    } finally {
      await f.close();
    }
  });
});

describe('RoomRegistry leases', { timeout: 60_000 }, () => {
  it('a room with a lease stays open when its last participant leaves, and closes when the lease is released', async () => {
    const f = await openRoom();
    try {
      const lease = await f.t.services.rooms.acquire(f.room.meeting.id);
      assert.equal(lease?.room, f.room);
      await f.room.depart(f.host.id, 'left');
      assert.equal(f.room.closed, false);
      lease?.release();
      lease?.release();
      assert.equal(f.room.closed, true);
      assert.equal(f.t.services.rooms.isLive(f.room.meeting.id), false);
    } finally {
      await f.close();
    }
  });

  it('acquire() after a room closed opens a new room for the meeting', async () => {
    const f = await openRoom();
    try {
      const id = f.room.meeting.id;
      await f.room.depart(f.host.id, 'left');
      const lease = await f.t.services.rooms.acquire(id);
      assert.ok(lease);
      assert.notEqual(lease.room, f.room);
      assert.equal(lease.room.closed, false);
      lease.release();
      assert.equal(lease.room.closed, true);
    } finally {
      await f.close();
    }
  });
});

describe('Admission', { timeout: 60_000 }, () => {
  it('join() reads the meeting record once', async () => {
    const f = await openRoom();
    try {
      const order = new CallOrder().spy(f.t.services.meetings, 'get', 'meetings.get');
      await f.guest('Ren', { admit: false });
      assert.deepEqual(order.log, ['meetings.get']);
    } finally {
      await f.close();
    }
  });

  it('join() refuses a browser without E2EE to an E2EE meeting before loading it, and audits the refusal once', async () => {
    const f = await openRoom({ e2ee: true });
    try {
      const id = f.room.meeting.id;
      await f.room.depart(f.host.id, 'left');
      const opened = new CallOrder();
      f.t.services.rooms.observer.on('roomOpened', () => opened.mark('roomOpened'));
      await assert.rejects(
        f.t.services.admission.join(new FakePeer('old'), { ip: '127.9.9.9', deviceHash: 'd-old', user: null }, { type: 'join', reqId: 1, meetingId: id, displayName: 'Old', password: f.meeting.password, e2ee: false }),
        (err: { code?: string }) => err.code === ErrorCode.E2EE_UNSUPPORTED,
      );
      assert.deepEqual(opened.log, []);
      assert.equal(f.t.services.rooms.isLive(id), false);
      const refused = (await f.audited(AuditKind.JOIN_REFUSED)).filter((e) => e.data.reason === ErrorCode.E2EE_UNSUPPORTED);
      assert.equal(refused.length, 1);
    } finally {
      await f.close();
    }
  });
});

async function waitFor(done: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
