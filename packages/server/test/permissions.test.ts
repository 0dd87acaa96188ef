// C1, C3, B7: who may act on whom. Every host action is tried by every role on every role, through
// the Meeting (and the check sessions) the signalling uses, and the outcome must be exactly the
// table below: nobody acts on the host or on themselves, only the host acts on co-hosts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { can, HOST_ACTIONS, mayActOn, reachOf, Role, type HostActionType as Action } from '@kaigi/protocol';
import { Meeting } from '../src/meeting/Meeting.js';
import { KaigiError } from '../src/errors.js';
import type { Participant } from '../src/meeting/Participant.js';
import { Checks as CheckSessions } from '../src/rooms/Checks.js';
import type { Router } from '../src/sfu/Router.js';
import { arrivals } from './fixtures/arrival.js';

const ROLES = Role.options;
const [H, C, V, P] = ROLES;
const BELOW_HOST = [C, V, P];
const BELOW_COHOST = [V, P];

/** The expected table, written out: for each action, who may take it and on whom ('meeting': on no one). */
const EXPECTED: Record<Action, Partial<Record<Role, 'meeting' | readonly Role[]>>> = {
  admit: { host: [P], cohost: [P], verifier: [P] },
  deny: { host: [P], cohost: [P], verifier: [P] },
  startCheck: { host: [P], cohost: [P], verifier: [P] },
  endCheck: { host: [P], cohost: [P], verifier: [P] },
  sendToWaiting: { host: BELOW_HOST, cohost: BELOW_COHOST },
  remove: { host: BELOW_HOST, cohost: BELOW_COHOST },
  liftBan: { host: BELOW_HOST, cohost: BELOW_COHOST },
  stopMedia: { host: BELOW_HOST, cohost: BELOW_COHOST },
  setRole: { host: BELOW_HOST },
  verify: { host: ROLES, cohost: ROLES },
  admitAll: { host: 'meeting', cohost: 'meeting' },
  setLocked: { host: 'meeting', cohost: 'meeting' },
  setMediaPermissions: { host: 'meeting', cohost: 'meeting' },
  setRecording: { host: 'meeting', cohost: 'meeting' },
  announceLocalRecording: { host: 'meeting', cohost: 'meeting' },
  suspendAll: { host: 'meeting', cohost: 'meeting' },
};

const TARGETED = HOST_ACTIONS.filter((a) => Object.values(EXPECTED[a]).some((r) => r !== 'meeting'));
const ON_MEETING = HOST_ACTIONS.filter((a) => !TARGETED.includes(a));

/** What the attempt should end in: allowed, or the refusal's code. */
const expected = (action: Action, actor: Role, target: Role): string => {
  const reach = EXPECTED[action][actor];
  if (reach === undefined) return 'FORBIDDEN';
  return reach !== 'meeting' && reach.includes(target) ? 'ok' : 'CANNOT_ACT_ON_PARTICIPANT';
};

const outcome = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof KaigiError) return e.code;
    throw e;
  }
};

// The check sessions' media side is not under test here: a router that does nothing.
const quietRouter = new Proxy({}, { get: () => () => undefined }) as unknown as Router;

/** An E2EE meeting (safety codes exist only there) with a host, an actor of `actor`'s role and a target of `target`'s role. */
function scene(actor: Role, target: Role, targetState: Participant['state']) {
  const arrival = arrivals();
  const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host', e2ee: true });
  const host = m.arrive(arrival({ role: 'host' }));
  const admitted = (role: Role): Participant => {
    const p = m.arrive(arrival());
    m.admit(host.id, p.id, 1);
    p.role = role;
    return p;
  };
  const a = actor === 'host' ? host : admitted(actor);
  // The target's role is set directly: a waiting co-host cannot arise, but the table must refuse it anyway.
  const t = targetState === 'admitted' ? admitted(target) : m.arrive(arrival());
  t.role = target;
  return { m, a, t, checks: new CheckSessions(m, quietRouter, new Map()) };
}

/** The one attempt of `action` by `actorId` on `targetId`, as the signalling makes it. */
function attempt(s: ReturnType<typeof scene>, action: Action): string {
  const { m, a, t, checks } = s;
  switch (action) {
    case 'admit':
      return outcome(() => m.admit(a.id, t.id, 2));
    case 'deny':
      return outcome(() => m.deny(a.id, t.id));
    case 'startCheck':
      return outcome(() => checks.start(a.id, t.id, 2));
    case 'endCheck':
      return outcome(() => checks.stop(a.id, t.id));
    case 'sendToWaiting':
      return outcome(() => m.sendToWaiting(a.id, t.id));
    case 'remove':
      return outcome(() => m.remove(a.id, t.id, 'b_x', 2));
    case 'stopMedia':
      return outcome(() => m.stopMedia(a.id, t.id));
    case 'verify':
      return outcome(() => m.verify(a.id, t.id, 1, 2));
    case 'setRole':
      return outcome(() => m.setRole(a.id, t.id, t.role === 'participant' ? 'cohost' : 'participant'));
    case 'liftBan':
      m.bans.add({ id: 'b_t', deviceHash: 'd', userId: null, role: t.role, displayName: 'T', createdAt: 1, registrationId: null, emailHash: null });
      return outcome(() => m.liftBan(a.id, 'b_t'));
    default:
      throw new Error(`${action} has no target`);
  }
}

const WAITING_TARGET: ReadonlySet<Action> = new Set(['admit', 'deny', 'startCheck', 'endCheck']);

describe('who may act on whom (C1, C3, B7)', () => {
  it('the permission table is exactly the expected one, for every action and role pair', () => {
    for (const action of HOST_ACTIONS) {
      for (const actor of ROLES) {
        const want = EXPECTED[action][actor];
        assert.equal(can(actor, action), want !== undefined, `${actor} ${action}`);
        assert.deepEqual(reachOf(actor, action) === 'meeting', want === 'meeting', `${actor} ${action} on the meeting`);
        for (const target of ROLES) {
          assert.equal(mayActOn(actor, action, target), expected(action, actor, target) === 'ok', `${actor} ${action} ${target}`);
        }
      }
    }
  });

  for (const action of TARGETED) {
    it(`${action}: every role on every role, through the Meeting`, () => {
      for (const actor of ROLES) {
        for (const target of ROLES) {
          const s = scene(actor, target, WAITING_TARGET.has(action) ? 'waiting' : 'admitted');
          assert.equal(attempt(s, action), expected(action, actor, target), `${actor} ${action} on ${target}`);
        }
      }
    });
  }

  it('actions on the meeting as a whole: hosts and co-hosts only', () => {
    for (const actor of ROLES) {
      for (const action of ON_MEETING) {
        const { m, a } = scene(actor, 'participant', 'waiting');
        const tried = outcome(() => {
          if (action === 'admitAll') m.admitAll(a.id, 2);
          else if (action === 'setLocked') m.setLocked(a.id, true);
          else if (action === 'setMediaPermissions') m.setMediaPermissions(a.id, { camera: false });
          else if (action === 'suspendAll') m.suspend(a.id);
          // The recording handler asks the table itself, before anything else.
          else m.authorize(a.id, action);
        });
        assert.equal(tried, EXPECTED[action][actor] === 'meeting' ? 'ok' : 'FORBIDDEN', `${actor} ${action}`);
      }
    }
  });

  it('nobody acts on themselves: a co-host cannot stop, remove or send back their own media or seat', () => {
    for (const actor of [H, C] as const) {
      for (const action of ['stopMedia', 'remove', 'sendToWaiting', 'verify', 'setRole'] as const) {
        const s = scene(actor, 'participant', 'admitted');
        const self = { ...s, t: s.a };
        const want = EXPECTED[action][actor] === undefined ? 'FORBIDDEN' : 'CANNOT_ACT_ON_PARTICIPANT';
        assert.equal(attempt(self, action), want, `${actor} ${action} on self`);
      }
    }
  });

  it("a co-host's stopMedia on the host is refused with CANNOT_ACT_ON_PARTICIPANT (C1)", () => {
    const s = scene('cohost', 'participant', 'admitted');
    const host = s.m.all().find((p) => p.role === 'host');
    assert.ok(host);
    assert.equal(attempt({ ...s, t: host }, 'stopMedia'), 'CANNOT_ACT_ON_PARTICIPANT');
  });
});
