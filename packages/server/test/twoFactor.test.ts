// Two-factor authentication (B5): TOTP codes within ±1 step and never twice, recovery codes
// once each, sign-in tickets that expire and are used once. Fixed clocks throughout.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sealer } from '../src/security/Sealer.js';
import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from '../src/security/recoveryCodes.js';
import { matchTotp, newTotpSecret, totpCodeAt, totpStep, totpUri } from '../src/security/totp.js';
import { openDatabase, type Database } from '../src/storage/Database.js';
import { TICKET_MAX_FAILURES, TwoFactorStore } from '../src/storage/TwoFactorStore.js';
import { UserStore } from '../src/storage/UserStore.js';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0); // a step boundary (divisible by 30 s)

describe('TOTP (RFC 6238)', () => {
  it('computes the RFC 6238 test vectors (SHA-1, last 6 of the 8 digits)', () => {
    // T = 59 s -> 94287082; T = 1111111109 s -> 07081804; T = 1234567890 s -> 89005924.
    assert.equal(totpCodeAt(RFC_SECRET, totpStep(59_000)), '287082');
    assert.equal(totpCodeAt(RFC_SECRET, totpStep(1_111_111_109_000)), '081804');
    assert.equal(totpCodeAt(RFC_SECRET, totpStep(1_234_567_890_000)), '005924');
  });

  it('accepts the codes of the step before, now and after, and nothing further', () => {
    const secret = newTotpSecret();
    const now = T0 + 10_000;
    const step = totpStep(now);
    for (const d of [-1, 0, 1]) assert.equal(matchTotp(secret, totpCodeAt(secret, step + d), now, null), step + d, `step ${d}`);
    for (const d of [-3, -2, 2, 3]) assert.equal(matchTotp(secret, totpCodeAt(secret, step + d), now, null), null, `step ${d}`);
    assert.equal(matchTotp(secret, '', now, null), null);
    assert.equal(matchTotp(secret, '12345', now, null), null);
    assert.equal(matchTotp(secret, 'abcdef', now, null), null);
    // What authenticator apps show and people paste: "123 456".
    const c = totpCodeAt(secret, step);
    assert.equal(matchTotp(secret, `${c.slice(0, 3)} ${c.slice(3)}`, now, null), step);
  });

  it('refuses a code of the last used step or earlier (replay)', () => {
    const secret = newTotpSecret();
    const now = T0;
    const step = totpStep(now);
    assert.equal(matchTotp(secret, totpCodeAt(secret, step), now, step), null, 'same step');
    assert.equal(matchTotp(secret, totpCodeAt(secret, step - 1), now, step - 1), null, 'earlier step, used');
    assert.equal(matchTotp(secret, totpCodeAt(secret, step - 1), now, step), null, 'earlier than the last used');
    assert.equal(matchTotp(secret, totpCodeAt(secret, step + 1), now, step), step + 1, 'a later step still works');
  });

  it('writes an otpauth URI authenticator apps read', () => {
    const uri = new URL(totpUri(RFC_SECRET, 'hana@meet.example.org', 'Kaigi'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(uri.searchParams.get('secret'), RFC_SECRET);
    assert.equal(uri.searchParams.get('issuer'), 'Kaigi');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
  });
});

describe('recovery codes', () => {
  it('are 10 distinct codes of 16 characters, read the same whatever the case and dashes', () => {
    const codes = newRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const c of codes) assert.match(c, /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
    const c = codes[0]!;
    assert.equal(normaliseRecoveryCode(c.toUpperCase().replace(/-/g, ' ')), normaliseRecoveryCode(c));
    assert.equal(hashRecoveryCode('u_1', c), hashRecoveryCode('u_1', ` ${c.toUpperCase()} `));
    assert.notEqual(hashRecoveryCode('u_1', c), hashRecoveryCode('u_2', c), 'bound to the account');
  });
});

describe('TwoFactorStore', () => {
  let dir: string;
  let db: Database;
  let clock = T0;
  let store: TwoFactorStore;
  let alice: string;
  let bob: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-2fa-'));
    db = await openDatabase(dir);
    const users = new UserStore(db);
    alice = (await users.add('alice', 'correct horse battery staple', false)).id;
    bob = (await users.add('bob', 'correct horse battery staple', false)).id;
    store = new TwoFactorStore(db, Sealer.open(dir), () => clock);
  });

  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('enables TOTP only with a current code of the new secret, and stores it sealed', async () => {
    clock = T0;
    const secret = await store.beginTotp(alice);
    assert.equal(await store.totpEnabled(alice), false);
    assert.deepEqual(await store.methods(alice), [], 'a pending secret is no second factor');
    assert.equal(await store.confirmTotp(alice, totpCodeAt(secret, totpStep(clock) + 5)), false, 'a code from the future');
    assert.equal(await store.confirmTotp(alice, totpCodeAt(secret, totpStep(clock))), true);
    assert.equal(await store.totpEnabled(alice), true);
    const row = await db.selectFrom('totp_secrets').selectAll().where('user_id', '=', alice).executeTakeFirstOrThrow();
    assert.ok(row.secret_sealed && !row.secret_sealed.includes(secret), 'sealed, not in clear');
    assert.equal(row.last_step, totpStep(clock), 'the confirming code is used up');
  });

  it('accepts each TOTP code once: the same or an earlier step is refused (replay)', async () => {
    clock = T0 + 5_000;
    const row = await db.selectFrom('totp_secrets').selectAll().where('user_id', '=', alice).executeTakeFirstOrThrow();
    const secret = Sealer.open(dir).unseal(row.secret_sealed!, `totp:${alice}`);
    const step = totpStep(clock);
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step)), false, 'the code that confirmed enrolment');
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step - 1)), false, 'an earlier one');
    assert.equal(await store.verifyTotp(alice, '000000'), false);
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step + 1)), true, 'the next step, within the window');
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step + 1)), false, 'and only once');
    clock += 30_000; // now at step + 1: its code is still used up
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step + 1)), false);
    clock += 30_000;
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step + 2)), true);
    clock += 5 * 30_000; // far later: old codes are out of the window anyway
    assert.equal(await store.verifyTotp(alice, totpCodeAt(secret, step + 3)), false);
    assert.equal(await store.verifyTotp(bob, totpCodeAt(secret, totpStep(clock))), false, 'another account');
  });

  it('uses each recovery code once, and new codes replace the old', async () => {
    const codes = await store.replaceRecoveryCodes(alice);
    assert.equal(await store.recoveryCodesLeft(alice), 10);
    assert.deepEqual(await store.methods(alice), ['totp', 'recovery']);
    const [first, second] = codes as [string, string];
    assert.equal(await store.useRecoveryCode(bob, first), false, "not another account's");
    assert.equal(await store.useRecoveryCode(alice, first.toUpperCase()), true);
    assert.equal(await store.useRecoveryCode(alice, first), false, 'once');
    assert.equal(await store.recoveryCodesLeft(alice), 9);
    const stored = await db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', alice).execute();
    assert.ok(stored.every((r) => !codes.some((c) => r.code_hash.includes(c.replace(/-/g, '')))), 'only hashes are stored');
    await store.replaceRecoveryCodes(alice);
    assert.equal(await store.useRecoveryCode(alice, second), false, 'old codes stop working');
  });

  it('drops recovery codes with the last factor', async () => {
    assert.equal(await store.removeTotp(alice), true);
    assert.equal(await store.recoveryCodesLeft(alice), 0);
    assert.deepEqual(await store.methods(alice), []);
  });

  it('gives tickets that last five minutes and work once', async () => {
    clock = T0;
    const a = await store.createTicket(alice);
    assert.deepEqual(await store.ticket(a.ticket), { userId: alice, challenge: null, signInMethod: null });
    const sso = await store.createTicket(alice, 'oidc');
    assert.equal((await store.ticket(sso.ticket))?.signInMethod, 'oidc', 'a ticket from single sign-on says so');
    clock = T0 + 5 * 60_000 - 1;
    assert.ok(await store.ticket(a.ticket), 'still live just before five minutes');
    clock = T0 + 5 * 60_000;
    assert.equal(await store.ticket(a.ticket), null, 'expired');
    assert.equal(await store.consumeTicket(a.ticket), false, 'an expired ticket cannot finish a sign-in');

    clock = T0;
    const b = await store.createTicket(alice);
    assert.equal(await store.consumeTicket(b.ticket), true);
    assert.equal(await store.consumeTicket(b.ticket), false, 'single use');
    assert.equal(await store.ticket(b.ticket), null);
  });

  it(`voids a ticket after ${TICKET_MAX_FAILURES} wrong second factors`, async () => {
    const t = await store.createTicket(alice);
    for (let i = 0; i < TICKET_MAX_FAILURES - 1; i++) await store.failTicket(t.ticket);
    assert.ok(await store.ticket(t.ticket));
    await store.failTicket(t.ticket);
    assert.equal(await store.ticket(t.ticket), null);
    assert.equal(await store.consumeTicket(t.ticket), false);
  });

  it('hands out a passkey registration challenge once', async () => {
    clock = T0;
    await store.setRegistrationChallenge(bob, 'challenge-1');
    assert.equal(await store.takeRegistrationChallenge(bob), 'challenge-1');
    assert.equal(await store.takeRegistrationChallenge(bob), null);
    await store.setRegistrationChallenge(bob, 'challenge-2');
    clock = T0 + 6 * 60_000;
    assert.equal(await store.takeRegistrationChallenge(bob), null, 'expired');
  });
});
