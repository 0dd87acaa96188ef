import { z } from 'zod';
import { DisplayName } from './text.js';

// Who may enter a meeting beyond the password (B3, B5, B6): members-only meetings, optionally
// narrowed to email domains and to groups, and pre-registration with a personal join link per
// registrant.

/**
 * An email domain as hosts type it ("example.ac.jp", "@example.ac.jp"): lower-cased, the "@"
 * dropped. A domain also admits its subdomains ("example.ac.jp" admits "st.example.ac.jp").
 */
export const EmailDomain = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/^@/, ''))
  .pipe(
    z
      .string()
      .max(253)
      .regex(/^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+$/, 'an email domain such as example.ac.jp'),
  );

// Group names: NFC and trimmed, then compared exactly (case counts), as the organisation's
// directory spells them. No control, format or line-separator characters, which could make two
// names look alike or break a list.
const GROUP_FORBIDDEN = /[\p{C}\p{Zl}\p{Zp}]/u;

/** A group an account belongs to, or a meeting admits: 1–100 printable characters. */
export const GroupName = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'a group name is required')
      .max(100, 'a group name is at most 100 characters')
      .refine((s) => !GROUP_FORBIDDEN.test(s), 'a group name has no control characters'),
  );

/** At most this many groups in a meeting's rule. */
export const ENTRY_GROUPS_MAX = 50;
/** At most this many groups per account (set by an administrator, or sent by the sign-in provider). */
export const ACCOUNT_GROUPS_MAX = 100;

const unique = (list: string[]): string[] => [...new Set(list)];

/** Group names, each checked, duplicates dropped (first kept), at most `max`. */
export const groupList = (max: number) =>
  z
    .array(GroupName)
    .transform(unique)
    .pipe(z.array(z.string()).max(max, `at most ${max} groups`));

/** Members-only entry (B5, B6): guests are refused before the waiting room. */
export const EntryRule = z
  .object({
    /** Only people signed in to an account of this server may join. */
    membersOnly: z.boolean(),
    /** With membersOnly: only accounts whose email is in one of these domains (empty: any account). */
    emailDomains: z.array(EmailDomain).max(50),
    /**
     * With membersOnly: only accounts in at least one of these groups (empty: any account). With
     * domains too, an account must pass both: an email in a domain and a group. Absent in rules
     * stored before groups existed: none.
     */
    groups: groupList(ENTRY_GROUPS_MAX).default([]),
  })
  .strict();
export type EntryRule = z.infer<typeof EntryRule>;

export const DEFAULT_ENTRY_RULE: EntryRule = { membersOnly: false, emailDomains: [], groups: [] };

/** Whether an account in `accountGroups` passes a meeting's group list: one group in common (an empty list passes everyone). */
export function groupAllowed(accountGroups: readonly string[], groups: readonly string[]): boolean {
  if (groups.length === 0) return true;
  return accountGroups.some((g) => groups.includes(g));
}

/**
 * Pre-registration (B3). 'off': the password is the way in. 'approval': people register, the
 * host approves each and sends the personal link. 'automatic': approved at once, the link is in
 * the answer to the registration. With either, every join but the host's needs an approved link.
 */
export const RegistrationMode = z.enum(['off', 'approval', 'automatic']);
export type RegistrationMode = z.infer<typeof RegistrationMode>;

/** Whether an account's email is in one of the domains (or one of their subdomains). No email, no match. */
export function emailDomainAllowed(email: string | null | undefined, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  if (!email) return false;
  const at = email.lastIndexOf('@');
  if (at < 1) return false;
  const domain = email.slice(at + 1).trim().toLowerCase();
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** A personal join token: 256 random bits, base64url. It travels in the link's fragment (#reg=). */
export const RegistrationToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'invalid registration token');

/** The fragment key of a personal join link: `/m/<id>#reg=<token>`. */
export const REGISTRATION_FRAGMENT_KEY = 'reg';

export const RegistrationId = z.string().regex(/^r_[A-Za-z0-9_-]{22}$/, 'invalid registration ID');

export const RegistrantEmail = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.email().max(254));

/** The public registration form (B3): the name is the one the registrant will have in the meeting (B4). */
export const RegisterRequest = z.object({ name: DisplayName, email: RegistrantEmail }).strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/**
 * The same answer whatever happened (unknown meeting, registration off, already registered),
 * so that the form reveals nothing. Only an 'automatic' meeting's new registrant gets a link.
 */
export const RegisterResponse = z.object({
  received: z.literal(true),
  joinUrl: z.string().optional(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const RegistrationStatus = z.enum(['pending', 'approved', 'revoked']);
export type RegistrationStatus = z.infer<typeof RegistrationStatus>;

/** One registrant, as the host sees them. */
export const RegistrationResource = z.object({
  id: RegistrationId,
  name: z.string(),
  email: z.string(),
  status: RegistrationStatus,
  createdAt: z.string(),
  approvedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** The last time the link was used to join, and how many times. */
  lastUsedAt: z.string().nullable(),
  uses: z.number().int().nonnegative(),
  /** The personal link while approved; null when pending or revoked. */
  joinUrl: z.string().nullable(),
});
export type RegistrationResource = z.infer<typeof RegistrationResource>;

export const RegistrationList = z.object({ registrations: z.array(RegistrationResource) });
export type RegistrationList = z.infer<typeof RegistrationList>;

/** Paths of pre-registration: the public form, and the API. */
export const registrationPaths = {
  /** The public registration page of a meeting. */
  form: (meetingId: string) => `/m/${meetingId}/register`,
  /** POST (public): register. GET (host): the list. */
  api: (meetingId: string) => `/api/meetings/${meetingId}/registrations`,
  approve: (meetingId: string, registrationId: string) => `/api/meetings/${meetingId}/registrations/${registrationId}/approve`,
  revoke: (meetingId: string, registrationId: string) => `/api/meetings/${meetingId}/registrations/${registrationId}/revoke`,
} as const;

/** A personal link: the password-free way in for one registrant; the token never reaches the server in a page load. */
export const registrationJoinUrl = (publicUrl: string, meetingId: string, token: string): string =>
  `${publicUrl}/m/${meetingId}#${REGISTRATION_FRAGMENT_KEY}=${token}`;
