// B5 over raw HTTP against a real server: TOTP enrolment (codes computed here with otpauth from
// the secret the server returns), sign-in that needs the second factor, wrong and replayed codes
// refused, recovery codes once each, tickets single use and short-lived, failures rate limited
// and audited; and an organisation policy that refuses hosts without a second factor, for
// creating meetings and for joining as host.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Secret, TOTP, URI } from 'otpauth';
import { createMeeting, HOST_PASSWORD, policyFile } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

type Json = Record<string, any>;

async function addUser(server: RunningServer, username: string): Promise<void> {
  const r = await server.cli(['user', 'add', username], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
}

/** Password only: the answer, and the client (which has a session only for accounts without a second factor). */
async function password(server: RunningServer, username: string): Promise<{ http: HttpClient; res: { status: number; json: Json } }> {
  const http = new HttpClient(server.url);
  const res = await http.request('POST', '/api/auth/signin', { username, password: HOST_PASSWORD });
  if (res.json?.csrfToken) http.csrf = res.json.csrfToken;
  return { http, res };
}

/** Password, then the ticket it gave. */
async function ticketFor(server: RunningServer, username: string): Promise<{ http: HttpClient; ticket: string }> {
  const { http, res } = await password(server, username);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.ok(res.json.secondFactor?.ticket, `a second factor is asked for: ${JSON.stringify(res.json)}`);
  return { http, ticket: res.json.secondFactor.ticket };
}

/** Finishes a sign-in with a second factor; on success the client holds the session. */
async function second(http: HttpClient, method: 'totp' | 'recovery', ticket: string, code: string): Promise<{ status: number; json: Json }> {
  const r = await http.request('POST', `/api/auth/signin/${method}`, { ticket, code });
  if (r.status === 200) http.csrf = r.json.csrfToken;
  return r;
}

const totpOf = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
/** The code of the step after now: within the server's ±1 window, and later than any used so far. */
const nextCode = (secret: string) => totpOf(secret).generate({ timestamp: Date.now() + 30_000 });

/** Enrols TOTP for the signed-in client: returns the secret, the step of the confirming code and the recovery codes. */
async function enrolTotp(http: HttpClient): Promise<{ secret: string; uri: string; recoveryCodes: string[] }> {
  const begin = await http.request('POST', '/api/auth/two-factor/totp');
  assert.equal(begin.status, 200, JSON.stringify(begin.json));
  const { secret, uri } = begin.json as { secret: string; uri: string };
  const confirm = await http.request('POST', '/api/auth/two-factor/totp/confirm', { code: totpOf(secret).generate() });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.json));
  return { secret, uri, recoveryCodes: confirm.json.recoveryCodes };
}

function auditOf(server: RunningServer, kind: string): Json[] {
  const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select actor, data from audit_log where kind = ? order by seq').all(kind) as { actor: string; data: string }[];
    return rows.map((r) => ({ actor: r.actor, ...JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}

describe('two-factor sign-in with TOTP and recovery codes (B5)', () => {
  let server: RunningServer;
  let secret: string;
  let recoveryCodes: string[];
  let usedCode: string;

  before(async () => {
    server = await startServer({ KAIGI_LOG_LEVEL: 'info' });
    await addUser(server, 'kenji');
  });
  after(async () => {
    await server?.stop();
  });

  it('enrols TOTP: the secret and otpauth URI come once, and it is on only after a current code', async () => {
    const { http, res } = await password(server, 'kenji');
    assert.equal(res.status, 200);
    assert.equal(res.json.user.username, 'kenji', 'no second factor yet: the password signs in');
    assert.equal(res.json.twoFactor, false);
    assert.equal(res.json.secondFactor, undefined);

    let status = await http.request('GET', '/api/auth/two-factor');
    assert.deepEqual(status.json, { totp: false, recoveryCodesLeft: 0, passkeys: [], sessionTwoFactor: false });

    const begin = await http.request('POST', '/api/auth/two-factor/totp');
    assert.equal(begin.status, 200, JSON.stringify(begin.json));
    secret = begin.json.secret;
    assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits, base32');
    const uri = URI.parse(begin.json.uri);
    assert.ok(uri instanceof TOTP);
    assert.equal(uri.secret.base32, secret);
    assert.equal(uri.algorithm, 'SHA1');
    assert.equal(uri.digits, 6);
    assert.equal(uri.period, 30);
    assert.equal(uri.issuer, 'Kaigi');

    // Not on yet: the password alone still signs in, and a wrong code does not turn it on.
    assert.equal((await password(server, 'kenji')).res.json.user?.username, 'kenji');
    const wrong = await http.request('POST', '/api/auth/two-factor/totp/confirm', { code: totpOf(secret).generate({ timestamp: Date.now() + 300_000 }) });
    assert.equal(wrong.status, 400);
    assert.equal((await http.request('GET', '/api/auth/two-factor')).json.totp, false);

    const confirmCode = totpOf(secret).generate();
    const confirm = await http.request('POST', '/api/auth/two-factor/totp/confirm', { code: confirmCode });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.json));
    recoveryCodes = confirm.json.recoveryCodes;
    usedCode = confirmCode;
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);

    status = await http.request('GET', '/api/auth/two-factor');
    assert.deepEqual(status.json, { totp: true, recoveryCodesLeft: 10, passkeys: [], sessionTwoFactor: false });
    assert.equal(auditOf(server, 'mfa.enrolled').filter((e) => e.method === 'totp').length, 1);

    // Sealed in the database, absent from the log.
    const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'), { readonly: true });
    try {
      const dump = JSON.stringify(db.prepare('select * from totp_secrets').all()) + JSON.stringify(db.prepare('select * from recovery_codes').all());
      assert.ok(!dump.includes(secret), 'the TOTP secret is not stored in clear');
      for (const c of recoveryCodes) assert.ok(!dump.includes(c) && !dump.includes(c.replace(/-/g, '')), 'recovery codes are stored hashed');
    } finally {
      db.close();
    }
    const log = server.log();
    assert.ok(!log.includes(secret), 'the secret is never logged');
    assert.ok(!recoveryCodes.some((c) => log.includes(c)), 'nor the recovery codes');

    // Changing the factors now needs a session signed in with one.
    const again = await http.request('POST', '/api/auth/two-factor/totp');
    assert.equal(again.status, 403);
    assert.equal(again.json.code, 'TWO_FACTOR_REQUIRED');
  });

  it('asks for the second factor after the password and makes no session until then', async () => {
    const { http, res } = await password(server, 'kenji');
    assert.equal(res.status, 200);
    assert.equal(res.json.user, null);
    assert.equal(res.json.csrfToken, null);
    assert.deepEqual(res.json.secondFactor.methods, ['totp', 'recovery']);
    assert.match(res.json.secondFactor.ticket, /^[A-Za-z0-9_-]{43}$/);
    const expiresIn = Date.parse(res.json.secondFactor.expiresAt) - Date.now();
    assert.ok(expiresIn > 4 * 60_000 && expiresIn <= 5 * 60_000, `the ticket lasts five minutes (${expiresIn} ms)`);
    assert.equal((await http.request('GET', '/api/auth/session')).json.user, null, 'no session from the password alone');
    assert.equal((await http.request('GET', '/api/meetings')).status, 401);
  });

  it('refuses a wrong code and a replayed one, accepts a fresh one once', async () => {
    const { http, ticket } = await ticketFor(server, 'kenji');
    const right = nextCode(secret);
    const wrongCode = right.replace(/^./, (d) => String((Number(d) + 1) % 10));
    let r = await second(http, 'totp', ticket, wrongCode);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'INVALID_CREDENTIALS');
    r = await second(http, 'totp', ticket, usedCode);
    assert.equal(r.status, 401, 'the code that confirmed enrolment is used up (replay)');

    r = await second(http, 'totp', ticket, right);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.user.username, 'kenji');
    assert.equal(r.json.twoFactor, true);
    const session = await http.request('GET', '/api/auth/session');
    assert.equal(session.json.user.username, 'kenji');
    assert.equal(session.json.twoFactor, true, 'the session records the second factor');
    assert.equal((await http.request('GET', '/api/auth/two-factor')).json.sessionTwoFactor, true);

    const replay = await ticketFor(server, 'kenji');
    r = await second(replay.http, 'totp', replay.ticket, right);
    assert.equal(r.status, 401, 'the same code on a new ticket: replay');
    assert.equal((await replay.http.request('GET', '/api/auth/session')).json.user, null);

    const failed = auditOf(server, 'signin.second_factor_failed');
    assert.equal(failed.length, 3);
    assert.ok(failed.every((e) => e.method === 'totp' && e.username === 'kenji' && e.actor.startsWith('address:')));
    assert.ok(auditOf(server, 'signin.ok').some((e) => e.secondFactor === 'totp'));
  });

  it('takes each recovery code once', async () => {
    const code = recoveryCodes[0]!;
    const a = await ticketFor(server, 'kenji');
    let r = await second(a.http, 'recovery', a.ticket, code.toUpperCase());
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.twoFactor, true);
    assert.equal((await a.http.request('GET', '/api/auth/two-factor')).json.recoveryCodesLeft, 9);

    const b = await ticketFor(server, 'kenji');
    r = await second(b.http, 'recovery', b.ticket, code);
    assert.equal(r.status, 401, 'used already');
    assert.equal((await b.http.request('GET', '/api/auth/session')).json.user, null);
  });
});

describe('sign-in tickets: single use, short-lived, failures rate limited (B5)', () => {
  let server: RunningServer;
  let recoveryCodes: string[];

  before(async () => {
    server = await startServer();
    await addUser(server, 'mika');
    const { http } = await password(server, 'mika');
    ({ recoveryCodes } = await enrolTotp(http));
  });
  after(async () => {
    await server?.stop();
  });

  it('uses a ticket once', async () => {
    const { http, ticket } = await ticketFor(server, 'mika');
    assert.equal((await second(http, 'recovery', ticket, recoveryCodes[0]!)).status, 200);
    const r = await second(new HttpClient(server.url), 'recovery', ticket, recoveryCodes[1]!);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'UNAUTHENTICATED', 'the ticket is gone');
  });

  it('refuses an expired ticket, without using up the code', async () => {
    const { http, ticket } = await ticketFor(server, 'mika');
    // Five minutes pass (the server reads expiry from its database on every step).
    const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'));
    try {
      db.prepare('update signin_tickets set expires_at = ?').run(new Date(Date.now() - 1000).toISOString());
    } finally {
      db.close();
    }
    let r = await second(http, 'recovery', ticket, recoveryCodes[1]!);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'UNAUTHENTICATED');
    const fresh = await ticketFor(server, 'mika');
    r = await second(fresh.http, 'recovery', fresh.ticket, recoveryCodes[1]!);
    assert.equal(r.status, 200, 'the code was not spent on the expired ticket');
  });

  it('counts wrong second factors in the sign-in rate limiter, and audits each', async () => {
    const before = auditOf(server, 'signin.second_factor_failed').length;
    const { http, ticket } = await ticketFor(server, 'mika');
    let limited: { status: number; json: Json } | null = null;
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await second(http, 'recovery', ticket, `wxyz-wxyz-wxyz-${String(1000 + i)}`);
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 401);
    }
    assert.ok(limited, 'wrong codes are rate limited');
    assert.equal(limited.json.code, 'RATE_LIMITED');
    assert.ok(limited.json.retryAfterMs > 0);
    const r = await second(http, 'recovery', ticket, recoveryCodes[2]!);
    assert.equal(r.status, 429, 'even the right code waits');
    assert.ok(auditOf(server, 'signin.second_factor_failed').length - before >= 3);
  });
});

describe('requireTwoFactorForHosts (B5)', () => {
  let server: RunningServer;
  let dataDir: string;
  let meetingId: string;

  before(async () => {
    // A meeting made before the organisation required two factors.
    const first = await startServer();
    dataDir = first.dataDir;
    await addUser(first, 'hana');
    const { http } = await password(first, 'hana');
    meetingId = (await createMeeting(http, 'Before the policy')).id;
    await first.stop();

    const file = policyFile({ requireTwoFactorForHosts: true });
    server = await startServer({ KAIGI_POLICY_FILE: file }, dataDir);
  });
  after(async () => {
    await server?.stop();
  });

  const joinAsHost = async (http: HttpClient) => {
    const ws = await WsClient.connect(server.url, { cookie: http.cookieHeader() });
    try {
      return await ws.request({ type: 'join', meetingId, displayName: 'Hana' });
    } finally {
      ws.close();
    }
  };

  it('refuses a host who signed in without a second factor, then accepts them with one', async () => {
    const { http, res } = await password(server, 'hana');
    assert.equal(res.json.user?.username, 'hana');
    let r = await http.request('POST', '/api/meetings', { title: 'Board' });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'TWO_FACTOR_REQUIRED');
    const refused = await joinAsHost(http);
    assert.equal(refused.type, 'error', JSON.stringify(refused));
    assert.equal(refused.code, 'TWO_FACTOR_REQUIRED');

    // Setting up a factor in this session is allowed (it has none), but the session stays password-only.
    const { secret } = await enrolTotp(http);
    assert.equal((await http.request('POST', '/api/meetings', { title: 'Board' })).status, 403);

    const { http: strong, ticket } = await ticketFor(server, 'hana');
    assert.equal((await second(strong, 'totp', ticket, nextCode(secret))).status, 200);
    r = await strong.request('POST', '/api/meetings', { title: 'Board' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const joined = await joinAsHost(strong);
    assert.equal(joined.type, 'joined', JSON.stringify(joined));
    assert.equal(joined.role, 'host');
  });
});
