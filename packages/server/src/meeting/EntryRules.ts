import { emailDomainAllowed, ErrorCode, groupAllowed, type EntryKind, type EntryRule, type RegistrationMode, type RegistrationStatus } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';

// Who may come as far as the waiting room once the password (or a personal link) is right:
// members-only meetings (B5, B6) and pre-registration (B3). Pure: the hub gathers the facts.

export interface EntrySettings {
  entry: EntryRule;
  registration: RegistrationMode;
}

/** The signed-in account of a join, with what the domain and group rules need. */
export interface EntryAccount {
  /** Signed in with a second factor (B5). */
  twoFactor: boolean;
  /** The account's emails the server trusts (set by an administrator, or verified by the SSO provider). */
  emails: readonly string[];
  /** The account's groups the server trusts (set by an administrator, or sent by the SSO provider at the last sign-in); never the client's word. */
  groups: readonly string[];
}

/** The rule of a members-only meeting that refused a signed-in account. */
export type MembersRule = 'domain' | 'group';

/** MEMBERS_ONLY for a signed-in account, saying in `details` which rule refused it (for the audit log). */
const membersRuleRefusal = (rule: MembersRule, message: string): KaigiError => new KaigiError(ErrorCode.MEMBERS_ONLY, { message, details: { rule } });

/** Which members-only rule refused a signed-in account, if this is such a refusal; never its emails or groups. */
export function membersRuleOf(err: unknown): MembersRule | null {
  if (!(err instanceof KaigiError) || err.code !== ErrorCode.MEMBERS_ONLY) return null;
  const rule = (err.details as { rule?: unknown } | undefined)?.rule;
  return rule === 'domain' || rule === 'group' ? rule : null;
}

/** The registration a join's personal link belongs to (of this meeting). */
export interface EntryRegistration {
  id: string;
  name: string;
  status: RegistrationStatus;
}

export interface EntryDecision {
  entry: EntryKind;
  /** The registration whose link was used, recorded with the admission (B3). */
  registrationId: string | null;
  /** The registered name: the participant's name in the meeting (B4). */
  fixedName: string | null;
}

/** How a person without a personal link enters: guest, member, or member with two factors (B6). */
export const accountEntry = (account: EntryAccount | null): EntryKind => (account === null ? 'guest' : account.twoFactor ? 'member2fa' : 'member');

/**
 * Whether this person (not the meeting's host) may go on to the waiting room, and as whom.
 * Members-only comes first: a guest holding a personal link is still a guest. With email domains
 * and groups both listed, a member must pass both (an email in a domain and one of the groups);
 * the domain is checked first. Then, where registration is on, only an approved, unrevoked link
 * lets anyone in, under the registered name.
 */
export function decideEntry(rules: EntrySettings, account: EntryAccount | null, registration: EntryRegistration | null): EntryDecision {
  if (rules.entry.membersOnly) {
    if (account === null) throw new KaigiError(ErrorCode.MEMBERS_ONLY);
    const domains = rules.entry.emailDomains;
    if (domains.length > 0 && !account.emails.some((e) => emailDomainAllowed(e, domains))) {
      throw membersRuleRefusal(
        'domain',
        `This meeting is for members with an email address at ${domains.join(', ')}; your account has none. Sign in with such an account.`,
      );
    }
    // The groups are not named: who belongs where is the organisation's business, not a visitor's.
    if (!groupAllowed(account.groups, rules.entry.groups)) {
      throw membersRuleRefusal(
        'group',
        "This meeting is only for members of certain groups, and your account is in none of them. If you should be, ask the host or your organisation's administrator.",
      );
    }
  }
  if (rules.registration === 'off') return { entry: accountEntry(account), registrationId: null, fixedName: null };
  if (registration === null) throw new KaigiError(ErrorCode.REGISTRATION_REQUIRED);
  if (registration.status === 'revoked') throw new KaigiError(ErrorCode.REGISTRATION_REVOKED);
  if (registration.status === 'pending') {
    throw new KaigiError(ErrorCode.REGISTRATION_REQUIRED, 'Your registration has not been approved by the host yet: try again once it is.');
  }
  return { entry: 'registrant', registrationId: registration.id, fixedName: registration.name };
}

/** A registration may be approved unless it was revoked: a revoked link stays dead. */
export function canApprove(status: RegistrationStatus): boolean {
  return status !== 'revoked';
}
