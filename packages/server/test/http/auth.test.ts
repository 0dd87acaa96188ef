// Signing in and out through the real app in process (B1, B5, H2, H4): app.inject(), no socket.
// e2e/tests/attacker.test.ts drives the same routes against a spawned server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditKind, ErrorCode } from '@kaigi/protocol';
import { openTestApp, signedIn, TestBrowser, TEST_PASSWORD, type TestApp } from '../support/services.js';

const SESSION = '__Host-kaigi_session';

describe('auth routes', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(() => t.close());

  it('signs in with the right password: a session cookie, a CSRF token, an audit entry', async () => {
    const ada = await signedIn(t, 'ada');
    assert.ok(ada.cookie(SESSION));
    const res = await ada.request('GET', '/api/auth/session');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user: { id: ada.userId, username: 'ada', isAdmin: false }, csrfToken: ada.csrf, twoFactor: false });
    const entries = (await t.services.audit.entries()).filter((e) => e.actor === ada.userId);
    assert.deepEqual(entries.map((e) => e.kind), [AuditKind.SIGNIN_OK]);
  });

  it('tells an anonymous browser it is signed out, and gives it a device cookie (B6)', async () => {
    const anon = new TestBrowser(t.app);
    const res = await anon.request('GET', '/api/auth/session');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user: null, csrfToken: null, twoFactor: false });
    assert.match(anon.cookie('__Host-kaigi_device') ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  it('B1: refuses a wrong password and an unknown user alike with 401, audited, and no session', async () => {
    await t.services.users.add('grace', TEST_PASSWORD, false);
    const b = new TestBrowser(t.app);
    const wrong = await b.request('POST', '/api/auth/signin', { username: 'grace', password: 'not the password' });
    const unknown = await b.request('POST', '/api/auth/signin', { username: 'nobody', password: 'not the password' });
    for (const r of [wrong, unknown]) {
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().code, ErrorCode.INVALID_CREDENTIALS);
    }
    assert.deepEqual(wrong.json(), unknown.json(), 'the answer does not tell whether the account exists');
    assert.equal(b.cookie(SESSION), undefined);
    const failed = (await t.services.audit.entries()).filter((e) => e.kind === AuditKind.SIGNIN_FAILED);
    assert.deepEqual(failed.map((e) => e.actor), ['address:127.0.0.1', 'address:127.0.0.1']);
  });

  it('B1: refuses a cross-origin sign-in with 403 CSRF, before looking at the password', async () => {
    await t.services.users.add('mallory-target', TEST_PASSWORD, false);
    const b = new TestBrowser(t.app);
    const r = await b.request('POST', '/api/auth/signin', { username: 'mallory-target', password: TEST_PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().code, ErrorCode.CSRF);
    assert.equal(b.cookie(SESSION), undefined);
  });

  it('signs out: the session ends on the server, and sign-out itself needs the CSRF token', async () => {
    const lin = await signedIn(t, 'lin');
    const sid = lin.cookie(SESSION)!;
    const forged = await lin.request('POST', '/api/auth/signout', undefined, { headers: { 'x-csrf-token': 'forged' } });
    assert.equal(forged.statusCode, 403);
    assert.ok(await t.services.users.resolveSession(sid), 'a forged sign-out ends nothing');
    const r = await lin.request('POST', '/api/auth/signout');
    assert.equal(r.statusCode, 204);
    assert.equal(lin.cookie(SESSION), undefined);
    assert.equal(await t.services.users.resolveSession(sid), null);
    // The old cookie, replayed, is nobody.
    const replay = await new TestBrowser(t.app).request('GET', '/api/meetings', undefined, { headers: { cookie: `${SESSION}=${sid}` } });
    assert.equal(replay.statusCode, 401);
  });

  it('H4: refuses a sign-in body that is not JSON with 415, and an oversized one with 413', async () => {
    const b = new TestBrowser(t.app);
    const plain = await b.request('POST', '/api/auth/signin', 'username=a&password=b', { headers: { 'content-type': 'text/plain' } });
    assert.equal(plain.statusCode, 415);
    const big = await b.request('POST', '/api/auth/signin', { username: 'a', password: 'x'.repeat(200_000) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, ErrorCode.MESSAGE_TOO_LARGE);
  });
});

describe('sign-in guessing (B1)', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(() => t.close());

  it('B1: after five wrong passwords even the right one waits, with 429 and Retry-After', async () => {
    await t.services.users.add('host', TEST_PASSWORD, false);
    const anon = new TestBrowser(t.app);
    for (let i = 0; i < 5; i++) {
      const r = await anon.request('POST', '/api/auth/signin', { username: 'host', password: `guess-${i}` });
      assert.equal(r.statusCode, 401);
    }
    const r = await anon.request('POST', '/api/auth/signin', { username: 'host', password: TEST_PASSWORD });
    assert.equal(r.statusCode, 429);
    assert.equal(r.json().code, ErrorCode.RATE_LIMITED);
    assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.equal(anon.cookie(SESSION), undefined);
  });
});
