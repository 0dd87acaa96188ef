// docs/lifecycle.md, the paragraph on a dropped connection: no cascade runs, the seat waits for a
// resume through the grace, a resume gives it the new connection, an older connection still open
// is ended REPLACED (and audited), and a waiting newcomer's check ends on the new connection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditKind, ErrorCode } from '@kaigi/protocol';
import type { Participant } from '../../src/meeting/Participant.js';
import * as host from '../../src/signaling/handlers/host.js';
import { FakePeer } from '../support/FakePeer.js';
import { openRoom, type Member, type RoomFixture } from './roomFixture.js';

describe('a dropped connection', { timeout: 60_000 }, () => {
  it('room.connectionLost() runs no cascade: the participant keeps its place and media until the grace runs out', async () => {
    const f = await openRoom({ env: { KAIGI_RESUME_GRACE_SECONDS: '30' } });
    try {
      const x = await f.guest('Kenji');
      const departed: string[] = [];
      f.room.observer.on('participantDeparted', (pid) => departed.push(pid));
      f.room.connectionLost(x.id, x.peer);
      assert.equal(f.room.meeting.get(x.id)?.state, 'admitted');
      assert.deepEqual(departed, []);
      assert.deepEqual(await f.audited(AuditKind.LEFT), []);
    } finally {
      await f.close();
    }
  });

  it("a resume within the grace gives the seat its new connection and clears the timer: the grace's end departs nobody", async () => {
    const f = await openRoom({ env: { KAIGI_RESUME_GRACE_SECONDS: '30' } });
    try {
      const x = await f.guest('Kenji');
      f.room.connectionLost(x.id, x.peer);
      assert.notEqual(graceTimerOf(f, x.id), null, 'the grace timer runs');
      const fresh = await resume(f, x);
      // The participant's messages now reach the new connection.
      f.room.send(x.id, { type: 'pong', reqId: 7 });
      await fresh.next('pong');
      // The grace timer is gone (a look inside: the Room keeps its seats private).
      assert.equal(graceTimerOf(f, x.id), null);
      assert.equal(f.room.meeting.get(x.id)?.state, 'admitted');
      assert.deepEqual(await f.audited(AuditKind.LEFT), []);
    } finally {
      await f.close();
    }
  });

  it('a resume while the old connection is still open ends the old one REPLACED and writes RESUME_REPLACED', async () => {
    const f = await openRoom();
    try {
      const x = await f.guest('Kenji');
      await resume(f, x);
      assert.equal(await x.peer.ended(), ErrorCode.REPLACED);
      const entries = await f.audited(AuditKind.RESUME_REPLACED);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.actor, x.id);
    } finally {
      await f.close();
    }
  });

  it("a waiting newcomer's resume ends the check it was in: its media transports do not survive the new connection (B7)", async () => {
    const f = await openRoom();
    try {
      const x = await f.guest('Kenji', { admit: false });
      await host.startCheck(f.room, self(f, f.host.id), { type: 'startCheck', reqId: 5, participantId: x.id }, f.hostCall);
      assert.ok(f.room.checks.of(x.id), 'the check is open');
      f.room.connectionLost(x.id, x.peer);
      const fresh = await resume(f, x);
      assert.equal(f.room.checks.of(x.id), undefined);
      await f.host.peer.next('checkEnded', (m) => m.participantId === x.id);
      assert.equal(f.room.meeting.get(x.id)?.state, 'waiting');
      assert.equal((await fresh.next('joined')).state, 'waiting');
    } finally {
      await f.close();
    }
  });
});

/** Resumes the member's seat on a new connection with the token it was given at join. */
async function resume(f: RoomFixture, x: Member): Promise<FakePeer> {
  const joined = x.peer.all('joined')[0];
  assert.ok(joined, 'the member was given a resume token');
  const fresh = new FakePeer(`${x.id}-again`);
  await f.t.services.admission.resume(fresh, { ip: '127.0.0.9', deviceHash: 'device-again', user: null }, {
    type: 'resume',
    reqId: 3,
    meetingId: f.meeting.id,
    participantId: x.id,
    resumeToken: joined.resumeToken,
  });
  return fresh;
}

function graceTimerOf(f: RoomFixture, id: string): unknown {
  const seats = (f.room as unknown as { seats: Map<string, { graceTimer: unknown }> }).seats;
  return seats.get(id)?.graceTimer ?? null;
}

function self(f: RoomFixture, id: string): Participant {
  const p = f.room.meeting.get(id);
  assert.ok(p, `${id} is in the meeting`);
  return p;
}
