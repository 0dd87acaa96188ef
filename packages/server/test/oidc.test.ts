// Single sign-on (B5) pieces that need no provider: the KAIGI_OIDC_* configuration, usernames
// made for new accounts, the email domain allow-list, the amr values that count as two factors
// and the groups taken from the provider's claim.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadOidcConfig } from '../src/sso/oidcConfig.js';
import { assertsMultiFactor, emailAllowed, groupsOfClaim } from '../src/sso/OidcClient.js';
import { baseUsername } from '../src/storage/OidcStore.js';

describe('single sign-on configuration', () => {
  const base = { KAIGI_OIDC_ISSUER: 'https://idp.example.org/realms/staff', KAIGI_OIDC_CLIENT_ID: 'kaigi', KAIGI_OIDC_CLIENT_SECRET: 's3cret' };

  it('is off without an issuer, and reads the rest when there is one', () => {
    assert.equal(loadOidcConfig({}), null);
    assert.deepEqual(loadOidcConfig({ ...base, KAIGI_OIDC_NAME: 'Company SSO', KAIGI_OIDC_ALLOWED_DOMAINS: ' Example.org, @corp.example.com ,' }), {
      issuer: 'https://idp.example.org/realms/staff',
      clientId: 'kaigi',
      clientSecret: 's3cret',
      name: 'Company SSO',
      allowedDomains: ['example.org', 'corp.example.com'],
      groupsClaim: 'groups',
    });
    assert.equal(loadOidcConfig(base)?.name, 'Single sign-on');
    assert.equal(loadOidcConfig({ ...base, KAIGI_OIDC_GROUPS_CLAIM: ' https://example.org/claims/groups ' })?.groupsClaim, 'https://example.org/claims/groups');
    assert.throws(() => loadOidcConfig({ ...base, KAIGI_OIDC_GROUPS_CLAIM: 'my groups' }), /KAIGI_OIDC_GROUPS_CLAIM/);
  });

  it('reads the client secret from a file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-oidc-')), 'secret');
    fs.writeFileSync(file, 'from-file\n');
    const { KAIGI_OIDC_CLIENT_SECRET: _, ...noSecret } = base;
    assert.equal(loadOidcConfig({ ...noSecret, KAIGI_OIDC_CLIENT_SECRET_FILE: file })?.clientSecret, 'from-file');
    assert.throws(() => loadOidcConfig({ ...base, KAIGI_OIDC_CLIENT_SECRET_FILE: file }), /not both/);
    assert.throws(() => loadOidcConfig({ ...noSecret, KAIGI_OIDC_CLIENT_SECRET_FILE: `${file}.missing` }), /cannot be read/);
  });

  it('refuses what is missing or unsafe, naming it', () => {
    assert.throws(() => loadOidcConfig({ ...base, KAIGI_OIDC_ISSUER: 'http://idp.example.org' }), /https URL/);
    assert.throws(() => loadOidcConfig({ ...base, KAIGI_OIDC_ISSUER: 'not a url' }), /must be a URL/);
    assert.throws(() => loadOidcConfig({ KAIGI_OIDC_ISSUER: base.KAIGI_OIDC_ISSUER }), /KAIGI_OIDC_CLIENT_ID/);
    assert.throws(() => loadOidcConfig({ KAIGI_OIDC_ISSUER: base.KAIGI_OIDC_ISSUER, KAIGI_OIDC_CLIENT_ID: 'k' }), /KAIGI_OIDC_CLIENT_SECRET/);
    assert.throws(() => loadOidcConfig({ ...base, KAIGI_OIDC_ALLOWED_DOMAINS: 'example.org,*.evil' }), /not a domain/);
    // Plain http only for a provider on this machine.
    assert.equal(loadOidcConfig({ ...base, KAIGI_OIDC_ISSUER: 'http://127.0.0.1:9000' })?.issuer, 'http://127.0.0.1:9000');
    assert.equal(loadOidcConfig({ ...base, KAIGI_OIDC_ISSUER: 'http://localhost:9000' })?.issuer, 'http://localhost:9000');
  });
});

describe('single sign-on rules', () => {
  it('makes usernames from preferred_username, else the email local part', () => {
    assert.equal(baseUsername('Alice', 'x@example.org'), 'alice');
    assert.equal(baseUsername(null, 'Dan.Smith@Example.org'), 'dan.smith');
    assert.equal(baseUsername('田中 太郎', 'taro@example.org'), 'taro');
    assert.equal(baseUsername('José Núñez', null), 'jose-nunez');
    assert.equal(baseUsername('--admin--', null), 'admin');
    assert.equal(baseUsername(null, null), 'user');
    assert.ok(baseUsername('a'.repeat(200), null).length <= 59);
    for (const u of ['alice', 'dan.smith', 'jose-nunez']) assert.match(u, /^[a-z0-9][a-z0-9._-]{0,63}$/);
  });

  it('admits allowed domains exactly, and not addresses the provider calls unverified', () => {
    assert.equal(emailAllowed([], null, null), true);
    assert.equal(emailAllowed(['example.org'], 'a@example.org', true), true);
    assert.equal(emailAllowed(['example.org'], 'a@EXAMPLE.ORG', null), true);
    assert.equal(emailAllowed(['example.org'], 'a@example.org', false), false);
    assert.equal(emailAllowed(['example.org'], 'a@sub.example.org', true), false);
    assert.equal(emailAllowed(['example.org'], 'a@example.org.evil', true), false);
    assert.equal(emailAllowed(['example.org'], 'example.org@evil.test', true), false);
    assert.equal(emailAllowed(['example.org'], null, true), false);
  });

  it("takes the groups claim's strings that are group names, each once, at most 100", () => {
    assert.deepEqual(groupsOfClaim(['staff', ' staff ', 'Research Lab', 3, null, { name: 'x' }, '', 'bad\u0000name', 'x'.repeat(101)]), ['staff', 'Research Lab']);
    assert.deepEqual(groupsOfClaim('staff'), ['staff'], 'a lone string is one group');
    for (const none of [undefined, null, 42, { staff: true }, []]) assert.deepEqual(groupsOfClaim(none), [], JSON.stringify(none));
    const many = Array.from({ length: 150 }, (_, i) => `g${i}`);
    assert.deepEqual(groupsOfClaim(many), many.slice(0, 100));
  });

  it('counts mfa, otp and hwk in amr as two factors', () => {
    assert.equal(assertsMultiFactor(['pwd']), false);
    assert.equal(assertsMultiFactor([]), false);
    assert.equal(assertsMultiFactor(['pwd', 'otp']), true);
    assert.equal(assertsMultiFactor(['hwk']), true);
    assert.equal(assertsMultiFactor(['mfa']), true);
  });
});
