// docs/lifecycle.md, "room.depart()": one test per exit, each showing, in the documented order,
// that the participant's check ends, its producers and consumers close at every subscriber (real
// media through werift on 127.0.0.1), its MLS leaf is queued for removal, the domain takes it
// out, it is told, everyone gets the new views, and the exit's audit entry is written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditKind, ErrorCode } from '@kaigi/protocol';
import type { DepartReason } from '../../src/rooms/Room.js';
import * as host from '../../src/signaling/handlers/host.js';
import { CallOrder, openRoom, type Member, type RoomFixture } from './roomFixture.js';

const CHILDREN = ['checks.participantGone', 'router.closeParticipant', 'delivery.gone', 'recording.participantGone'] as const;

interface Exit {
  reason: DepartReason;
  /** The departing participant is a waiting newcomer in the host's check (else an admitted verifier with a check of its own). */
  waiting: boolean;
  domain: string;
  /** What happens between the domain step and sendViews. */
  told: readonly string[];
  /** The audit entries after sendViews (a removal's come before the person is told). */
  audit: readonly string[];
  /** The exit's own entry. */
  entry: AuditKind;
}

const EXITS: readonly Exit[] = [
  { reason: 'left', waiting: true, domain: 'meeting.leave', told: [], audit: [`audit:${AuditKind.LEFT}`], entry: AuditKind.LEFT },
  { reason: 'timeout', waiting: true, domain: 'meeting.leave', told: [], audit: [`audit:${AuditKind.LEFT}`], entry: AuditKind.LEFT },
  { reason: 'denied', waiting: true, domain: 'meeting.deny', told: ['told:DENIED'], audit: [`audit:${AuditKind.DENIED}`], entry: AuditKind.DENIED },
  { reason: 'removed', waiting: true, domain: 'meeting.remove', told: ['store.insertBan', `audit:${AuditKind.REMOVED}`, `audit:${AuditKind.BANNED}`, 'told:REMOVED'], audit: [], entry: AuditKind.REMOVED },
  { reason: 'revoked', waiting: true, domain: 'meeting.leave', told: ['told:REMOVED'], audit: [`audit:${AuditKind.REMOVED}`], entry: AuditKind.REMOVED },
  { reason: 'sentBack', waiting: false, domain: 'meeting.sendToWaiting', told: ['told:sentToWaiting'], audit: [`audit:${AuditKind.SENT_TO_WAITING}`], entry: AuditKind.SENT_TO_WAITING },
];

describe('room.depart(), every exit in the order docs/lifecycle.md writes', { timeout: 120_000 }, () => {
  for (const exit of EXITS) {
    it(`room.depart('${exit.reason}') ends the check, closes producers and consumers at every subscriber, removes the MLS leaf, tells the person and audits, in order`, async () => {
      const f = await openRoom({ e2ee: true, env: { KAIGI_RESUME_GRACE_SECONDS: '0' } });
      try {
        const { x, partner } = await departingWithMediaAndCheck(f, exit.waiting);
        const order = spyCascade(f, x);
        const departed = new Promise<void>((resolve) => f.room.observer.on('participantDeparted', (pid) => pid === x.id && resolve()));

        await runExit(f, x, exit.reason);
        await departed;

        const expected = [...CHILDREN, exit.domain, ...exit.told, 'sendViews', ...exit.audit, 'observer.participantDeparted'];
        assert.deepEqual(order.firsts(expected), expected);
        // Step 2 at every subscriber: nothing of theirs reaches the other side, nothing reaches them.
        assert.ok(partner.media && x.media);
        await partner.media.stopsReceiving(x.id, 'microphone');
        await x.media.stopsReceiving(partner.id, 'microphone');
        assert.equal(f.room.router.publishing().has(x.id), false);
        // Step 1: their check ended, and the other side was told.
        assert.equal(f.room.checks.of(x.id), undefined);
        await partner.peer.next('checkEnded');
        // Step 5.
        if (exit.reason === 'sentBack') assert.equal(f.room.meeting.get(x.id)?.state, 'waiting');
        else assert.equal(f.room.meeting.get(x.id), undefined);
        // Step 8 (or 5): the entry is in the log.
        const kind = exit.entry;
        const entries = await f.audited(kind);
        assert.ok(entries.some((e) => e.data.participantId === x.id || (e.actor === x.id && e.data.reason === exit.reason)), `${kind} for ${x.id}`);
      } finally {
        await f.close();
      }
    });
  }
});

describe('room.depart()', { timeout: 60_000 }, () => {
  let f: RoomFixture;
  before(async () => {
    f = await openRoom();
  });
  after(() => f.close());

  it('room.depart() refuses an exit the actor may not take, and nothing stops', async () => {
    const g = await f.guest('Goro');
    const order = new CallOrder().spy(f.room.router, 'closeParticipant').spy(f.room.checks, 'participantGone');
    await assert.rejects(f.room.depart(f.host.id, 'removed', { actor: g.id }), (err: { code?: string }) => err.code === ErrorCode.FORBIDDEN);
    assert.deepEqual(order.log, []);
    assert.equal(f.room.meeting.get(f.host.id)?.state, 'admitted');
    assert.equal(f.host.peer.endedWith, null);
  });

  it('room.depart() sends everyone the new views: the roster no longer lists the departed participant', async () => {
    const g = await f.guest('Aiko');
    await f.room.depart(g.id, 'left');
    const roster = f.host.peer.all('roster').at(-1);
    assert.ok(roster);
    assert.equal(roster.participants.some((p) => p.id === g.id), false);
  });

  it("room.depart('left') tells the leaving connection nothing more (it answers the leave itself)", async () => {
    const g = await f.guest('Ken');
    const before = g.peer.messages.length;
    await f.room.depart(g.id, 'left');
    assert.equal(g.peer.messages.length, before);
    assert.equal(g.peer.endedWith, null);
  });

  it('room.depart() of someone already gone only drops the seat', async () => {
    const g = await f.guest('Emi');
    await f.room.depart(g.id, 'left');
    assert.equal(await f.room.depart(g.id, 'left'), undefined);
  });
});

describe('room.depart() and the recording', { timeout: 60_000 }, () => {
  it("room.depart() ends the departed host's announced local recording: everyone is told and RECORDING_STOPPED (local, left) is written", async () => {
    const f = await openRoom({ level: 'low' });
    try {
      const g = await f.guest('Mika');
      const me = f.room.meeting.get(f.host.id);
      assert.ok(me);
      await f.room.recording.announceLocal(me, true);
      await g.peer.next('recording', (m) => m.active);
      await f.room.depart(f.host.id, 'left');
      await g.peer.next('recording', (m) => !m.active);
      await waitFor(async () => (await f.audited(AuditKind.RECORDING_STOPPED)).some((e) => e.data.mode === 'local' && e.data.participantId === f.host.id && e.data.reason === 'left'));
    } finally {
      await f.close();
    }
  });
});

/**
 * The participant who departs, publishing and receiving media, in a check: a waiting newcomer
 * in the host's check (its partner is the host), or an admitted verifier checking a newcomer
 * (its partner is the newcomer). Media flows both ways between the two before the exit.
 */
async function departingWithMediaAndCheck(f: RoomFixture, waiting: boolean): Promise<{ x: Member; partner: Member }> {
  if (waiting) {
    await f.withMedia(f.host, ['microphone']);
    const x = await f.guest('Newcomer', { admit: false });
    await host.startCheck(f.room, self(f, f.host.id), { type: 'startCheck', reqId: 3, participantId: x.id }, f.hostCall);
    await f.withMedia(x, ['microphone']);
    await flowing(x, f.host);
    return { x, partner: f.host };
  }
  const x = await f.guest('Verifier');
  await host.setRole(f.room, self(f, f.host.id), { type: 'setRole', reqId: 3, participantId: x.id, role: 'verifier' }, f.hostCall);
  const newcomer = await f.guest('Newcomer', { admit: false });
  await host.startCheck(f.room, self(f, x.id), { type: 'startCheck', reqId: 4, participantId: newcomer.id }, f.hostCall);
  await f.withMedia(x, ['microphone']);
  await f.withMedia(newcomer, ['microphone']);
  await flowing(x, newcomer);
  return { x, partner: newcomer };
}

async function flowing(a: Member, b: Member): Promise<void> {
  assert.ok(a.media && b.media);
  await a.media.receivesMore(b.id, 'microphone');
  await b.media.receivesMore(a.id, 'microphone');
}

function self(f: RoomFixture, id: string) {
  const p = f.room.meeting.get(id);
  if (!p) throw new Error(`${id} is not in the meeting`);
  return p;
}

function spyCascade(f: RoomFixture, x: Member): CallOrder {
  const order = new CallOrder()
    .spy(f.room.checks, 'participantGone', 'checks.participantGone')
    .spy(f.room.router, 'closeParticipant', 'router.closeParticipant')
    .spy(f.room.recording, 'participantGone', 'recording.participantGone')
    .spy(f.room.meeting, 'leave', 'meeting.leave')
    .spy(f.room.meeting, 'deny', 'meeting.deny')
    .spy(f.room.meeting, 'remove', 'meeting.remove')
    .spy(f.room.meeting, 'sendToWaiting', 'meeting.sendToWaiting')
    .spy(f.t.services.meetings, 'insertBan', 'store.insertBan')
    .spy(f.t.services.audit, 'append', (rec) => `audit:${(rec as { kind: string }).kind}`)
    .spy(x.peer, 'end', (code) => `told:${String(code)}`)
    .spy(f.room, 'sendViews');
  assert.ok(f.room.delivery);
  order.spy(f.room.delivery, 'gone', 'delivery.gone');
  x.peer.onMessage((m) => m.type === 'sentToWaiting' && order.mark('told:sentToWaiting'));
  f.room.observer.on('participantDeparted', () => order.mark('observer.participantDeparted'));
  return order;
}

async function runExit(f: RoomFixture, x: Member, reason: DepartReason): Promise<void> {
  const me = self(f, f.host.id);
  switch (reason) {
    case 'left':
      await f.room.depart(x.id, 'left');
      return;
    case 'timeout':
      // The connection drops; the grace (0 s here) runs out and the room departs it.
      f.room.connectionLost(x.id, x.peer);
      return;
    case 'denied':
      return host.deny(f.room, me, { type: 'deny', reqId: 9, participantId: x.id }, f.hostCall);
    case 'removed':
      return host.remove(f.room, me, { type: 'remove', reqId: 9, participantId: x.id }, f.hostCall);
    case 'revoked':
      await f.room.depart(x.id, 'revoked', { actor: 'u_host', registrationId: 'r_revoked' });
      return;
    case 'sentBack':
      return host.sendToWaiting(f.room, me, { type: 'sendToWaiting', reqId: 9, participantId: x.id }, f.hostCall);
  }
}

async function waitFor(done: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
