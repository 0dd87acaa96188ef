// Members-only meetings (B5, B6) and pre-registration (B3) as pure rules: who may come as far as
// the waiting room once the password (or a personal link) is right, and as whom.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ENTRY_RULE, DEFAULT_MEETING_RULES, EmailDomain, emailDomainAllowed, EntryRule, GroupName, groupAllowed, MeetingRuleSet, RegisterRequest, type RegistrationMode } from '@kaigi/protocol';
import { accountEntry, canApprove, decideEntry, membersRuleOf, type EntryAccount, type EntryRegistration } from '../src/meeting/EntryRules.js';
import { Meeting } from '../src/meeting/Meeting.js';
import { arrivals } from './fixtures/arrival.js';
import { KaigiError } from '../src/errors.js';
import { defaultRules } from '../src/meeting/MeetingRules.js';
import { compilePolicy, defaultOrganisationPolicy, withoutAccount } from '@kaigi/protocol';

const member: EntryAccount = { twoFactor: false, emails: ['aiko@lab.example.ac.jp'], groups: [] };
const member2fa: EntryAccount = { twoFactor: true, emails: [], groups: [] };
const approved: EntryRegistration = { id: 'r_1', name: 'Aiko Tanaka', status: 'approved' };

const rules = (over: { membersOnly?: boolean; emailDomains?: string[]; groups?: string[]; registration?: RegistrationMode } = {}) => ({
  entry: { ...DEFAULT_ENTRY_RULE, membersOnly: over.membersOnly ?? false, emailDomains: over.emailDomains ?? [], groups: over.groups ?? [] },
  registration: over.registration ?? ('off' as RegistrationMode),
});

const refusal = (fn: () => unknown): { code: string; message: string; rule?: string } => {
  try {
    fn();
  } catch (e) {
    if (e instanceof KaigiError) return { code: e.code, message: e.message, rule: membersRuleOf(e) ?? undefined };
    throw e;
  }
  return { code: 'no error', message: '' };
};

describe('members-only entry (B5, B6)', () => {
  it('lets everyone through when off, and names how each entered', () => {
    assert.deepEqual(decideEntry(rules(), null, null), { entry: 'guest', registrationId: null, fixedName: null });
    assert.equal(decideEntry(rules(), member, null).entry, 'member');
    assert.equal(decideEntry(rules(), member2fa, null).entry, 'member2fa');
    assert.equal(accountEntry(null), 'guest');
  });

  it('refuses guests with MEMBERS_ONLY, saying to sign in', () => {
    const r = refusal(() => decideEntry(rules({ membersOnly: true }), null, null));
    assert.equal(r.code, 'MEMBERS_ONLY');
    assert.match(r.message, /sign in/i);
    assert.equal(decideEntry(rules({ membersOnly: true }), member, null).entry, 'member');
  });

  it('admits only accounts with an email in the domains (or their subdomains) when domains are listed', () => {
    const only = rules({ membersOnly: true, emailDomains: ['example.ac.jp'] });
    assert.equal(decideEntry(only, member, null).entry, 'member', 'lab.example.ac.jp is under example.ac.jp');
    const r = refusal(() => decideEntry(only, { twoFactor: false, emails: ['mallory@example.com'], groups: [] }, null));
    assert.equal(r.code, 'MEMBERS_ONLY');
    assert.equal(r.rule, 'domain', 'the audit log is told which rule refused');
    assert.match(r.message, /example\.ac\.jp/);
    assert.equal(refusal(() => decideEntry(only, { twoFactor: true, emails: [], groups: [] }, null)).code, 'MEMBERS_ONLY', 'an account without email fails a domain list');
    assert.equal(refusal(() => decideEntry(only, { twoFactor: false, emails: ['x@notexample.ac.jp'], groups: [] }, null)).code, 'MEMBERS_ONLY', 'a suffix is not a subdomain');
    // The list matters only in members-only meetings.
    assert.equal(decideEntry(rules({ emailDomains: ['example.ac.jp'] }), null, null).entry, 'guest');
  });

  it('with groups, admits only accounts in at least one of them, without naming them to the refused', () => {
    const only = rules({ membersOnly: true, groups: ['staff', 'Research Lab'] });
    assert.equal(decideEntry(only, { ...member, groups: ['Research Lab'] }, null).entry, 'member', 'one group in common is enough');
    assert.equal(decideEntry(only, { ...member2fa, groups: ['students', 'staff'] }, null).entry, 'member2fa');
    const r = refusal(() => decideEntry(only, { ...member, groups: ['students'] }, null));
    assert.equal(r.code, 'MEMBERS_ONLY');
    assert.equal(r.rule, 'group');
    assert.match(r.message, /groups/);
    assert.doesNotMatch(r.message, /staff|Research/, 'a refused account is not told which groups would do');
    assert.equal(refusal(() => decideEntry(only, member, null)).rule, 'group', 'an account in no group fails a group list');
    assert.equal(refusal(() => decideEntry(only, { ...member, groups: ['STAFF', 'research lab'] }, null)).rule, 'group', 'names compare exactly');
    assert.equal(refusal(() => decideEntry(only, null, null)).rule, undefined, 'a guest is refused as a guest');
    // No groups listed: any signed-in member; and the list matters only in members-only meetings.
    assert.equal(decideEntry(rules({ membersOnly: true, groups: [] }), member, null).entry, 'member');
    assert.equal(decideEntry(rules({ groups: ['staff'] }), null, null).entry, 'guest');
    assert.equal(groupAllowed([], []), true);
    assert.equal(groupAllowed(['a'], ['b']), false);
  });

  it('with domains and groups, a member must pass both: an email in a domain and a group', () => {
    const both = rules({ membersOnly: true, emailDomains: ['example.ac.jp'], groups: ['staff'] });
    assert.equal(decideEntry(both, { ...member, groups: ['staff'] }, null).entry, 'member');
    assert.equal(refusal(() => decideEntry(both, { ...member, groups: ['students'] }, null)).rule, 'group', 'the right domain without the group');
    assert.equal(refusal(() => decideEntry(both, { twoFactor: false, emails: ['kim@example.com'], groups: ['staff'] }, null)).rule, 'domain', 'the group without the domain');
    assert.equal(refusal(() => decideEntry(both, { twoFactor: false, emails: [], groups: [] }, null)).rule, 'domain', 'the domain is checked first');
  });

  it('normalises the groups hosts type: trimmed, each once, printable, 1-100 characters, at most 50', () => {
    assert.deepEqual(EntryRule.parse({ membersOnly: true, emailDomains: [], groups: [' staff ', 'staff', 'Research Lab', '研究室'] }).groups, ['staff', 'Research Lab', '研究室']);
    assert.equal(GroupName.parse('\u0041\u030a'), '\u00c5', 'NFC');
    for (const bad of ['', '   ', 'a\nb', 'tab\there', 'nul\u0000', 'bidi\u202e', 'zw\u200bj', 'line\u2028sep', 'x'.repeat(101)]) {
      assert.equal(GroupName.safeParse(bad).success, false, JSON.stringify(bad));
    }
    assert.equal(GroupName.safeParse('x'.repeat(100)).success, true);
    const many = Array.from({ length: 51 }, (_, i) => `g${i}`);
    assert.equal(EntryRule.safeParse({ membersOnly: true, emailDomains: [], groups: many }).success, false, 'at most 50');
    assert.equal(EntryRule.safeParse({ membersOnly: true, emailDomains: [], groups: [...many.slice(0, 50), 'g0'] }).success, true, 'counted once duplicates are dropped');
    assert.equal(EntryRule.safeParse({ membersOnly: true, emailDomains: [], groups: [3] }).success, false);
  });

  it('reads rules stored before groups existed as no groups, keeping members-only', () => {
    assert.deepEqual(EntryRule.parse({ membersOnly: true, emailDomains: ['example.ac.jp'] }), { membersOnly: true, emailDomains: ['example.ac.jp'], groups: [] });
    const stored = MeetingRuleSet.parse({ ...DEFAULT_MEETING_RULES, entry: { membersOnly: true, emailDomains: [] } });
    assert.deepEqual(stored.entry, { membersOnly: true, emailDomains: [], groups: [] });
  });

  it('matches domains case-insensitively, on the last @', () => {
    assert.equal(emailDomainAllowed('A@Example.AC.JP', ['example.ac.jp']), true);
    assert.equal(emailDomainAllowed('"a@example.ac.jp"@evil.test', ['example.ac.jp']), false);
    assert.equal(emailDomainAllowed(null, ['example.ac.jp']), false);
    assert.equal(emailDomainAllowed(null, []), true);
  });

  it('normalises the domains hosts type, and refuses what is not a domain', () => {
    assert.equal(EmailDomain.parse(' @Example.AC.jp '), 'example.ac.jp');
    for (const bad of ['example', '*.example.com', 'a@b.c', 'exa mple.com', '-x.com', '']) assert.equal(EmailDomain.safeParse(bad).success, false, bad);
    assert.equal(EntryRule.safeParse({ membersOnly: true, emailDomains: [], extra: 1 }).success, false);
  });
});

describe('pre-registration (B3)', () => {
  for (const mode of ['approval', 'automatic'] as const) {
    it(`${mode}: needs an approved, unrevoked link, and fixes the registered name`, () => {
      assert.equal(refusal(() => decideEntry(rules({ registration: mode }), null, null)).code, 'REGISTRATION_REQUIRED');
      assert.equal(refusal(() => decideEntry(rules({ registration: mode }), member, null)).code, 'REGISTRATION_REQUIRED', 'members register too');
      assert.equal(refusal(() => decideEntry(rules({ registration: mode }), null, { ...approved, status: 'revoked' })).code, 'REGISTRATION_REVOKED');
      const pending = refusal(() => decideEntry(rules({ registration: mode }), null, { ...approved, status: 'pending' }));
      assert.equal(pending.code, 'REGISTRATION_REQUIRED');
      assert.match(pending.message, /approved/);
      assert.deepEqual(decideEntry(rules({ registration: mode }), null, approved), { entry: 'registrant', registrationId: 'r_1', fixedName: 'Aiko Tanaka' });
    });
  }

  it('checks members-only before the link: a guest with a link is still a guest', () => {
    assert.equal(refusal(() => decideEntry(rules({ membersOnly: true, registration: 'approval' }), null, approved)).code, 'MEMBERS_ONLY');
    assert.equal(decideEntry(rules({ membersOnly: true, registration: 'approval' }), member, approved).entry, 'registrant');
  });

  it('never approves a revoked registration again', () => {
    assert.equal(canApprove('pending'), true);
    assert.equal(canApprove('approved'), true);
    assert.equal(canApprove('revoked'), false);
  });

  it('validates the public form: a display name and an email', () => {
    assert.deepEqual(RegisterRequest.parse({ name: '  Aiko ', email: ' aiko@example.ac.jp ' }), { name: 'Aiko', email: 'aiko@example.ac.jp' });
    assert.equal(RegisterRequest.safeParse({ name: 'Aiko', email: 'not-an-email' }).success, false);
    assert.equal(RegisterRequest.safeParse({ name: 'A\u202eiko', email: 'a@b.jp' }).success, false, 'no bidi overrides in names');
    assert.equal(RegisterRequest.safeParse({ name: 'Aiko', email: 'a@b.jp', status: 'approved' }).success, false, 'nothing else is accepted');
  });
});

describe('registrants in the meeting (B3, B4, F1)', () => {
  const arrival = arrivals();

  it('keeps the registered name whatever name the registrant typed, even against the name pattern', () => {
    const m = new Meeting({
      id: 'm',
      title: 'T',
      hostUserId: 'u_host',
      rules: { ...defaultRules(), joinBeforeHost: true, nameRule: { kind: 'pattern', pattern: 'ACME *' } },
    });
    const p = m.arrive(arrival({ displayName: 'Someone Else', entry: 'registrant', registrationId: 'r_1', fixedName: 'Aiko Tanaka' }));
    assert.equal(p.displayName, 'Aiko Tanaka');
    assert.equal(p.registrationId, 'r_1');
    assert.equal(m.waitingRoom()[0]?.registrationId, 'r_1');
    assert.equal(m.waitingRoom()[0]?.entry, 'registrant');
    // Without a registration, the pattern still holds.
    assert.throws(() => m.arrive(arrival({ displayName: 'Someone Else' })), (e: unknown) => e instanceof KaigiError && e.code === 'NAME_NOT_ALLOWED');
  });

  it('account names still come first where the meeting uses them', () => {
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host', rules: { ...defaultRules(), joinBeforeHost: true, nameRule: { kind: 'account' } } });
    const p = m.arrive(arrival({ entry: 'registrant', registrationId: 'r_1', fixedName: 'Aiko Tanaka', userId: 'u_1', accountName: 'aiko' }));
    assert.equal(p.displayName, 'aiko');
  });

  it('a High meeting checks registrants before admission, as it checks guests (F1, B7)', () => {
    assert.equal(withoutAccount('registrant'), true);
    assert.equal(withoutAccount('guest'), true);
    assert.equal(withoutAccount('member'), false);
    assert.equal(withoutAccount('member2fa'), false);
    const rulesHigh = { ...defaultRules(), policy: compilePolicy('high', defaultOrganisationPolicy('local')) };
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u_host', e2ee: true, rules: rulesHigh });
    const h = m.arrive(arrival({ role: 'host', entry: 'member2fa', userId: 'u_host' }));
    const r = m.arrive(arrival({ entry: 'registrant', registrationId: 'r_1', fixedName: 'Aiko' }));
    const mem = m.arrive(arrival({ entry: 'member', userId: 'u_2' }));
    assert.throws(() => m.admit(h.id, r.id, 5), (e: unknown) => e instanceof KaigiError && e.code === 'CHECK_REQUIRED');
    m.admit(h.id, mem.id, 5);
    m.admit(h.id, r.id, 6, { face: true, voice: false, name: true });
    assert.equal(m.roster().find((p) => p.id === r.id)?.registrationId, 'r_1');
  });
});
