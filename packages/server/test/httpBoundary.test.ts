// H4: the HTTP boundary in process. parseBody refuses anything but a plain object before looking
// inside and bounds its answer; the HTTP timeouts have sane defaults and come from the
// environment; the storage quota section of the organisation policy is optional (E1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { DEFAULT_STORAGE_QUOTA, OrganisationPolicy, SignInRequest, defaultOrganisationPolicy } from '@kaigi/protocol';
import { loadConfig } from '../src/config.js';
import { httpStatus, KaigiError } from '../src/errors.js';
import { nodeTimeouts } from '../src/http/timeouts.js';
import { parseBody } from '../src/http/validate.js';

/** The error parseBody throws, and the size of the answer it would make. */
function refusal(schema: z.ZodType, body: unknown): { err: KaigiError; bytes: number } {
  try {
    parseBody(schema, body);
  } catch (e) {
    assert.ok(e instanceof KaigiError);
    return { err: e, bytes: JSON.stringify({ code: e.code, message: e.message, details: e.details }).length };
  }
  assert.fail('parseBody accepted the body');
}

describe('request bodies (H4)', () => {
  it('H4: refuses a Buffer, an array, a string or null before looking inside, with a short answer', () => {
    for (const body of [Buffer.alloc(1024 * 1024), Array.from({ length: 10_000 }, () => 1), 'x'.repeat(100_000), null, 7]) {
      const { err, bytes } = refusal(SignInRequest, body);
      assert.equal(httpStatus(err), 400);
      assert.equal(err.message, 'The request body must be a JSON object.');
      assert.equal(err.details, undefined);
      assert.ok(bytes < 200, `${bytes} bytes`);
    }
  });

  it('H4: names at most five fields, each cut short, for an object with thousands of wrong keys', () => {
    const huge = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`.padEnd(300, 'k'), i]));
    const { err, bytes } = refusal(SignInRequest, huge);
    assert.equal(httpStatus(err), 400);
    assert.ok(Array.isArray(err.details) && err.details.length <= 5);
    assert.ok(bytes < 1500, `${bytes} bytes`);
  });

  it('takes a missing body as an empty object and a query object without a prototype', () => {
    assert.deepEqual(parseBody(z.object({ a: z.string().optional() }), undefined), {});
    // fast-querystring's objects have a prototype without Object.prototype.
    const Empty = function () {} as unknown as { new (): Record<string, unknown>; prototype: object };
    Empty.prototype = Object.create(null) as object;
    const query = Object.assign(new Empty(), { a: 'b' });
    assert.deepEqual(parseBody(z.object({ a: z.string() }), query), { a: 'b' });
  });
});

describe('HTTP timeouts and storage quotas (H4, E1)', () => {
  it('H4: has timeouts by default, set from KAIGI_HTTP_*_SECONDS, the request bound the longest', () => {
    const d = loadConfig({}).http;
    assert.deepEqual(d, { headersMs: 20_000, bodyMs: 20_000, uploadMs: 1_800_000, idleMs: 120_000, keepAliveMs: 5_000 });
    const t = loadConfig({ KAIGI_HTTP_BODY_TIMEOUT_SECONDS: '2', KAIGI_HTTP_UPLOAD_TIMEOUT_SECONDS: '60', KAIGI_HTTP_HEADERS_TIMEOUT_SECONDS: '4' }).http;
    assert.equal(t.bodyMs, 2000);
    const n = nodeTimeouts(t);
    assert.equal(n.requestTimeout, 60_000);
    assert.equal(n.headersTimeout, 4000);
    assert.ok((n.connectionsCheckingInterval ?? Infinity) <= 1000, 'headers are checked often enough for their timeout');
    assert.throws(() => loadConfig({ KAIGI_HTTP_BODY_TIMEOUT_SECONDS: '0' }), /KAIGI_HTTP_BODY_TIMEOUT_SECONDS/);
  });

  it('E1: fills in the default storage quota when a policy file has none, and keeps one that is given', () => {
    const base = defaultOrganisationPolicy('local');
    const { storage: _omitted, ...withoutStorage } = base;
    assert.deepEqual(OrganisationPolicy.parse(withoutStorage).storage, DEFAULT_STORAGE_QUOTA);
    const given = { perMeetingBytes: 1000, perParticipantBytes: 10 };
    assert.deepEqual(OrganisationPolicy.parse({ ...base, storage: given }).storage, given);
    assert.throws(() => OrganisationPolicy.parse({ ...base, storage: { perMeetingBytes: -1, perParticipantBytes: 0 } }));
  });
});
