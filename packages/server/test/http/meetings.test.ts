// The meetings API in process (F4, F2, B1, G1, H2): create, read, update and delete through the
// real app with app.inject(), the organisation policy's refusals, and the audit trail each
// change leaves. The same routes are driven end to end in e2e/tests/attacker.test.ts and
// levels.test.ts; here each case runs in milliseconds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditKind, ErrorCode } from '@kaigi/protocol';
import { createMeeting, openTestApp, signedIn, TestBrowser, type TestApp } from '../support/services.js';

type Browser = Awaited<ReturnType<typeof signedIn>>;

describe('meetings API', () => {
  let t: TestApp;
  let host: Browser;
  before(async () => {
    t = await openTestApp();
    host = await signedIn(t, 'host');
  });
  after(() => t.close());

  it('G1: creates a meeting with a random ID and a generated password carried in the fragment only', async () => {
    const m = await createMeeting(host, 'Board');
    assert.match(m.id, /^[0-9a-hjkmnp-tv-z]{16}$/);
    assert.ok(m.password.length >= 10);
    const url = new URL(m.joinUrl);
    assert.equal(url.origin, 'https://kaigi.test');
    assert.equal(url.pathname, `/m/${m.id}`);
    assert.equal(url.search, '');
    assert.equal(new URLSearchParams(url.hash.slice(1)).get('pwd'), m.password);
    assert.equal(m.level, 'medium', "the organisation's default level");
    const kinds = (await t.services.audit.entries({ meetingId: m.id })).map((e) => e.kind);
    assert.deepEqual(kinds, [AuditKind.MEETING_CREATED]);
  });

  it('F4: reads, renames, re-passwords and deletes a meeting, auditing each change', async () => {
    const m = await createMeeting(host, 'Temporary');
    let r = await host.request('GET', `/api/meetings/${m.id}`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().title, 'Temporary');
    r = await host.request('PATCH', `/api/meetings/${m.id}`, { title: 'Renamed', password: 'a-new-long-password' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().title, 'Renamed');
    assert.equal(r.json().password, 'a-new-long-password');
    r = await host.request('GET', '/api/meetings');
    assert.ok(r.json().meetings.some((x: { id: string }) => x.id === m.id));

    r = await host.request('DELETE', `/api/meetings/${m.id}`);
    assert.equal(r.statusCode, 204);
    assert.equal((await host.request('GET', `/api/meetings/${m.id}`)).statusCode, 404);
    assert.equal(await t.services.meetings.get(m.id), undefined);
    const kinds = (await t.services.audit.entries({ meetingId: m.id })).map((e) => e.kind);
    assert.deepEqual(kinds, [AuditKind.MEETING_CREATED, AuditKind.MEETING_UPDATED, AuditKind.MEETING_DELETED]);
  });

  it('F4: locking through the API is audited as a lock', async () => {
    const m = await createMeeting(host);
    const r = await host.request('PATCH', `/api/meetings/${m.id}`, { locked: true });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().locked, true);
    const kinds = (await t.services.audit.entries({ meetingId: m.id })).map((e) => e.kind);
    assert.deepEqual(kinds, [AuditKind.MEETING_CREATED, AuditKind.MEETING_UPDATED, AuditKind.LOCKED]);
  });

  it('refuses an anonymous caller with 401 and a forged bearer token with 401', async () => {
    const anon = new TestBrowser(t.app);
    let r = await anon.request('GET', '/api/meetings');
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().code, ErrorCode.UNAUTHENTICATED);
    r = await anon.request('POST', '/api/meetings', { title: 'x' });
    assert.equal(r.statusCode, 401);
    r = await anon.request('GET', '/api/meetings', undefined, { headers: { authorization: 'Bearer kaigi_forged' } });
    assert.equal(r.statusCode, 401);
  });

  it('refuses a state change without the CSRF token, or with a wrong one, with 403 CSRF', async () => {
    const before = (await t.services.meetings.listForHost(host.userId)).length;
    for (const token of ['', 'wrong']) {
      const r = await host.request('POST', '/api/meetings', { title: 'Forged' }, { headers: { 'x-csrf-token': token } });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().code, ErrorCode.CSRF);
    }
    assert.equal((await t.services.meetings.listForHost(host.userId)).length, before, 'nothing was created');
  });

  it('accepts an API token as a bearer credential without CSRF, and not once revoked', async () => {
    const { id, token } = await t.services.users.createToken('host', 'ci');
    const api = new TestBrowser(t.app);
    const headers = { authorization: `Bearer ${token}` };
    let r = await api.request('POST', '/api/meetings', { title: 'Via token' }, { headers, origin: null });
    assert.equal(r.statusCode, 201);
    await t.services.users.revokeToken(id);
    r = await api.request('GET', '/api/meetings', undefined, { headers, origin: null });
    assert.equal(r.statusCode, 401);
  });

  it('H4: refuses malformed, unknown-field and oversized bodies with fixed answers that echo nothing', async () => {
    const cases: [unknown, number, string][] = [
      ['{"title": "secret-title-', 400, ErrorCode.VALIDATION],
      [{ title: '' }, 400, ErrorCode.VALIDATION],
      [{ title: 'ok', password: 'short' }, 400, ErrorCode.VALIDATION],
      [{ title: 'ok', isAdmin: true }, 400, ErrorCode.VALIDATION],
      [{ title: 'x'.repeat(100_000) }, 413, ErrorCode.MESSAGE_TOO_LARGE],
    ];
    for (const [body, status, code] of cases) {
      const r = await host.request('POST', '/api/meetings', body);
      assert.equal(r.statusCode, status, r.body);
      assert.equal(r.json().code, code);
      assert.ok(!r.body.includes('secret-title'), 'the answer quotes nothing of the request');
    }
  });

  it('H4: refuses a text/plain body with 415', async () => {
    const r = await host.request('POST', '/api/meetings', JSON.stringify({ title: 'T' }), { headers: { 'content-type': 'text/plain' } });
    assert.equal(r.statusCode, 415);
    assert.equal(r.json().code, ErrorCode.UNSUPPORTED_MEDIA_TYPE);
  });

  it('H4: unknown API paths are JSON 404s with the security headers', async () => {
    const r = await host.request('GET', '/api/no-such-thing');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, ErrorCode.NOT_FOUND);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.ok(r.headers['content-security-policy']);
  });
});

describe('meetings API under an organisation policy (F2)', () => {
  let t: TestApp;
  let host: Browser;
  before(async () => {
    t = await openTestApp(
      {},
      {
        policy: {
          levels: { allowed: ['high', 'medium'], default: 'medium' },
          passwordMinLength: 16,
          retentionMaxDays: 7,
          // This server (region 'local') is not a home region: no High meetings here.
          regions: { home: ['jp-home'], allowed: ['local'] },
        },
      },
    );
    host = await signedIn(t, 'policy-host');
  });
  after(() => t.close());

  const refusal = async (method: 'POST' | 'PATCH', url: string, body: Record<string, unknown>) => {
    const r = await host.request(method, url, body);
    return [r.statusCode, r.json().code];
  };

  it('F2: refuses to create what the organisation does not allow, and creates nothing', async () => {
    assert.deepEqual(await refusal('POST', '/api/meetings', { title: 'T', level: 'low' }), [422, ErrorCode.LEVEL_NOT_ALLOWED]);
    assert.deepEqual(await refusal('POST', '/api/meetings', { title: 'T', level: 'high', e2ee: true }), [422, ErrorCode.REGION_NOT_ALLOWED]);
    assert.deepEqual(await refusal('POST', '/api/meetings', { title: 'T', password: 'only12chars!' }), [422, ErrorCode.PASSWORD_TOO_SHORT]);
    assert.deepEqual(await refusal('POST', '/api/meetings', { title: 'T', retention: { recordings: 8 * 86400 } }), [422, ErrorCode.RETENTION_TOO_LONG]);
    assert.deepEqual(await refusal('POST', '/api/meetings', { title: 'T', level: 'medium', retention: { chat: 3600 } }), [422, ErrorCode.FORBIDDEN_BY_LEVEL]);
    assert.deepEqual(await t.services.meetings.listForHost(host.userId), []);
  });

  it('F2: creates at the default level with a password of the minimum length', async () => {
    const m = await createMeeting(host, 'Default');
    assert.equal(m.level, 'medium');
    assert.ok(m.password.length >= 16);
  });

  it('F2: refuses an update to what the organisation does not allow, and changes nothing', async () => {
    const m = await createMeeting(host, 'Kept');
    assert.deepEqual(await refusal('PATCH', `/api/meetings/${m.id}`, { level: 'low' }), [422, ErrorCode.LEVEL_NOT_ALLOWED]);
    assert.deepEqual(await refusal('PATCH', `/api/meetings/${m.id}`, { password: 'only12chars!' }), [422, ErrorCode.PASSWORD_TOO_SHORT]);
    assert.deepEqual(await refusal('PATCH', `/api/meetings/${m.id}`, { retention: { recordings: 8 * 86400 } }), [422, ErrorCode.RETENTION_TOO_LONG]);
    const after = (await host.request('GET', `/api/meetings/${m.id}`)).json();
    assert.equal(after.level, 'medium');
    assert.equal(after.password, m.password);
    const kinds = (await t.services.audit.entries({ meetingId: m.id })).map((e) => e.kind);
    assert.deepEqual(kinds, [AuditKind.MEETING_CREATED]);
  });
});
