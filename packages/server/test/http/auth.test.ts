// Signing in and out through the real app in process (B1, B5, H4): app.inject(), no socket.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@kaigi/protocol';
import { openTestApp, signedIn, TestBrowser, TEST_PASSWORD, type TestApp } from '../support/services.js';

describe('auth routes', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(() => t.close());

  it('signs in with the right password: a session cookie and a CSRF token', async () => {
    const host = await signedIn(t, 'ada');
    assert.ok(host.cookie('__Host-kaigi_session'));
    const res = await host.request('GET', '/api/auth/session');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().user, { id: host.userId, username: 'ada', isAdmin: false });
    assert.equal(res.json().csrfToken, host.csrf);
  });

  it('B1: refuses a wrong password with 401 and no session', async () => {
    await t.services.users.add('grace', TEST_PASSWORD, false);
    const b = new TestBrowser(t.app);
    const res = await b.request('POST', '/api/auth/signin', { username: 'grace', password: 'not the password' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, ErrorCode.INVALID_CREDENTIALS);
    assert.equal(b.cookie('__Host-kaigi_session'), undefined);
  });
});
