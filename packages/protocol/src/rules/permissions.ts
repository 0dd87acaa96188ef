import type { MediaPermissions, MediaSource } from '../media.js';
import type { HostActionType, Role } from '../signaling.js';
import { runsMeeting } from './roles.js';

// The one permission table (C1, C3, B7), shared by both sides: the server enforces it (every host
// action goes through Meeting.authorize), the client reads it only to show or grey out controls.
// Later roles are rows here, not branches elsewhere.

/**
 * What an action reaches: the meeting as a whole, or one participant (or the ban on one), and
 * then only these target roles.
 */
export type ActionReach = 'meeting' | readonly Role[];

// Nobody acts on the host; only the host acts on a co-host (C1-C4 can be shared, authority cannot).
const BELOW_HOST: readonly Role[] = ['cohost', 'verifier', 'participant'];
const BELOW_COHOST: readonly Role[] = ['verifier', 'participant'];
// Newcomers in the waiting room are participants: sending someone back takes their role.
const NEWCOMER: readonly Role[] = ['participant'];
// A safety-code check records what the actor compared with the target; it gives no control (B7).
const ANYONE: readonly Role[] = ['host', 'cohost', 'verifier', 'participant'];

const COHOST: Partial<Record<HostActionType, ActionReach>> = {
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
 * Actor role × action × target role. Every check of who may do what to whom (the server's
 * Meeting.authorize and Meeting.authorizeOn) reads it, and nothing else decides (C1, C3, B7).
 */
const TABLE: Record<Role, Partial<Record<HostActionType, ActionReach>>> = {
  // Everything, on everyone but the host; only the host makes co-hosts and verifiers.
  host: { ...COHOST, sendToWaiting: BELOW_HOST, remove: BELOW_HOST, liftBan: BELOW_HOST, stopMedia: BELOW_HOST, setRole: BELOW_HOST },
  cohost: COHOST,
  // Checks newcomers one to one and admits (with the check) or denies them; nothing else (B7).
  verifier: { admit: NEWCOMER, deny: NEWCOMER, startCheck: NEWCOMER, endCheck: NEWCOMER },
  participant: {},
};

/** Whether this role may take this action at all (on someone, or on the meeting). */
export const can = (role: Role, action: HostActionType): boolean => TABLE[role][action] !== undefined;

/** What this role's action reaches, if the role may take it at all. */
export const reachOf = (role: Role, action: HostActionType): ActionReach | undefined => TABLE[role][action];

/** Whether a participant of role `actor` may take `action` on a participant of role `target`. */
export const mayActOn = (actor: Role, action: HostActionType, target: Role): boolean => {
  const reach = TABLE[actor][action];
  return reach !== undefined && reach !== 'meeting' && reach.includes(target);
};

/** What a newcomer and their verifier send each other during a check (B7): never the screen. */
export const CHECK_SOURCES = ['camera', 'microphone'] as const satisfies readonly MediaSource[];

/**
 * Whether an admitted participant may send this source (C1, C2): those who run the meeting always
 * may, others as the host allows. `inCheck`: a verifier's check is open with them (B7), which lets
 * both sides send camera and microphone whatever the permissions.
 */
export function mayPublish(role: Role | null, permissions: MediaPermissions, source: MediaSource, inCheck = false): boolean {
  return runsMeeting(role) || permissions[source] || (inCheck && (CHECK_SOURCES as readonly MediaSource[]).includes(source));
}

/** Whether an admitted participant may send chat messages (A3, C1): those who run the meeting always may. */
export const mayChat = (role: Role | null, permissions: Pick<MediaPermissions, 'chat'>): boolean => runsMeeting(role) || permissions.chat;
