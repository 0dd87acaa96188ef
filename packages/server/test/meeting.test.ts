// The admission state machine (B2, B6, C4) without any I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Meeting } from '../src/meeting/Meeting.js';
import { arrivals } from './fixtures/arrival.js';
import { KaigiError } from '../src/errors.js';
import { defaultRules, type MeetingRules } from '../src/meeting/MeetingRules.js';
import { compilePolicy, defaultOrganisationPolicy, type ConfidentialityLevel } from '@kaigi/protocol';

const arrival = arrivals();
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof KaigiError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('Meeting admission', () => {
  it('puts guests in the waiting room and admits hosts at once', () => {
    // Waiting before the host is there is the host's choice (C4).
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host', rules: { ...defaultRules(), joinBeforeHost: true } });
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
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host' });
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
    assert.equal(code(() => m.remove(h.id, h.id, 'b_1', 4)), 'CANNOT_ACT_ON_PARTICIPANT', 'a host cannot remove a host');
    m.deny(h.id, b.id);
    assert.equal(m.get(b.id), undefined);
  });

  it('admits everyone waiting at once', () => {
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
    const h = m.arrive(arrival({ role: 'host' }));
    m.arrive(arrival());
    m.arrive(arrival());
    assert.equal(m.admitAll(h.id, 5).length, 2);
    assert.equal(m.waitingRoom().length, 0);
    assert.equal(m.roster().length, 3);
  });

  it('sends an admitted participant back to the waiting room', () => {
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
    const h = m.arrive(arrival({ role: 'host' }));
    const a = m.arrive(arrival());
    m.admit(h.id, a.id, 1);
    m.sendToWaiting(h.id, a.id);
    assert.equal(a.state, 'waiting');
    assert.equal(m.roster().length, 1);
  });

  it('bans a removed person by device and account, whatever name they pick next', () => {
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
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
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
    const h = m.arrive(arrival({ role: 'host' }));
    assert.equal(m.setLocked(h.id, true), true);
    assert.equal(m.setLocked(h.id, true), false, 'no change');
    assert.equal(code(() => m.arrive(arrival())), 'LOCKED');
    assert.equal(m.arrive(arrival({ role: 'host' })).state, 'admitted');
  });
});

const ORG = defaultOrganisationPolicy('local');
/** A meeting with its host in, at a level, with some rules changed. */
function running(level: ConfidentialityLevel, rules: Partial<MeetingRules> = {}, e2ee = level === 'high') {
  const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host', e2ee, rules: { ...defaultRules(ORG, level), ...rules } });
  const host = m.arrive(arrival({ role: 'host', entry: 'member', userId: 'u_host', displayName: 'Host' }));
  return { m, host };
}

describe('Meeting rules (F1, C1-C4, B4)', () => {
  it('refuses arrivals before the host unless the host allows waiting (C4)', () => {
    const closed = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
    assert.equal(code(() => closed.arrive(arrival())), 'HOST_NOT_PRESENT');
    const open = new Meeting({ id: 'm', title: 'T', hostUserId: 'u', rules: { ...defaultRules(), joinBeforeHost: true } });
    assert.equal(open.arrive(arrival()).state, 'waiting');
  });

  it('holds everyone but the host to the time window (C4)', () => {
    const window = { startsAt: new Date(1_000_000_000).toISOString(), endsAt: new Date(1_000_000_000 + 3_600_000).toISOString() };
    const { m } = running('medium', { window });
    assert.equal(code(() => m.arrive(arrival({ now: 1_000_000_000 - 11 * 60_000 }))), 'OUTSIDE_TIME_WINDOW');
    assert.equal(m.arrive(arrival({ now: 1_000_000_000 - 9 * 60_000 })).state, 'waiting');
    assert.equal(code(() => m.arrive(arrival({ now: 1_000_000_000 + 3_600_001 }))), 'OUTSIDE_TIME_WINDOW');
    assert.equal(m.arrive(arrival({ role: 'host', userId: 'u_host', now: 1 })).state, 'admitted');
  });

  it('applies the name rule: a pattern, or account names only (B4)', () => {
    const { m } = running('low', { nameRule: { kind: 'pattern', pattern: 'ACME *' } });
    assert.equal(code(() => m.arrive(arrival({ displayName: 'Mallory' }))), 'NAME_NOT_ALLOWED');
    assert.equal(m.arrive(arrival({ displayName: 'ACME Hana' })).displayName, 'ACME Hana');
    const acc = running('low', { nameRule: { kind: 'account' } }).m;
    assert.equal(code(() => acc.arrive(arrival({ displayName: 'Anyone' }))), 'NAME_NOT_ALLOWED');
    assert.equal(acc.arrive(arrival({ displayName: 'CEO', entry: 'member', userId: 'u2', accountName: 'kenji' })).displayName, 'kenji');
  });

  it('admits a guest to a High meeting only with a check, recorded, and never all at once (F1, B7)', () => {
    const { m, host } = running('high');
    const g = m.arrive(arrival());
    assert.equal(code(() => m.admit(host.id, g.id, 5)), 'CHECK_REQUIRED');
    assert.equal(code(() => m.admitAll(host.id, 5)), 'CHECK_REQUIRED');
    const t = m.admit(host.id, g.id, 5, { face: true, voice: true, name: false });
    assert.deepEqual(t.admissionCheck, { by: host.id, byName: 'Host', at: 5, face: true, voice: true, name: false });
    // Medium needs no check.
    const med = running('medium');
    const g2 = med.m.arrive(arrival());
    assert.equal(med.m.admit(med.host.id, g2.id, 5).state, 'admitted');
  });

  it('keeps files and chat off the server except in Low meetings (F1)', () => {
    for (const [level, files] of [['high', false], ['medium', false], ['low', true]] as const) {
      const { m, host } = running(level);
      assert.equal(m.canShareFiles(host.id), files, level);
      m.chatRetentionSeconds = 3600;
      assert.equal(m.keepsChat, level === 'low', level);
    }
  });

  it('admits a High meeting\'s waiting members all at once: only people without an account need a check (F1, B7)', () => {
    const { m, host } = running('high');
    m.arrive(arrival({ entry: 'member', userId: 'u_1' }));
    m.arrive(arrival({ entry: 'member2fa', userId: 'u_2' }));
    assert.equal(m.admitAll(host.id, 5).length, 2);
  });

  it('lets participants of an E2EE meeting share files only while they may chat: the key goes by chat (A4, D2)', () => {
    const { m, host } = running('low', { joinBeforeHost: true }, true);
    const g = m.arrive(arrival());
    m.admit(host.id, g.id, 1);
    assert.equal(m.canShareFiles(g.id), true);
    m.setMediaPermissions(host.id, { chat: false });
    assert.equal(m.canShareFiles(g.id), false, 'a file nobody could open');
    assert.equal(m.canShareFiles(host.id), true, 'hosts may always chat');
    // Without E2EE the file needs no key, so chat does not matter.
    const plain = running('low');
    const p = plain.m.arrive(arrival());
    plain.m.admit(plain.host.id, p.id, 1);
    plain.m.setMediaPermissions(plain.host.id, { chat: false });
    assert.equal(plain.m.canShareFiles(p.id), true);
  });

  it('raises the level of a running meeting, never lowers it, and High needs E2EE', () => {
    const { m } = running('low');
    assert.equal(code(() => m.raiseLevel(compilePolicy('high', ORG))), 'E2EE_REQUIRED');
    assert.equal(m.raiseLevel(compilePolicy('medium', ORG)), true);
    assert.equal(m.summary().level.level, 'medium');
    assert.equal(code(() => m.raiseLevel(compilePolicy('low', ORG))), 'LEVEL_CANNOT_BE_LOWERED');
    const e = running('medium', {}, true).m;
    assert.equal(e.raiseLevel(compilePolicy('high', ORG)), true);
  });

  it('suspends everyone in one action: permissions off, locked (C3)', () => {
    const { m, host } = running('low');
    const g = m.arrive(arrival());
    m.admit(host.id, g.id, 3);
    assert.equal(m.canPublish(g.id, 'microphone'), true);
    const affected = m.suspend(host.id);
    assert.deepEqual(affected.map((p) => p.id), [g.id]);
    assert.equal(m.locked, true);
    for (const s of ['microphone', 'camera', 'screen'] as const) assert.equal(m.canPublish(g.id, s), false);
    assert.equal(m.canChat(g.id), false);
    assert.equal(m.canPublish(host.id, 'camera'), true, 'hosts keep their media');
    assert.equal(code(() => m.suspend(g.id)), 'FORBIDDEN');
  });

  it('gives co-hosts every host action but making co-hosts; only the host acts on a co-host', () => {
    const { m, host } = running('low');
    const [a, b] = [m.arrive(arrival()), m.arrive(arrival())];
    m.admit(host.id, a.id, 1);
    m.admit(host.id, b.id, 1);
    assert.equal(code(() => m.setRole(a.id, b.id, 'cohost')), 'FORBIDDEN');
    m.setRole(host.id, a.id, 'cohost');
    assert.equal(m.canPublish(a.id, 'screen'), true, 'a co-host may share the screen');
    const c = m.arrive(arrival());
    assert.equal(m.admit(a.id, c.id, 2).state, 'admitted');
    assert.equal(code(() => m.setRole(a.id, c.id, 'cohost')), 'FORBIDDEN');
    m.setRole(host.id, b.id, 'cohost');
    assert.equal(code(() => m.remove(a.id, b.id, 'b1', 3)), 'CANNOT_ACT_ON_PARTICIPANT');
    assert.equal(code(() => m.remove(a.id, host.id, 'b2', 3)), 'CANNOT_ACT_ON_PARTICIPANT');
    assert.equal(m.remove(host.id, b.id, 'b3', 3).participant.id, b.id);
    assert.equal(code(() => m.setRole(host.id, host.id, 'participant')), 'CANNOT_ACT_ON_PARTICIPANT');
  });

  it('B2: bounds the waiting room per source and for guests, never for the host, members or other sources', () => {
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host', rules: { ...defaultRules(), joinBeforeHost: true } });
    m.waitingLimits = { maxGuests: 4, perSource: 2 };
    m.arrive(arrival({ source: 'ip:a' }));
    m.arrive(arrival({ source: 'ip:a' }));
    assert.equal(code(() => m.arrive(arrival({ source: 'ip:a' }))), 'TOO_MANY_WAITING');
    m.arrive(arrival({ source: 'ip:b' }));
    const last = m.arrive(arrival({ source: 'ip:c' }));
    assert.equal(code(() => m.arrive(arrival({ source: 'ip:d' }))), 'WAITING_ROOM_FULL');
    // A member with an account is not kept out by a flood of guests.
    assert.equal(m.arrive(arrival({ source: 'user:u9', entry: 'member', userId: 'u9' })).state, 'waiting');
    assert.equal(m.arrive(arrival({ role: 'host', entry: 'member', userId: 'u_host', source: 'ip:a' })).state, 'admitted');
    m.leave(last.id);
    assert.equal(m.arrive(arrival({ source: 'ip:d' })).state, 'waiting', 'a seat freed is a seat again');
    assert.equal(m.waitingRoom().length, 5);
  });
});
