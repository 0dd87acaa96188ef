// B5 in real Chromium with its virtual authenticator (CDP WebAuthn domain): a user signs in,
// adds a passkey on the Security page (recovery codes shown once), signs out, and signs in
// again with password + passkey; the session is marked two-factor. A passkey whose signature
// counter goes backwards (a cloned authenticator) is refused. And the same page sets up an
// authenticator app, whose codes then finish the sign-in; a recovery code does too.
//
// WebAuthn needs a valid RP ID, and an IP address is none: the server's public URL is
// https://localhost:PORT (localhost resolves to 127.0.0.1 in the test's network namespace, and
// Chromium treats it as a secure context and a valid RP ID even with the self-signed certificate).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { freePort, startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;
let base: string;

before(async () => {
  const port = await freePort();
  base = `https://localhost:${port}`;
  server = await startServer({ KAIGI_PORT: String(port), KAIGI_PUBLIC_URL: base });
  for (const name of ['aiko', 'ren']) {
    const r = await server.cli(['user', 'add', name], `${HOST_PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function db<T>(work: (d: Database.Database) => T): T {
  const d = new Database(path.join(server.dataDir, 'kaigi.sqlite'));
  try {
    return work(d);
  } finally {
    d.close();
  }
}

const auditKinds = (): { kind: string; data: Record<string, unknown> }[] =>
  db((d) => (d.prepare('select kind, data from audit_log order by seq').all() as { kind: string; data: string }[]).map((r) => ({ kind: r.kind, data: JSON.parse(r.data) })));

async function signInWithPassword(page: Page, username = 'aiko'): Promise<void> {
  await page.goto(`${base}/signin`);
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(HOST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

const session = (page: Page) =>
  page.evaluate(async () => (await fetch('/api/auth/session', { cache: 'no-store' })).json()) as Promise<{ user: { username: string } | null; twoFactor?: boolean }>;

describe('passkeys in Chromium (B5)', () => {
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  before(async () => {
    ({ context, page } = await newParticipant(browser));
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    }));
  });

  after(async () => {
    await context?.close();
  });

  it('adds a passkey on the Security page, then signs in with password + passkey', async () => {
    // No second factor yet: the password signs in.
    await signInWithPassword(page);
    await page.getByRole('heading', { name: 'Your meetings' }).or(page.getByRole('textbox', { name: 'Meeting title' })).first().waitFor();
    assert.equal((await session(page)).twoFactor, false);

    await page.getByRole('navigation', { name: 'Security' }).getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByText('You signed in to this session with your password only.').waitFor();
    await page.getByText('No passkeys yet.').waitFor();

    await page.getByRole('textbox', { name: 'Name for the new passkey (optional)' }).fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey added.' }).waitFor();

    // The first factor brings ten recovery codes, shown once.
    const codes = page.getByRole('list', { name: 'Your recovery codes' }).getByRole('listitem');
    assert.equal(await codes.count(), 10);
    const firstCode = (await codes.first().textContent())?.trim() ?? '';
    assert.match(firstCode, /^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    assert.equal(await page.getByRole('list', { name: 'Your recovery codes' }).count(), 0);
    await page.getByRole('rowheader', { name: 'Test laptop' }).waitFor();
    await page.getByRole('button', { name: 'Remove passkey Test laptop' }).waitFor();
    await page.getByText('Unused recovery codes: 10.').waitFor();

    // The authenticator holds a discoverable credential for localhost.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.rpId, 'localhost');
    assert.equal(credentials[0]!.isResidentCredential, true);
    const stored = db((d) => d.prepare('select id, name, counter from passkeys').all() as { id: string; name: string; counter: number }[]);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.name, 'Test laptop');
    assert.equal(Buffer.from(stored[0]!.id, 'base64url').toString('base64'), credentials[0]!.credentialId, 'the same credential');

    await signOut(page);

    // The password alone no longer signs in: the second step asks for the passkey.
    await signInWithPassword(page);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    assert.equal((await session(page)).user, null, 'no session before the second factor');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const s = await session(page);
    assert.equal(s.user?.username, 'aiko');
    assert.equal(s.twoFactor, true, 'the session records the second factor');

    await page.getByRole('navigation', { name: 'Security' }).getByRole('link', { name: 'Security' }).click();
    await page.getByText('You signed in to this session with two factors.').waitFor();
    assert.equal(await page.getByRole('row', { name: /Test laptop/ }).getByText('Never').count(), 0, 'last use recorded');

    const audit = auditKinds();
    assert.ok(audit.some((e) => e.kind === 'passkey.added' && e.data.name === 'Test laptop'));
    assert.ok(audit.some((e) => e.kind === 'signin.ok' && e.data.secondFactor === 'webauthn'));
    assert.ok(db((d) => (d.prepare('select counter from passkeys').get() as { counter: number }).counter) > 0, 'the counter moved');
  });

  it('refuses a passkey whose signature counter went backwards', async () => {
    await signOut(page);
    // As if a copy of the authenticator had been used meanwhile: the server saw a higher counter.
    db((d) => d.prepare('update passkeys set counter = 1000000').run());
    await signInWithPassword(page);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('alert').filter({ hasText: 'This passkey was not accepted.' }).waitFor();
    assert.equal((await session(page)).user, null);
    assert.ok(auditKinds().some((e) => e.kind === 'signin.second_factor_failed' && e.data.method === 'webauthn'));
  });
});

describe('an authenticator app through the Security page (B5)', () => {
  it('sets up TOTP with a current code, then signs in with the next code or a recovery code', async () => {
    const { context, page } = await newParticipant(browser);
    try {
      await signInWithPassword(page, 'ren');
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.getByRole('navigation', { name: 'Security' }).getByRole('link', { name: 'Security' }).click();
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const uri = ((await page.getByTestId('totp-uri').textContent()) ?? '').trim();
      assert.ok(uri.startsWith('otpauth://totp/') && uri.includes(`secret=${secret}`), uri);
      const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

      await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(totp.generate());
      await page.getByRole('button', { name: 'Confirm and turn on' }).click();
      await page.getByRole('status').filter({ hasText: 'The authenticator app is on.' }).waitFor();
      const codes = page.getByRole('list', { name: 'Your recovery codes' }).getByRole('listitem');
      assert.equal(await codes.count(), 10);
      const recovery = ((await codes.nth(3).textContent()) ?? '').trim();
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.getByText('On: sign-in asks for a code from your app.').waitFor();

      await signOut(page);
      await signInWithPassword(page, 'ren');
      await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
      const field = page.getByRole('textbox', { name: 'Code from your authenticator app' });
      await field.fill('000000' === totp.generate() ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('alert').filter({ hasText: 'That is not right.' }).waitFor();
      await field.fill(totp.generate({ timestamp: Date.now() + 30_000 }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      assert.equal((await session(page)).twoFactor, true);

      await signOut(page);
      await signInWithPassword(page, 'ren');
      await page.getByRole('button', { name: 'Use a recovery code' }).click();
      await page.getByRole('textbox', { name: 'Recovery code' }).fill(recovery);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      assert.equal((await session(page)).twoFactor, true);
      await page.getByRole('navigation', { name: 'Security' }).getByRole('link', { name: 'Security' }).click();
      await page.getByText('Unused recovery codes: 9.').waitFor();
    } finally {
      await context.close();
    }
  });
});
