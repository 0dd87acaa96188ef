import {
  compilePolicy,
  DEFAULT_MEETING_RULES,
  defaultOrganisationPolicy,
  EARLY_JOIN_MS,
  ErrorCode,
  LEVEL_RANK,
  nameMatches,
  type ConfidentialityLevel,
  type EntryRule,
  type RegistrationMode,
  type MeetingPolicy,
  type OrganisationPolicy,
  type NameRule,
  type Role,
  type TimeWindow,
} from '@kaigi/protocol';
import { KaigiError } from '../errors.js';

/**
 * A meeting's rules as plain data (F1, C1, C4, B4): its compiled level policy and the host's
 * settings. Meeting consults them; nothing else decides who may join or what is allowed.
 */
export interface MeetingRules {
  policy: MeetingPolicy;
  /** People may wait before a host is there (C4). */
  joinBeforeHost: boolean;
  window: TimeWindow;
  nameRule: NameRule;
  /** Everyone but hosts enters muted with the camera off (C1). */
  muteOnEntry: boolean;
  /** Members only, optionally from given email domains (B5, B6). */
  entry: EntryRule;
  /** Pre-registration (B3). */
  registration: RegistrationMode;
}

export interface ArrivalFacts {
  role: Role;
  displayName: string;
  /** The signed-in account's name, if any. */
  accountName: string | null;
  /** The name a registration fixes (B3, B4): it stands whatever the name pattern (account names still come first). */
  fixedName?: string | null;
  now: number;
}

/**
 * Whether someone may arrive now, and under which name. The meeting's own host always may (they
 * hold the rules); everyone else is held to the window, the host's presence and the name rule.
 */
export function admitArrival(rules: MeetingRules, a: ArrivalFacts, hostPresent: boolean): string {
  if (a.role === 'host') return a.displayName;
  const { startsAt, endsAt } = rules.window;
  if (startsAt && a.now < Date.parse(startsAt) - EARLY_JOIN_MS) {
    throw new KaigiError(ErrorCode.OUTSIDE_TIME_WINDOW, `The meeting opens at ${startsAt}, ${EARLY_JOIN_MS / 60_000} minutes before it starts.`);
  }
  if (endsAt && a.now > Date.parse(endsAt)) throw new KaigiError(ErrorCode.OUTSIDE_TIME_WINDOW, `The meeting ended at ${endsAt}.`);
  if (!hostPresent && !rules.joinBeforeHost) throw new KaigiError(ErrorCode.HOST_NOT_PRESENT);
  const rule = rules.nameRule;
  if (rule.kind === 'account') {
    if (!a.accountName) throw new KaigiError(ErrorCode.NAME_NOT_ALLOWED, 'This meeting uses account names: sign in to join.');
    return a.accountName;
  }
  if (a.fixedName) return a.fixedName;
  if (!nameMatches(rule, a.displayName)) {
    throw new KaigiError(ErrorCode.NAME_NOT_ALLOWED, `Display names in this meeting must look like "${rule.kind === 'pattern' ? rule.pattern : ''}" (* stands for any text).`);
  }
  return a.displayName;
}

/** Raises the level of a running meeting; lowering is refused, and High needs E2EE (F1). */
export function raisedPolicy(current: MeetingPolicy, next: MeetingPolicy, e2ee: boolean): MeetingPolicy {
  if (LEVEL_RANK[next.level] < LEVEL_RANK[current.level]) throw new KaigiError(ErrorCode.LEVEL_CANNOT_BE_LOWERED);
  if (next.e2eeRequired && !e2ee) {
    throw new KaigiError(ErrorCode.E2EE_REQUIRED, 'This meeting is not end-to-end encrypted, and that cannot change while people are in it.');
  }
  return next;
}

/** A meeting's rules when its host set none: the organisation's default level, C1 and C4 defaults. */
export function defaultRules(org: OrganisationPolicy = defaultOrganisationPolicy('local'), level: ConfidentialityLevel = org.levels.default): MeetingRules {
  const { level: _stored, ...rest } = DEFAULT_MEETING_RULES;
  return { policy: compilePolicy(level, org), ...rest };
}
