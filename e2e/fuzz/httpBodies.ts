import fc from 'fast-check';
import { deepNesting, edgeNumber, hostileString, hostileValue, randomId } from './values.js';

// Generators of HTTP requests to the JSON routes (packages/server/src/http/*Routes.ts), public
// and authenticated (B1, H4): right shapes with hostile values, wrong types, wrong content
// types, truncated and deep JSON, bodies near and beyond the body limit.

/** Who the request claims to be: nobody, the host's bearer token, or a cookie without its CSRF token. */
export type Caller = 'anonymous' | 'bearer' | 'cookieNoCsrf' | 'badBearer';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** `:m` is a meeting of the HTTP fuzz (never one the WebSocket lanes rely on), `:x` anything. */
  path: string;
  /** A body of the right shape, values hostile. */
  body: fc.Arbitrary<unknown> | null;
  /** A success answer of this route is a binary archive, not JSON (E1's export). */
  binary?: true;
}

const username = fc.oneof(fc.constantFrom('fuzzhost', 'nobody', 'admin'), hostileString(80));
const level = fc.oneof(fc.constantFrom('low', 'medium', 'high'), hostileString(10));
const ticket = fc.oneof(randomId('', 43), hostileString(60));
const code = fc.oneof(fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}$/), hostileString(20));
const meetingRules = fc.record(
  {
    title: hostileString(220),
    password: hostileString(80),
    e2ee: fc.boolean(),
    level,
    locked: fc.boolean(),
    joinBeforeHost: fc.boolean(),
    muteOnEntry: fc.boolean(),
    retention: fc.record({ chatSeconds: edgeNumber, filesDays: edgeNumber }, { requiredKeys: [] }),
    window: fc.record({ startsAt: fc.oneof(fc.constant(null), hostileString(30), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), endsAt: fc.constant(null) }),
    nameRule: fc.oneof(fc.record({ kind: fc.constantFrom('free', 'pattern', 'list') }), hostileValue),
    entry: hostileValue,
    registration: fc.oneof(fc.constantFrom('off', 'approval', 'open'), hostileString(10)),
  },
  { requiredKeys: [] },
);

export const ROUTES: RouteSpec[] = [
  { method: 'POST', path: '/api/auth/signin', body: fc.record({ username, password: hostileString(1100) }) },
  { method: 'GET', path: '/api/auth/session', body: null },
  { method: 'POST', path: '/api/auth/signout', body: null },
  { method: 'POST', path: '/api/auth/signin/totp', body: fc.record({ ticket, code }) },
  { method: 'POST', path: '/api/auth/signin/recovery', body: fc.record({ ticket, code }) },
  { method: 'POST', path: '/api/auth/signin/webauthn/options', body: fc.record({ ticket }) },
  { method: 'POST', path: '/api/auth/signin/webauthn', body: fc.record({ ticket, response: hostileValue }) },
  { method: 'GET', path: '/api/auth/two-factor', body: null },
  { method: 'POST', path: '/api/auth/two-factor/totp/confirm', body: fc.record({ code }) },
  { method: 'POST', path: '/api/auth/two-factor/passkeys', body: fc.record({ name: hostileString(80), response: hostileValue }, { requiredKeys: [] }) },
  { method: 'GET', path: '/api/meetings', body: null },
  { method: 'POST', path: '/api/meetings', body: meetingRules },
  { method: 'GET', path: '/api/meetings/:m', body: null },
  { method: 'PATCH', path: '/api/meetings/:m', body: meetingRules },
  { method: 'PATCH', path: '/api/meetings/:x', body: meetingRules },
  { method: 'GET', path: '/api/meetings/:m/invitation', body: null },
  { method: 'GET', path: '/api/meetings/:m/report', body: null },
  { method: 'GET', path: '/api/meetings/:m/data-map', body: null },
  { method: 'GET', path: '/api/meetings/:m/registrations', body: null },
  { method: 'POST', path: '/api/meetings/:m/registrations', body: fc.record({ name: hostileString(80), email: fc.oneof(fc.emailAddress(), hostileString(300)) }) },
  { method: 'POST', path: '/api/meetings/:x/registrations', body: fc.record({ name: hostileString(80), email: fc.emailAddress() }) },
  { method: 'POST', path: '/api/meetings/:m/export', body: fc.record({ passphrase: hostileString(1100) }), binary: true },
  { method: 'GET', path: '/api/organisation/policy', body: null },
  { method: 'GET', path: '/api/health', body: null },
];

/** How the body goes on the wire. */
export type BodyForm =
  | { kind: 'json' }
  | { kind: 'jsonValue'; value: unknown }
  | { kind: 'truncated'; at: number }
  | { kind: 'contentType'; type: string }
  | { kind: 'big'; bytes: number; type: string }
  | { kind: 'deep' ; value: unknown };

const bodyForm: fc.Arbitrary<BodyForm> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'json' as const }) },
  { weight: 2, arbitrary: hostileValue.map((value) => ({ kind: 'jsonValue' as const, value })) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ kind: 'truncated' as const, at })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', '')
      .map((type) => ({ kind: 'contentType' as const, type })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ bytes: fc.oneof(fc.integer({ min: 1_000, max: 70_000 }), fc.constantFrom(65_536, 65_537, 1_048_576)), type: fc.constantFrom('application/json', 'application/octet-stream', 'text/plain') })
      .map((b) => ({ kind: 'big' as const, ...b })),
  },
  { weight: 1, arbitrary: deepNesting.map((value) => ({ kind: 'deep' as const, value })) },
);

export interface RequestSpec {
  route: number;
  caller: Caller;
  body: unknown;
  form: BodyForm;
  /** Which of the source addresses the request comes from (guess limiters key on it). */
  address: number;
}

export const requestSpec: fc.Arbitrary<RequestSpec> = fc
  .nat({ max: ROUTES.length - 1 })
  .chain((route) =>
    fc.record({
      route: fc.constant(route),
      caller: fc.constantFrom<Caller>('anonymous', 'bearer', 'bearer', 'cookieNoCsrf', 'badBearer'),
      body: ROUTES[route]?.body ?? fc.constant(null),
      form: bodyForm,
      address: fc.nat({ max: 255 }),
    }),
  );

/** The payload and content type a request spec puts on the wire. */
export function encodeBody(spec: RequestSpec): { payload: string | Buffer | undefined; contentType: string | undefined } {
  const route = ROUTES[spec.route];
  const f = spec.form;
  if (f.kind === 'big') {
    const payload = f.type === 'application/json' ? `{"username":"${'a'.repeat(Math.max(0, f.bytes - 30))}","password":"x"}` : Buffer.alloc(f.bytes, 0x41);
    return { payload, contentType: f.type };
  }
  if (route?.body === null && f.kind === 'json') return { payload: undefined, contentType: undefined };
  const json = JSON.stringify(spec.body) ?? 'null';
  switch (f.kind) {
    case 'json':
      return { payload: json, contentType: 'application/json' };
    case 'jsonValue':
      return { payload: JSON.stringify(f.value) ?? 'null', contentType: 'application/json' };
    case 'truncated':
      return { payload: json.slice(0, Math.floor(json.length * f.at)), contentType: 'application/json' };
    case 'contentType':
      return { payload: json, contentType: f.type || undefined };
    case 'deep':
      return { payload: JSON.stringify(f.value), contentType: 'application/json' };
  }
}
