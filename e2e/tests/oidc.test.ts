// B5 single sign-on over raw HTTP against a real OpenID Connect provider (oidc-provider, started
// here on loopback) and real Kaigi servers: authorisation code with PKCE, state and nonce;
// accounts linked by (issuer, subject) only; tampered, unknown, foreign and replayed states
// refused; ID tokens for another audience or with a broken signature refused; the email domain
// allow-list; the provider's second-factor assertion (amr) counting for requireTwoFactorForHosts;
// the provider's groups claim, replaced at each sign-in, deciding who enters a groups-only meeting;
// a provider unreachable at start leaves the server running and SSO failing clearly.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Secret, TOTP } from 'otpauth';
import { auditRows } from '../support/audit.js';
import { createMeeting, hostSession, policyFile } from '../support/fixtures.js';
import { RedirectBrowser, startTestProvider, type TestAccount, type TestProvider } from '../support/oidcProvider.js';
import { freePort, startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

type Json = Record<string, any>;

const ACCOUNTS: Record<string, TestAccount> = {
  'sub-alice': { email: 'alice@example.org', preferredUsername: 'alice' },
  // Another person at the provider with the same email and preferred name: never Alice's account.
  'sub-mallory': { email: 'alice@example.org', preferredUsername: 'alice' },
  'sub-bob': { email: 'bob@other.test', preferredUsername: 'bob' },
  'sub-carol': { email: 'carol@example.org', emailVerified: false, preferredUsername: 'carol' },
  'sub-dan': { email: 'Dan.Smith@Example.org' },
  'sub-erin': { email: 'erin@example.org', preferredUsername: 'erin' },
  // Groups as a provider may send them: a number and a repeat among the names.
  'sub-gina': { email: 'gina@example.org', preferredUsername: 'gina', groups: ['staff', 42, ' Lab 1 ', 'staff'] },
};

const secret = () => randomBytes(24).toString('base64url');

interface Flow {
  browser: RedirectBrowser;
  /** Kaigi's redirect to the provider. */
  authUrl: URL;
  /** Where the provider sends the browser back (Kaigi's callback with code and state). */
  callbackUrl: string;
}

/** Start at Kaigi, sign in at the provider as `account`, and stop just before Kaigi's callback. */
async function toCallback(
  kaigi: RunningServer,
  provider: TestProvider,
  account: string,
  opts: { mfa?: boolean; cancel?: boolean; browser?: RedirectBrowser; next?: string } = {},
): Promise<Flow> {
  const browser = opts.browser ?? new RedirectBrowser();
  const start = await browser.fetch(`${kaigi.url}/api/auth/oidc/start${opts.next === undefined ? '' : `?${new URLSearchParams({ next: opts.next }).toString()}`}`);
  assert.equal(start.status, 302, start.text);
  assert.ok(start.location?.startsWith(provider.issuer), `redirected to the provider: ${start.location}`);
  const authUrl = new URL(start.location!);
  const login = await browser.follow(authUrl.href, kaigi.url);
  assert.equal(login.status, 200, `the provider's login page: ${login.status} ${login.text.slice(0, 300)}`);
  const action = /action="([^"]+)"/.exec(login.text)?.[1];
  assert.ok(action, 'login form');
  const form = new URLSearchParams(opts.cancel ? { cancel: '1' } : { login: account, ...(opts.mfa && { mfa: '1' }) });
  const submitted = await browser.fetch(new URL(action, provider.issuer).href, { method: 'POST', body: form.toString() });
  assert.ok(submitted.location, `login answered with a redirect: ${submitted.status} ${submitted.text.slice(0, 300)}`);
  const back = submitted.location.startsWith(kaigi.url) ? submitted : await browser.follow(submitted.location, kaigi.url);
  assert.ok(back.location?.startsWith(`${kaigi.url}/api/auth/oidc/callback?`), `back to Kaigi's callback: ${back.status} ${back.location} ${back.text.slice(0, 300)}`);
  return { browser, authUrl, callbackUrl: back.location! };
}

/** Kaigi's answer to the callback: where it sends the browser, and the session it then has. */
async function callback(kaigi: RunningServer, browser: RedirectBrowser, url: string): Promise<{ location: string | null; session: Json }> {
  const r = await browser.fetch(url);
  assert.equal(r.status, 302, r.text);
  const s = await browser.fetch(`${kaigi.url}/api/auth/session`);
  return { location: r.location, session: JSON.parse(s.text) };
}

async function signIn(kaigi: RunningServer, provider: TestProvider, account: string, opts: { mfa?: boolean; next?: string } = {}) {
  const flow = await toCallback(kaigi, provider, account, opts);
  const done = await callback(kaigi, flow.browser, flow.callbackUrl);
  return { ...flow, ...done };
}

/** Kaigi's callback while the provider's token endpoint answers with `tamper` applied. */
async function callbackTampered(kaigi: RunningServer, provider: TestProvider, flow: Flow, tamper: NonNullable<TestProvider['tamperToken']>) {
  provider.tamperToken = tamper;
  try {
    return await callback(kaigi, flow.browser, flow.callbackUrl);
  } finally {
    provider.tamperToken = null;
  }
}

const errorOf = (location: string | null) => (location ? new URL(location).searchParams.get('error') : null);

function signInAudit(kaigi: RunningServer): { kind: string; actor: string; data: Json }[] {
  const db = new Database(path.join(kaigi.dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const rows = db.prepare("select kind, actor, data from audit_log where kind in ('signin.ok', 'signin.failed', 'user.added') order by seq").all() as {
      kind: string;
      actor: string;
      data: string;
    }[];
    return rows.map((r) => ({ kind: r.kind, actor: r.actor, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}

const lastAudit = (kaigi: RunningServer) => signInAudit(kaigi).at(-1);

describe('single sign-on through OpenID Connect (B5)', () => {
  let provider: TestProvider;
  let kaigi: RunningServer;
  let restricted: RunningServer;
  let plain: RunningServer;
  const otherClient = { clientId: 'another-app', clientSecret: secret(), redirectUris: ['https://127.0.0.1:9/elsewhere'] };

  before(async () => {
    provider = await startTestProvider();
    const kaigiSecret = secret();
    kaigi = await startServer({
      KAIGI_OIDC_ISSUER: provider.issuer,
      KAIGI_OIDC_CLIENT_ID: 'kaigi',
      KAIGI_OIDC_CLIENT_SECRET: kaigiSecret,
      KAIGI_OIDC_NAME: 'Company SSO',
    });
    // A second organisation: secret from a file, only example.org, hosts need two factors.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-oidc-'));
    const restrictedSecret = secret();
    fs.writeFileSync(path.join(dir, 'secret'), `${restrictedSecret}\n`);
    restricted = await startServer({
      KAIGI_OIDC_ISSUER: provider.issuer,
      KAIGI_OIDC_CLIENT_ID: 'kaigi-restricted',
      KAIGI_OIDC_CLIENT_SECRET_FILE: path.join(dir, 'secret'),
      KAIGI_OIDC_NAME: 'Example SSO',
      KAIGI_OIDC_ALLOWED_DOMAINS: 'example.org',
      KAIGI_POLICY_FILE: policyFile({ requireTwoFactorForHosts: true }),
    });
    plain = await startServer();
    provider.attach({
      clients: [
        { clientId: 'kaigi', clientSecret: kaigiSecret, redirectUris: [`${kaigi.url}/api/auth/oidc/callback`] },
        { clientId: 'kaigi-restricted', clientSecret: restrictedSecret, redirectUris: [`${restricted.url}/api/auth/oidc/callback`] },
        otherClient,
      ],
      accounts: ACCOUNTS,
    });
  });
  after(async () => {
    await Promise.all([kaigi?.stop(), restricted?.stop(), plain?.stop()]);
    await provider?.close();
  });

  it('lists the provider for the sign-in page, and nothing where none is configured', async () => {
    const r = await fetch(`${kaigi.url}/api/auth/providers`);
    assert.deepEqual(await r.json(), [{ id: 'oidc', name: 'Company SSO' }]);
    assert.deepEqual(await (await fetch(`${plain.url}/api/auth/providers`)).json(), []);
    const start = await new RedirectBrowser().fetch(`${plain.url}/api/auth/oidc/start`);
    assert.equal(start.status, 404);
    const doc = (await (await fetch(`${kaigi.url}/api/openapi.json`)).json()) as Json;
    for (const p of ['/api/auth/providers', '/api/auth/oidc/start', '/api/auth/oidc/callback']) assert.ok(doc.paths[p]?.get, `OpenAPI documents ${p}`);
  });

  it('signs in with code + PKCE (S256), state and nonce, creates the account once, and finds it again by subject', async () => {
    const first = await signIn(kaigi, provider, 'sub-alice');
    const q = first.authUrl.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((q.get('state') ?? '').length >= 32 && (q.get('nonce') ?? '').length >= 32, 'random state and nonce');
    assert.equal(q.get('redirect_uri'), `${kaigi.url}/api/auth/oidc/callback`);
    assert.ok(q.get('scope')?.split(' ').includes('openid'));

    assert.equal(first.location, `${kaigi.url}/`);
    assert.equal(first.session.user?.username, 'alice');
    assert.equal(first.session.user?.isAdmin, false);
    assert.equal(first.session.twoFactor, false, 'the provider asserted only a password');
    assert.match(first.session.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    // The session is a real one: it may create a meeting with its CSRF token.
    const headers = { cookie: [...first.browser.cookies(kaigi.url)].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/json', 'x-csrf-token': first.session.csrfToken };
    const made = await fetch(`${kaigi.url}/api/meetings`, { method: 'POST', headers, body: JSON.stringify({ title: 'SSO meeting' }) });
    assert.equal(made.status, 201, await made.text());

    // Another browser, the same subject: the same account.
    const again = await signIn(kaigi, provider, 'sub-alice');
    assert.equal(again.session.user?.id, first.session.user.id);

    const audit = signInAudit(kaigi);
    assert.equal(audit.filter((a) => a.kind === 'user.added').length, 1, 'one account made');
    const ok = audit.filter((a) => a.kind === 'signin.ok');
    assert.equal(ok.length, 2);
    for (const a of ok) {
      assert.equal(a.actor, first.session.user.id);
      assert.equal(a.data.method, 'oidc');
      assert.equal(a.data.issuer, provider.issuer);
      assert.equal(a.data.mfa, false);
    }
    // The account has no password that anyone knows.
    const pw = await fetch(`${kaigi.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery staple' }) });
    assert.equal(pw.status, 401);
    const db = new Database(path.join(kaigi.dataDir, 'kaigi.sqlite'), { readonly: true });
    try {
      const link = db.prepare('select issuer, subject, user_id, email, email_verified from oidc_identities').all();
      assert.deepEqual(link, [{ issuer: provider.issuer, subject: 'sub-alice', user_id: first.session.user.id, email: 'alice@example.org', email_verified: 1 }]);
      const methods = db.prepare('select distinct sign_in_method from sessions where user_id = ?').all(first.session.user.id);
      assert.deepEqual(methods, [{ sign_in_method: 'oidc' }]);
    } finally {
      db.close();
    }
  });

  it('never links by email or name: another subject with the same email gets its own account', async () => {
    const alice = await signIn(kaigi, provider, 'sub-alice');
    const mallory = await signIn(kaigi, provider, 'sub-mallory');
    assert.ok(mallory.session.user, 'signed in');
    assert.notEqual(mallory.session.user.id, alice.session.user.id);
    assert.notEqual(mallory.session.user.username, 'alice');
    assert.match(mallory.session.user.username, /^alice-\d+$/);
    // A username from the email when the provider gives no preferred name.
    const dan = await signIn(kaigi, provider, 'sub-dan');
    assert.equal(dan.session.user?.username, 'dan.smith');
  });

  it('refuses a tampered state, an unknown state, and a callback opened in another browser; the genuine one still works', async () => {
    const flow = await toCallback(kaigi, provider, 'sub-alice');
    const tampered = new URL(flow.callbackUrl);
    const state = tampered.searchParams.get('state')!;
    tampered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
    let r = await callback(kaigi, flow.browser, tampered.href);
    assert.equal(errorOf(r.location), 'sso_state');
    assert.equal(r.session.user, null);
    assert.equal(lastAudit(kaigi)?.kind, 'signin.failed');
    assert.equal(lastAudit(kaigi)?.data.reason, 'state');

    const unknown = new URL(flow.callbackUrl);
    unknown.searchParams.set('state', randomBytes(32).toString('base64url'));
    r = await callback(kaigi, flow.browser, unknown.href);
    assert.equal(errorOf(r.location), 'sso_state');

    const noState = new URL(flow.callbackUrl);
    noState.searchParams.delete('state');
    r = await callback(kaigi, flow.browser, noState.href);
    assert.equal(errorOf(r.location), 'sso_state');

    r = await callback(kaigi, flow.browser, flow.callbackUrl);
    assert.equal(r.location, `${kaigi.url}/`);
    assert.equal(r.session.user?.username, 'alice');

    // A callback URL carried to another browser (login CSRF): that browser never started it.
    const stolen = await toCallback(kaigi, provider, 'sub-mallory');
    const victim = new RedirectBrowser();
    r = await callback(kaigi, victim, stolen.callbackUrl);
    assert.equal(errorOf(r.location), 'sso_state');
    assert.equal(r.session.user, null);
    // Refused once, the state is gone for its own browser too.
    r = await callback(kaigi, stolen.browser, stolen.callbackUrl);
    assert.equal(errorOf(r.location), 'sso_state');
  });

  it('refuses a replayed callback (the same state twice), in the same browser or another', async () => {
    const flow = await signIn(kaigi, provider, 'sub-alice');
    assert.equal(flow.session.user?.username, 'alice');
    let r = await callback(kaigi, flow.browser, flow.callbackUrl);
    assert.equal(errorOf(r.location), 'sso_state');
    // The session of the first callback is unharmed by the refused replay.
    assert.equal(r.session.user?.username, 'alice');
    r = await callback(kaigi, new RedirectBrowser(), flow.callbackUrl);
    assert.equal(errorOf(r.location), 'sso_state');
    assert.equal(r.session.user, null);
  });

  it("refuses an ID token issued to another client (another audience), even with Kaigi's nonce", async () => {
    const flow = await toCallback(kaigi, provider, 'sub-alice');
    const nonce = flow.authUrl.searchParams.get('nonce')!;
    // The same person signs in to another app of the provider, whose request carries Kaigi's nonce.
    const verifier = randomBytes(32).toString('base64url');
    const other = new URL(`${provider.issuer}/auth`);
    other.search = new URLSearchParams({
      client_id: otherClient.clientId,
      redirect_uri: otherClient.redirectUris[0]!,
      response_type: 'code',
      scope: 'openid email',
      state: 'other-state',
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const browser = new RedirectBrowser();
    const login = await browser.follow(other.href, otherClient.redirectUris[0]!);
    const action = /action="([^"]+)"/.exec(login.text)![1]!;
    const done = await browser.fetch(new URL(action, provider.issuer).href, { method: 'POST', body: 'login=sub-alice' });
    const back = await browser.follow(done.location!, otherClient.redirectUris[0]!);
    const code = new URL(back.location!).searchParams.get('code')!;
    const tokenRes = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${otherClient.clientId}:${otherClient.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: otherClient.redirectUris[0]!, code_verifier: verifier }).toString(),
    });
    const foreign = ((await tokenRes.json()) as Json).id_token as string;
    const payload = JSON.parse(Buffer.from(foreign.split('.')[1]!, 'base64url').toString()) as Json;
    assert.equal(payload.aud, otherClient.clientId);
    assert.equal(payload.nonce, nonce);

    // Kaigi's code exchange gets the other app's token (validly signed by the provider).
    const r = await callbackTampered(kaigi, provider, flow, (body) => ({ ...body, id_token: foreign }));
    assert.equal(errorOf(r.location), 'sso_refused');
    assert.equal(r.session.user, null);
    const audit = lastAudit(kaigi);
    assert.equal(audit?.kind, 'signin.failed');
    assert.equal(audit?.data.reason, 'token');
    assert.match(JSON.stringify(audit?.data), /aud/);
  });

  it('refuses an ID token whose signature does not verify', async () => {
    const flow = await toCallback(kaigi, provider, 'sub-alice');
    let r = await callbackTampered(kaigi, provider, flow, (body) => {
      const [h, p, s] = (body.id_token as string).split('.') as [string, string, string];
      // Same header and claims; one bit of the signature flipped.
      const sig = Buffer.from(s, 'base64url');
      sig[10] = sig[10]! ^ 0x01;
      return { ...body, id_token: `${h}.${p}.${sig.toString('base64url')}` };
    });
    assert.equal(errorOf(r.location), 'sso_refused');
    assert.equal(r.session.user, null);
    assert.match(JSON.stringify(lastAudit(kaigi)?.data), /signature/i);

    // Claims changed under the provider's signature (another subject): refused as well.
    const flow2 = await toCallback(kaigi, provider, 'sub-alice');
    r = await callbackTampered(kaigi, provider, flow2, (body) => {
      const [h, p, s] = (body.id_token as string).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json;
      claims.sub = 'sub-bob';
      return { ...body, id_token: `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}` };
    });
    assert.equal(errorOf(r.location), 'sso_refused');
    assert.equal(r.session.user, null);
  });

  it('tells the sign-in page when the person cancelled at the provider', async () => {
    const flow = await toCallback(kaigi, provider, 'sub-alice', { cancel: true });
    assert.equal(new URL(flow.callbackUrl).searchParams.get('error'), 'access_denied');
    const r = await callback(kaigi, flow.browser, flow.callbackUrl);
    assert.equal(errorOf(r.location), 'sso_cancelled');
    assert.equal(r.session.user, null);
    assert.equal(lastAudit(kaigi)?.data.error, 'access_denied');
  });

  it('admits only the allowed email domains, and only addresses the provider did not call unverified', async () => {
    const bob = await signIn(restricted, provider, 'sub-bob');
    assert.equal(bob.location, `${restricted.url}/signin?error=sso_domain`);
    assert.equal(bob.session.user, null);
    const refusal = lastAudit(restricted);
    assert.equal(refusal?.kind, 'signin.failed');
    assert.equal(refusal?.data.reason, 'domain');
    assert.equal(refusal?.data.domain, 'other.test');

    const carol = await signIn(restricted, provider, 'sub-carol');
    assert.equal(errorOf(carol.location), 'sso_domain');

    const dan = await signIn(restricted, provider, 'sub-dan');
    assert.equal(dan.session.user?.username, 'dan.smith', 'domains compare without regard to case');
    // No account was made for the refused people.
    const db = new Database(path.join(restricted.dataDir, 'kaigi.sqlite'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('select username from users order by username').all(), [{ username: 'dan.smith' }]);
    } finally {
      db.close();
    }
  });

  it("counts the provider's second factor (amr) for requireTwoFactorForHosts", async () => {
    const weak = await signIn(restricted, provider, 'sub-alice');
    assert.equal(weak.session.twoFactor, false);
    const post = (flow: { browser: RedirectBrowser; session: Json }) =>
      fetch(`${restricted.url}/api/meetings`, {
        method: 'POST',
        headers: {
          cookie: [...flow.browser.cookies(restricted.url)].map(([k, v]) => `${k}=${v}`).join('; '),
          'content-type': 'application/json',
          'x-csrf-token': flow.session.csrfToken,
        },
        body: JSON.stringify({ title: 'Board' }),
      });
    let r = await post(weak);
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as Json).code, 'TWO_FACTOR_REQUIRED');

    const strong = await signIn(restricted, provider, 'sub-alice', { mfa: true });
    assert.equal(strong.session.user?.id, weak.session.user.id);
    assert.equal(strong.session.twoFactor, true);
    r = await post(strong);
    assert.equal(r.status, 201, await r.text());
    const ok = lastAudit(restricted);
    assert.equal(ok?.kind, 'signin.ok');
    assert.equal(ok?.data.mfa, true);
    assert.deepEqual(ok?.data.amr, ['pwd', 'otp']);
  });

  it("asks the account's own second factor after single sign-on, and the session says both", async () => {
    const first = await signIn(kaigi, provider, 'sub-erin');
    assert.equal(first.session.user?.username, 'erin');
    const api = (method: string, path: string, body?: unknown) =>
      first.browser.fetch(`${kaigi.url}${path}`, {
        method,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), 'x-csrf-token': first.session.csrfToken },
      });
    const begin = JSON.parse((await api('POST', '/api/auth/two-factor/totp')).text) as Json;
    const totp = new TOTP({ secret: Secret.fromBase32(begin.secret), algorithm: 'SHA1', digits: 6, period: 30 });
    const confirmed = await api('POST', '/api/auth/two-factor/totp/confirm', { code: totp.generate() });
    assert.equal(confirmed.status, 200, confirmed.text);

    // Signing in through the provider again: no session yet, the sign-in page gets a ticket in the fragment.
    const flow = await toCallback(kaigi, provider, 'sub-erin', { mfa: true });
    const r = await flow.browser.fetch(flow.callbackUrl);
    assert.equal(r.status, 302);
    const to = new URL(r.location!);
    assert.equal(to.pathname, '/signin');
    assert.equal(to.search, '');
    const m = /^#second-factor=([A-Za-z0-9_-]+)$/.exec(to.hash);
    assert.ok(m, `a second-factor fragment: ${to.hash}`);
    const challenge = JSON.parse(Buffer.from(m[1]!, 'base64url').toString()) as Json;
    assert.ok(challenge.methods.includes('totp'));
    let session = JSON.parse((await flow.browser.fetch(`${kaigi.url}/api/auth/session`)).text) as Json;
    assert.equal(session.user, null, 'no session before the second factor');

    const done = await flow.browser.fetch(`${kaigi.url}/api/auth/signin/totp`, {
      method: 'POST',
      body: JSON.stringify({ ticket: challenge.ticket, code: totp.generate({ timestamp: Date.now() + 30_000 }) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(done.status, 200, done.text);
    session = JSON.parse((await flow.browser.fetch(`${kaigi.url}/api/auth/session`)).text) as Json;
    assert.equal(session.user?.id, first.session.user.id);
    assert.equal(session.twoFactor, true);
    const ok = lastAudit(kaigi);
    assert.equal(ok?.kind, 'signin.ok');
    assert.equal(ok?.data.method, 'oidc');
    assert.equal(ok?.data.secondFactor, 'totp');
    const db = new Database(path.join(kaigi.dataDir, 'kaigi.sqlite'), { readonly: true });
    try {
      const methods = db.prepare('select sign_in_method, two_factor from sessions where user_id = ? order by created_at').all(first.session.user.id);
      assert.deepEqual(methods.at(-1), { sign_in_method: 'oidc', two_factor: 1 });
    } finally {
      db.close();
    }
  });

  it("admits a groups-only meeting by the groups the provider sent at the last sign-in, and refuses accounts without them", async () => {
    const host = await hostSession(kaigi, 'sso-host');
    const m = await createMeeting(host, 'Staff meeting', { level: 'medium', entry: { membersOnly: true, emailDomains: [], groups: ['staff'] } });
    const sockets: WsClient[] = [];
    const joins = async (cookie: string) => {
      const ws = await WsClient.connect(kaigi.url, { cookie });
      sockets.push(ws);
      return ws.request({ type: 'join', meetingId: m.id, displayName: 'Member', password: m.password });
    };
    const cookieOf = (b: RedirectBrowser) => [...b.cookies(kaigi.url)].map(([k, v]) => `${k}=${v}`).join('; ');
    const stored = (subject: string) => {
      const db = new Database(path.join(kaigi.dataDir, 'kaigi.sqlite'), { readonly: true });
      try {
        return (db.prepare('select groups from oidc_identities where subject = ?').get(subject) as { groups: string | null }).groups;
      } finally {
        db.close();
      }
    };
    try {
      assert.equal((await joins(host.cookieHeader())).type, 'joined', 'the host');

      const gina = await signIn(kaigi, provider, 'sub-gina');
      assert.equal(gina.session.user?.username, 'gina');
      assert.equal(stored('sub-gina'), JSON.stringify(['staff', 'Lab 1']), 'the strings that are names, trimmed, each once');
      assert.equal(lastAudit(kaigi)?.data.groups, 2, 'the sign-in says how many groups came, not which');
      const admitted = await joins(cookieOf(gina.browser));
      assert.equal(admitted.type, 'joined', JSON.stringify(admitted));
      assert.equal(admitted.state, 'waiting');

      // A provider that sends no groups claim: the account has none, and is refused.
      const alice = await signIn(kaigi, provider, 'sub-alice');
      assert.equal(stored('sub-alice'), '[]');
      assert.equal(lastAudit(kaigi)?.data.groups, null);
      assert.equal((await joins(cookieOf(alice.browser))).code, 'MEMBERS_ONLY');

      // The provider takes Gina out of staff: her next sign-in replaces the account's groups.
      ACCOUNTS['sub-gina'] = { ...ACCOUNTS['sub-gina']!, groups: ['Lab 1'] };
      const again = await signIn(kaigi, provider, 'sub-gina');
      assert.equal(again.session.user?.id, gina.session.user.id);
      assert.equal(stored('sub-gina'), JSON.stringify(['Lab 1']));
      const dropped = await joins(cookieOf(again.browser));
      assert.equal(dropped.code, 'MEMBERS_ONLY', JSON.stringify(dropped));
      assert.doesNotMatch(dropped.message, /staff/);

      // An administrator's groups stand beside the provider's (which the next sign-in replaces).
      const set = await kaigi.cli(['user', 'groups', 'gina', 'staff']);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /user gina is in groups: staff\n.*single sign-on.*: Lab 1/);
      assert.equal((await joins(cookieOf(again.browser))).type, 'joined');

      const rules = auditRows(kaigi.dataDir, m.id).filter((e) => e.kind === 'join.refused' && e.data.rule);
      assert.deepEqual(
        rules.map((e) => [e.data.userId, e.data.rule]),
        [
          [alice.session.user.id, 'group'],
          [gina.session.user.id, 'group'],
        ],
      );
    } finally {
      for (const ws of sockets) ws.close();
    }
  });

  it('refuses a disabled account', async () => {
    assert.equal((await restricted.cli(['user', 'disable', 'dan.smith'])).code, 0);
    const r = await signIn(restricted, provider, 'sub-dan');
    assert.equal(errorOf(r.location), 'sso_disabled');
    assert.equal(r.session.user, null);
  });

  it('comes back to the join link it started from, and never to another site', async () => {
    const r = await signIn(kaigi, provider, 'sub-alice', { next: '/m/m_abcdefghijklmnop?x=1' });
    assert.equal(r.location, `${kaigi.url}/m/m_abcdefghijklmnop?x=1`);
    assert.equal(r.session.user?.username, 'alice');
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/m/a b', `/${'a'.repeat(600)}`]) {
      const other = await signIn(kaigi, provider, 'sub-alice', { next });
      assert.equal(other.location, `${kaigi.url}/`, `dropped: ${next}`);
    }
    // Erin has her own second factor: the sign-in page asks it, then goes on to the same path.
    const erin = await signIn(kaigi, provider, 'sub-erin', { next: '/m/m_abcdefghijklmnop' });
    const at = new URL(erin.location ?? '');
    assert.equal(at.pathname, '/signin');
    assert.equal(at.searchParams.get('next'), '/m/m_abcdefghijklmnop');
    assert.match(at.hash, /^#second-factor=/);
  });

  // Last on this server: it leaves the address rate limited.
  it('slows down a flood of sign-in starts from one address (each stores a pending login)', async () => {
    await signIn(kaigi, provider, 'sub-alice'); // a completed sign-in clears the count
    const browser = new RedirectBrowser();
    for (let i = 0; i < 30; i++) {
      const r = await browser.fetch(`${kaigi.url}/api/auth/oidc/start`);
      assert.ok(r.location?.startsWith(provider.issuer), `start ${i + 1} goes to the provider`);
    }
    const limited = await browser.fetch(`${kaigi.url}/api/auth/oidc/start`);
    assert.equal(limited.status, 302);
    assert.equal(errorOf(limited.location), 'sso_rate_limited');
  });
});

describe('single sign-on with the provider unreachable at start (B5)', () => {
  let kaigi: RunningServer;

  before(async () => {
    const closed = await freePort();
    kaigi = await startServer({
      KAIGI_OIDC_ISSUER: `http://127.0.0.1:${closed}`,
      KAIGI_OIDC_CLIENT_ID: 'kaigi',
      KAIGI_OIDC_CLIENT_SECRET: secret(),
      KAIGI_OIDC_NAME: 'Company SSO',
    });
  });
  after(async () => {
    await kaigi?.stop();
  });

  it('runs, offers the button, and sends a sign-in back with sso_unavailable', async () => {
    assert.equal((await fetch(`${kaigi.url}/api/health`)).status, 200);
    assert.deepEqual(await (await fetch(`${kaigi.url}/api/auth/providers`)).json(), [{ id: 'oidc', name: 'Company SSO' }]);
    for (let i = 0; i < 2; i++) {
      const r = await new RedirectBrowser().fetch(`${kaigi.url}/api/auth/oidc/start`);
      assert.equal(r.status, 302);
      assert.equal(r.location, `${kaigi.url}/signin?error=sso_unavailable`);
    }
    assert.match(kaigi.log(), /single sign-on provider not reachable/);
  });

  it('slows down a flood of made-up callbacks from one address', async () => {
    const browser = new RedirectBrowser();
    const errors: (string | null)[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await browser.fetch(`${kaigi.url}/api/auth/oidc/callback?code=x&state=${randomBytes(32).toString('base64url')}`);
      errors.push(errorOf(r.location));
    }
    assert.deepEqual(errors.slice(0, 20), Array(20).fill('sso_state'));
    assert.deepEqual(errors.slice(20), ['sso_rate_limited', 'sso_rate_limited']);
    // Only the refusals that passed the limiter are in the audit log.
    assert.equal(signInAudit(kaigi).filter((a) => a.kind === 'signin.failed').length, 20);
  });
});
