import { type HostActionType, type Role } from '@kaigi/protocol';

/** Everything one participant may do to the meeting or to another participant. */
export type Action = HostActionType;

/**
 * What an action reaches: the meeting as a whole, or one participant (or the ban on one), and
 * then only these target roles.
 */
export type Reach = 'meeting' | readonly Role[];

// Nobody acts on the host; only the host acts on a co-host (C1-C4 can be shared, authority cannot).
const BELOW_HOST: readonly Role[] = ['cohost', 'verifier', 'participant'];
const BELOW_COHOST: readonly Role[] = ['verifier', 'participant'];
// Newcomers in the waiting room are participants: sending someone back takes their role.
const NEWCOMER: readonly Role[] = ['participant'];
// A safety-code check records what the actor compared with the target; it gives no control (B7).
const ANYONE: readonly Role[] = ['host', 'cohost', 'verifier', 'participant'];

const COHOST: Partial<Record<Action, Reach>> = {
  admit: NEWCOMER,
  deny: NEWCOMER,
  startCheck: NEWCOMER,
  endCheck: NEWCOMER,
  sendToWaiting: BELOW_COHOST,
  remove: BELOW_COHOST,
  liftBan: BELOW_COHOST,
  stopMedia: BELOW_COHOST,
  verify: ANYONE,
  admitAll: 'meeting',
  setLocked: 'meeting',
  setMediaPermissions: 'meeting',
  setRecording: 'meeting',
  announceLocalRecording: 'meeting',
  suspendAll: 'meeting',
};

/**
 * The one permission table: actor role × action × target role. Every check of who may do what
 * to whom (Meeting.authorize, Meeting.authorizeOn) reads it, and nothing else decides (C1, C3, B7).
 */
const TABLE: Record<Role, Partial<Record<Action, Reach>>> = {
  // Everything, on everyone but the host; only the host makes co-hosts and verifiers.
  host: { ...COHOST, sendToWaiting: BELOW_HOST, remove: BELOW_HOST, liftBan: BELOW_HOST, stopMedia: BELOW_HOST, setRole: BELOW_HOST },
  cohost: COHOST,
  // Checks newcomers one to one and admits (with the check) or denies them; nothing else (B7).
  verifier: { admit: NEWCOMER, deny: NEWCOMER, startCheck: NEWCOMER, endCheck: NEWCOMER },
  participant: {},
};

/** Whether this role may take this action at all (on someone, or on the meeting). */
export const can = (role: Role, action: Action): boolean => TABLE[role][action] !== undefined;

/** What this role's action reaches, if the role may take it at all. */
export const reachOf = (role: Role, action: Action): Reach | undefined => TABLE[role][action];

/** Whether a participant of role `actor` may take `action` on a participant of role `target`. */
export const mayActOn = (actor: Role, action: Action, target: Role): boolean => {
  const reach = TABLE[actor][action];
  return reach !== undefined && reach !== 'meeting' && reach.includes(target);
};
