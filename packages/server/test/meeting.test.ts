// The admission state machine (B2, B6, C4) without any I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Meeting, type Arrival } from '../src/meeting/Meeting.js';
import { MeetingError } from '../src/meeting/MeetingError.js';

let n = 0;
const arrival = (over: Partial<Arrival> = {}): Arrival => ({
  id: `p_${String(++n).padStart(22, '0')}`,
  displayName: `Person ${n}`,
  role: 'participant',
  entry: 'guest',
  deviceHash: `device-${n}`,
  userId: null,
  resumeTokenHash: 'x',
  now: 1000 + n,
  ...over,
});
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof MeetingError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('Meeting admission', () => {
  it('puts guests in the waiting room and admits hosts at once', () => {
    const m = new Meeting('m', 'T', 'u_host', false);
    const g = m.arrive(arrival());
    assert.equal(g.state, 'waiting');
    assert.equal(m.hostPresent(), false);
    const h = m.arrive(arrival({ role: 'host', entry: 'member', userId: 'u_host' }));
    assert.equal(h.state, 'admitted');
    assert.equal(m.hostPresent(), true);
    assert.deepEqual(m.roster().map((p) => p.id), [h.id]);
    assert.deepEqual(m.waitingRoom().map((p) => p.id), [g.id]);
  });

  it('lets only an admitted host admit, deny, remove, lock and lift bans', () => {
    const m = new Meeting('m', 'T', 'u_host', false);
    const h = m.arrive(arrival({ role: 'host' }));
    const a = m.arrive(arrival());
    const b = m.arrive(arrival());
    assert.equal(code(() => m.admit(a.id, b.id, 1)), 'NOT_ADMITTED');
    m.admit(h.id, a.id, 2);
    assert.equal(a.state, 'admitted');
    assert.equal(code(() => m.admit(a.id, b.id, 3)), 'FORBIDDEN');
    assert.equal(code(() => m.setLocked(a.id, true)), 'FORBIDDEN');
    assert.equal(code(() => m.remove(a.id, h.id, 'b_1', 4)), 'FORBIDDEN');
    assert.equal(code(() => m.admit('p_nobody', b.id, 3)), 'NOT_JOINED');
    assert.equal(code(() => m.admit(h.id, 'p_unknown', 3)), 'UNKNOWN_PARTICIPANT');
    assert.equal(code(() => m.admit(h.id, a.id, 3)), 'UNKNOWN_PARTICIPANT', 'already admitted');
    assert.equal(code(() => m.remove(h.id, h.id, 'b_1', 4)), 'FORBIDDEN', 'a host cannot remove a host');
    m.deny(h.id, b.id);
    assert.equal(m.get(b.id), undefined);
  });

  it('admits everyone waiting at once', () => {
    const m = new Meeting('m', 'T', 'u', false);
    const h = m.arrive(arrival({ role: 'host' }));
    m.arrive(arrival());
    m.arrive(arrival());
    assert.equal(m.admitAll(h.id, 5).length, 2);
    assert.equal(m.waitingRoom().length, 0);
    assert.equal(m.roster().length, 3);
  });

  it('sends an admitted participant back to the waiting room', () => {
    const m = new Meeting('m', 'T', 'u', false);
    const h = m.arrive(arrival({ role: 'host' }));
    const a = m.arrive(arrival());
    m.admit(h.id, a.id, 1);
    m.sendToWaiting(h.id, a.id);
    assert.equal(a.state, 'waiting');
    assert.equal(m.roster().length, 1);
  });

  it('bans a removed person by device and account, whatever name they pick next', () => {
    const m = new Meeting('m', 'T', 'u', false);
    const h = m.arrive(arrival({ role: 'host' }));
    const a = m.arrive(arrival({ deviceHash: 'dev-a', userId: 'u_a' }));
    const { ban } = m.remove(h.id, a.id, 'b_1', 9);
    assert.equal(code(() => m.arrive(arrival({ deviceHash: 'dev-a', displayName: 'New name' }))), 'BANNED');
    assert.equal(code(() => m.arrive(arrival({ userId: 'u_a' }))), 'BANNED', 'same account from another device');
    assert.equal(m.arrive(arrival({ deviceHash: 'dev-b' })).state, 'waiting');
    m.liftBan(h.id, ban.id);
    assert.equal(m.arrive(arrival({ deviceHash: 'dev-a' })).state, 'waiting');
    assert.equal(code(() => m.liftBan(h.id, ban.id)), 'NOT_FOUND');
  });

  it('refuses newcomers to a locked meeting but not its host', () => {
    const m = new Meeting('m', 'T', 'u', false);
    const h = m.arrive(arrival({ role: 'host' }));
    assert.equal(m.setLocked(h.id, true), true);
    assert.equal(m.setLocked(h.id, true), false, 'no change');
    assert.equal(code(() => m.arrive(arrival())), 'LOCKED');
    assert.equal(m.arrive(arrival({ role: 'host' })).state, 'admitted');
  });
});
