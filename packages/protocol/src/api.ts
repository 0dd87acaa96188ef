import { ConfidentialityLevel, NameRule, TimeWindow } from './policy.js';
import { z } from 'zod';
import { MeetingId, MEETING_PASSWORD_MAX_LENGTH, MEETING_PASSWORD_MIN_LENGTH } from './ids.js';
import { MeetingTitle, Username } from './text.js';
import { LIMITS } from './limits.js';
import { Retention } from './meetingData.js';
import { SecondFactorChallenge } from './twoFactor.js';
import { DEFAULT_ENTRY_RULE, EntryRule, RegistrationMode } from './registration.js';

// HTTP API bodies. Every request body is parsed with these schemas at the boundary.

export const UserInfo = z.object({
  id: z.string(),
  username: z.string(),
  isAdmin: z.boolean(),
});
export type UserInfo = z.infer<typeof UserInfo>;

export const SignInRequest = z
  .object({
    username: Username,
    password: z.string().min(1).max(LIMITS.userPasswordMax),
  })
  .strict();
export type SignInRequest = z.infer<typeof SignInRequest>;

export const SessionResponse = z.object({
  user: UserInfo.nullable(),
  /** Echo this in the X-CSRF-Token header of every state-changing request. */
  csrfToken: z.string().nullable(),
  /** This session was signed in with a second factor (B5). */
  twoFactor: z.boolean().optional(),
  /** Right password, account with a second factor: no session yet, finish with one of these (B5). */
  secondFactor: SecondFactorChallenge.optional(),
});
export type SessionResponse = z.infer<typeof SessionResponse>;

export const MeetingPassword = z
  .string()
  .min(MEETING_PASSWORD_MIN_LENGTH, `meeting password is at least ${MEETING_PASSWORD_MIN_LENGTH} characters`)
  .max(MEETING_PASSWORD_MAX_LENGTH);

/** The meeting's rules a host sets (F1, C4, B4): each optional, the server fills the rest. */
/** The meeting's rules a host sets (F1, C1, C4, B3, B4, B5), as stored and as returned. */
export const MeetingRuleSet = z.object({
  /** Confidentiality level (F1): the organisation's default when absent; a running meeting can only go up. */
  level: ConfidentialityLevel,
  /** Whether people may wait for the meeting before a host is there (C4; off by default). */
  joinBeforeHost: z.boolean(),
  /** When people may join (C4). */
  window: TimeWindow,
  /** What display names are allowed (B4). */
  nameRule: NameRule,
  /** Everyone but hosts enters muted with the camera off (C1; on by default). */
  muteOnEntry: z.boolean(),
  /** Members-only entry, optionally from given email domains (B5, B6; off by default). */
  entry: EntryRule,
  /** Pre-registration with personal links (B3; off by default). */
  registration: RegistrationMode,
});
export type MeetingRuleSet = z.infer<typeof MeetingRuleSet>;

/** The rules of a meeting whose host set none (Medium is the level without an organisation policy). */
export const DEFAULT_MEETING_RULES: MeetingRuleSet = {
  level: 'medium',
  joinBeforeHost: false,
  window: { startsAt: null, endsAt: null },
  nameRule: { kind: 'free' },
  muteOnEntry: true,
  entry: DEFAULT_ENTRY_RULE,
  registration: 'off',
};

/** In requests each rule is optional: the server fills in the rest. */
const MeetingRules = MeetingRuleSet.partial().shape;

export const CreateMeetingRequest = z
  .object({
    title: MeetingTitle,
    /** Omit to have the server generate a random password (the default, B1). */
    password: MeetingPassword.optional(),
    /** End-to-end encryption: media and chat are encrypted in the browsers; the server cannot read them. */
    e2ee: z.boolean().optional(),
    /** How long each kind of data is kept after the meeting ends (E4); within the organisation's limits. */
    retention: Retention.partial().optional(),
    ...MeetingRules,
  })
  .strict();
export type CreateMeetingRequest = z.infer<typeof CreateMeetingRequest>;

export const UpdateMeetingRequest = z
  .object({
    title: MeetingTitle.optional(),
    password: MeetingPassword.optional(),
    locked: z.boolean().optional(),
    /** Only while nobody is in the meeting: a running meeting never changes mode under its participants. */
    e2ee: z.boolean().optional(),
    retention: Retention.partial().optional(),
    ...MeetingRules,
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'nothing to update');
export type UpdateMeetingRequest = z.infer<typeof UpdateMeetingRequest>;

export const MeetingResource = z.object({
  id: MeetingId,
  title: z.string(),
  password: z.string(),
  /** Join link for participants; the password travels in the fragment (#pwd=), never to the server. */
  joinUrl: z.string(),
  /** Link the host opens to run the meeting. */
  hostUrl: z.string(),
  locked: z.boolean(),
  e2ee: z.boolean(),
  retention: Retention,
  ...MeetingRuleSet.shape,
  createdAt: z.string(),
});
export type MeetingResource = z.infer<typeof MeetingResource>;

export const MeetingList = z.object({ meetings: z.array(MeetingResource) });
export type MeetingList = z.infer<typeof MeetingList>;

export const BanResource = z.object({
  id: z.string(),
  displayName: z.string(),
  createdAt: z.string(),
});
export const BanList = z.object({ bans: z.array(BanResource) });

export const ErrorResponse = z.object({
  code: z.string(),
  message: z.string(),
  retryAfterMs: z.number().optional(),
  details: z.unknown().optional(),
});

/** Paths the client navigates to; the server serves the app for each. */
export const paths = {
  signIn: '/signin',
  dashboard: '/',
  join: (id: string) => `/m/${id}`,
  host: (id: string) => `/m/${id}/host`,
} as const;

export const CSRF_HEADER = 'x-csrf-token';
