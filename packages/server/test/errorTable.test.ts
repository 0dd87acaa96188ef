// Issue 14 item 3: one table from error code to HTTP status and WebSocket behaviour, and the HTTP
// error handler that reads it, in process (buildApp + inject, no port, no spawned server).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ERROR_MESSAGES, ErrorCode } from '@kaigi/protocol';
import { loadConfig } from '../src/config.js';
import { auditedByConnection, endsSession, ERROR_RULES, httpStatus, KaigiError, type SessionEndCode } from '../src/errors.js';
import { buildApp } from '../src/http/app.js';
import { loadOrCreateCertificate } from '../src/http/certificate.js';
import { openServices, type Services } from '../src/services.js';

describe('the error table', () => {
  it('gives every protocol error code an HTTP error status and a WebSocket behaviour', () => {
    assert.deepEqual(Object.keys(ERROR_RULES).sort(), Object.values(ErrorCode).sort());
    for (const code of Object.values(ErrorCode)) {
      const rule = ERROR_RULES[code];
      assert.ok(rule.http >= 400 && rule.http <= 599, `${code}: ${rule.http}`);
      assert.ok(rule.ws === 'refuse' || rule.ws === 'end', code);
      // Only the server's own failure is a 500; a 5xx of another code is one it means to show (507).
      assert.equal(rule.http === 500, code === ErrorCode.INTERNAL, code);
    }
  });

  it('H2: leaves to the admission the refusals it audits itself, and ends the session only on the four ends', () => {
    const notByConnection = Object.values(ErrorCode).filter((c) => !auditedByConnection(c));
    assert.deepEqual(notByConnection.sort(), ['BANNED', 'INVALID_RESUME', 'LOCKED', 'RATE_LIMITED', 'WRONG_PASSWORD']);
    assert.deepEqual(Object.values(ErrorCode).filter(endsSession).sort(), ['DENIED', 'MEETING_ENDED', 'REMOVED', 'REPLACED']);
    // The type says the same: Peer.end can take exactly these (a refusal code is a compile error).
    const ends: SessionEndCode[] = ['DENIED', 'MEETING_ENDED', 'REMOVED', 'REPLACED'];
    // @ts-expect-error BANNED refuses a request, it does not end a session
    const banned: SessionEndCode = 'BANNED';
    assert.ok(ends.every(endsSession) && !endsSession(banned));
  });

  it('F1: answers FORBIDDEN_BY_LEVEL with 403 for an action and 422 for a requested setting', () => {
    assert.equal(httpStatus(new KaigiError(ErrorCode.FORBIDDEN_BY_LEVEL)), 403);
    assert.equal(httpStatus(new KaigiError(ErrorCode.FORBIDDEN_BY_LEVEL, { setting: 'retention.chat' })), 422);
    // A setting named on a code with one status changes nothing.
    assert.equal(httpStatus(new KaigiError(ErrorCode.LEVEL_CANNOT_BE_LOWERED, { setting: 'level' })), 409);
  });
});

describe('the HTTP error handler (in process)', () => {
  let dir: string;
  let services: Services;
  let app: FastifyInstance;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-errors-'));
    const config = loadConfig({ KAIGI_DATA_DIR: dir, KAIGI_LOG_LEVEL: 'silent', KAIGI_CLIENT_DIR: path.join(dir, 'no-client') });
    services = await openServices(config);
    const cert = await loadOrCreateCertificate({ dataDir: dir, certPath: null, keyPath: null, hostNames: [] });
    app = await buildApp(services, cert);
    // Routes added before the app is ready go through the same error handler as the real ones.
    app.get('/api/test/rate-limited', async () => {
      throw new KaigiError(ErrorCode.RATE_LIMITED, { retryAfterMs: 2_500 });
    });
    app.get('/api/test/details', async () => {
      throw new KaigiError(ErrorCode.VALIDATION, { message: 'Two fields are wrong.', details: [{ path: 'title', message: 'too short' }] });
    });
    app.get('/api/test/setting', async () => {
      throw new KaigiError(ErrorCode.FORBIDDEN_BY_LEVEL, { setting: 'retention.chat', message: 'medium meetings keep no chat on the server.' });
    });
    app.get('/api/test/quota', async () => {
      throw new KaigiError(ErrorCode.QUOTA_EXCEEDED);
    });
    app.get('/api/test/internal', async () => {
      throw new KaigiError(ErrorCode.INTERNAL, 'the disk /srv/kaigi is full');
    });
    app.get('/api/test/crash', async () => {
      throw new Error('SQLITE_CORRUPT at /srv/kaigi/kaigi.db');
    });
    await app.ready();
  });

  after(async () => {
    await app.close();
    await services.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a KaigiError with its code’s status, its code and message, and a Retry-After in whole seconds', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/test/rate-limited' });
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '3');
    assert.deepEqual(r.json(), { code: 'RATE_LIMITED', message: ERROR_MESSAGES.RATE_LIMITED, retryAfterMs: 2_500 });
  });

  it('passes details and the thrower’s message on', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/test/details' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.headers['retry-after'], undefined);
    assert.deepEqual(r.json(), { code: 'VALIDATION', message: 'Two fields are wrong.', details: [{ path: 'title', message: 'too short' }] });
  });

  it('answers a refused setting with the code’s setting status, and sends no word of the setting field', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/test/setting' });
    assert.equal(r.statusCode, 422);
    assert.deepEqual(r.json(), { code: 'FORBIDDEN_BY_LEVEL', message: 'medium meetings keep no chat on the server.' });
  });

  it('E1: shows QUOTA_EXCEEDED with its 507, a 5xx the table means to show', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/test/quota' });
    assert.equal(r.statusCode, 507);
    assert.equal(r.json().code, 'QUOTA_EXCEEDED');
  });

  it('H4: hides any other failure, and the words of an INTERNAL one, behind 500 INTERNAL', async () => {
    for (const url of ['/api/test/crash', '/api/test/internal']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 500, url);
      assert.deepEqual(r.json(), { code: 'INTERNAL', message: ERROR_MESSAGES.INTERNAL }, url);
      assert.ok(!r.body.includes('/srv/kaigi'), url);
    }
  });

  it('answers the real routes’ refusals from the table: no sign-in is 401 UNAUTHENTICATED, a body that is no object 400 VALIDATION', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/api/meetings' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, 'UNAUTHENTICATED');
    const origin = services.config.publicUrl;
    const notObject = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: { origin, 'content-type': 'application/json' }, payload: '[1]' });
    assert.equal(notObject.statusCode, 400);
    assert.deepEqual(notObject.json(), { code: 'VALIDATION', message: 'The request body must be a JSON object.' });
  });
});
