import { HOST_ACTIONS, type HostActionType, type Role } from '@kaigi/protocol';

/** Everything one participant may do to the meeting or to another participant. */
export type Action = HostActionType;

// The one permission table. Later roles (co-host, verifier) are rows here, not branches elsewhere.
const TABLE: Record<Role, ReadonlySet<Action>> = {
  host: new Set<Action>(HOST_ACTIONS),
  // Everything the host does but making co-hosts (C1-C4 can be shared; authority cannot).
  cohost: new Set<Action>(HOST_ACTIONS.filter((a) => a !== 'setRole')),
  // Checks newcomers one to one and admits (with the check) or denies them; nothing else (B7).
  verifier: new Set<Action>(['admit', 'deny', 'startCheck', 'endCheck']),
  participant: new Set<Action>(),
};

export const can = (role: Role, action: Action): boolean => TABLE[role].has(action);
