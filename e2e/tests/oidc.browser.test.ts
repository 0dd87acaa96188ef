// B5 single sign-on in real Chromium: the sign-in page offers "Sign in with Company SSO"; the
// link goes to the server, which redirects to the provider (oidc-provider on loopback, over
// http: a cross-site top-level navigation, so the binding cookie must be SameSite=Lax); the
// provider's login page sends the browser back, and Kaigi lands it on the dashboard, signed in,
// with no Content-Security-Policy complaint on the way. A sign-in cancelled at the provider
// comes back to the sign-in page with a message saying so. An account that set up its own
// authenticator app is asked for its code after the provider, on the sign-in page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { startTestProvider, type TestProvider } from '../support/oidcProvider.js';
import { createMeeting, hostSession } from '../support/fixtures.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

describe('single sign-on in Chromium (B5)', () => {
  let provider: TestProvider;
  let kaigi: RunningServer;
  let browser: Browser;

  before(async () => {
    provider = await startTestProvider();
    const clientSecret = 'browser-test-client-secret-0123456789';
    kaigi = await startServer({
      KAIGI_OIDC_ISSUER: provider.issuer,
      KAIGI_OIDC_CLIENT_ID: 'kaigi',
      KAIGI_OIDC_CLIENT_SECRET: clientSecret,
      KAIGI_OIDC_NAME: 'Company SSO',
    });
    provider.attach({
      clients: [{ clientId: 'kaigi', clientSecret, redirectUris: [`${kaigi.url}/api/auth/oidc/callback`] }],
      accounts: {
        'sub-aiko': { email: 'aiko@example.org', preferredUsername: 'aiko' },
        'sub-ken': { email: 'ken@example.org', preferredUsername: 'ken' },
      },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kaigi?.stop();
    await provider?.close();
  });

  /** From Kaigi's sign-in page through the provider's login page, as `account`. */
  const ssoTo = async (page: Page, account: string): Promise<void> => {
    await page.goto(`${kaigi.url}/signin`);
    await page.getByRole('link', { name: 'Sign in with Company SSO' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/interaction/`));
    await page.getByRole('textbox', { name: 'Account' }).fill(account);
    await page.getByRole('button', { name: 'Sign in at the provider' }).click();
  };

  /** Console messages about the Content-Security-Policy, which must stay empty. */
  const watchCsp = (page: Page): string[] => {
    const seen: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) seen.push(m.text());
    });
    return seen;
  };

  it('clicks "Sign in with Company SSO", signs in at the provider and lands on the dashboard', async () => {
    const { context, page } = await newParticipant(browser);
    const csp = watchCsp(page);
    try {
      await page.goto(`${kaigi.url}/signin`);
      await page.getByRole('link', { name: 'Sign in with Company SSO' }).click();
      await page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/interaction/`));
      await page.getByRole('textbox', { name: 'Account' }).fill('sub-aiko');
      await page.getByRole('button', { name: 'Sign in at the provider' }).click();
      await page.waitForURL(`${kaigi.url}/`);
      await page.getByRole('heading', { name: 'Your meetings' }).waitFor();
      const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
      assert.equal(session.user?.username, 'aiko');
      assert.equal(session.twoFactor, false);
      const cookies = await context.cookies(kaigi.url);
      const binding = cookies.find((c) => c.name === '__Host-kaigi_oidc');
      assert.equal(binding?.sameSite, 'Lax');
      assert.equal(binding?.secure, true);
      assert.equal(binding?.httpOnly, true);
      const sessionCookie = cookies.find((c) => c.name === '__Host-kaigi_session');
      assert.equal(sessionCookie?.sameSite, 'Strict');
      // The session works for what needs the CSRF token: the app's own new-meeting form would.
      const made = await page.evaluate(async (csrf: string) => {
        const r = await fetch('/api/meetings', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ title: 'From SSO' }) });
        return r.status;
      }, session.csrfToken as string);
      assert.equal(made, 201);
      assert.deepEqual(csp, []);
    } finally {
      await context.close();
    }
  });

  it("asks the account's own authenticator app after the provider, then lands on the dashboard", async () => {
    // Aiko (signed in through the provider above) sets up an authenticator app.
    const setup = await newParticipant(browser);
    let secret: string;
    try {
      await ssoTo(setup.page, 'sub-aiko');
      await setup.page.waitForURL(`${kaigi.url}/`);
      secret = await setup.page.evaluate(async () => {
        const s = await (await fetch('/api/auth/session')).json();
        const h = { 'x-csrf-token': s.csrfToken as string };
        const begin = await (await fetch('/api/auth/two-factor/totp', { method: 'POST', headers: h })).json();
        return begin.secret as string;
      });
      const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
      const confirmed = await setup.page.evaluate(async (code: string) => {
        const s = await (await fetch('/api/auth/session')).json();
        const r = await fetch('/api/auth/two-factor/totp/confirm', {
          method: 'POST',
          headers: { 'x-csrf-token': s.csrfToken as string, 'content-type': 'application/json' },
          body: JSON.stringify({ code }),
        });
        return r.status;
      }, totp.generate());
      assert.equal(confirmed, 200);
    } finally {
      await setup.context.close();
    }

    const { context, page } = await newParticipant(browser);
    try {
      await ssoTo(page, 'sub-aiko');
      await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the ticket is taken out of the address bar');
      const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + 30_000 });
      await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Your meetings' }).waitFor();
      const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
      assert.equal(session.user?.username, 'aiko');
      assert.equal(session.twoFactor, true);
    } finally {
      await context.close();
    }
  });

  it('a guest refused by a members-only meeting signs in through the provider and is back on the join page, password kept', async () => {
    const host = await hostSession(kaigi, 'hana');
    const m = await createMeeting(host, 'Members only', { level: 'medium', entry: { membersOnly: true, emailDomains: [], groups: [] } });
    const h = await WsClient.connect(kaigi.url, { cookie: host.cookieHeader() });
    const { context, page } = await newParticipant(browser);
    try {
      assert.equal((await h.request({ type: 'join', meetingId: m.id, displayName: 'Hana' })).type, 'joined');
      await page.goto(m.joinUrl);
      await page.getByRole('textbox', { name: 'Display name' }).fill('Ken');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('link', { name: 'Sign in to join' }).click();
      await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('next') === `/m/${m.id}`);
      await page.getByRole('link', { name: 'Sign in with Company SSO' }).click();
      await page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/interaction/`));
      await page.getByRole('textbox', { name: 'Account' }).fill('sub-ken');
      await page.getByRole('button', { name: 'Sign in at the provider' }).click();
      // Back where Ken started, signed in, the password still filled in: he joins as a member.
      await page.waitForURL(`${kaigi.url}/m/${m.id}`);
      assert.equal(await page.getByRole('textbox', { name: 'Password' }).inputValue(), m.password);
      await page.getByRole('textbox', { name: 'Display name' }).fill('Ken');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('heading', { name: 'Waiting room' }).waitFor();
      const room = await h.next((x) => x.type === 'waitingRoom' && x.entries.length === 1);
      assert.equal(room.entries[0].entry, 'member');
      const stored = await page.evaluate(() => Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k) ?? ''));
      assert.ok(!stored.some((v) => v.includes(m.password)), 'the stashed password is gone once used');
    } finally {
      h.close();
      await context.close();
    }
  });

  it('comes back to the sign-in page with a message when the person cancels at the provider', async () => {
    const { context, page } = await newParticipant(browser, 'ja-JP');
    try {
      await page.goto(`${kaigi.url}/signin`);
      await page.getByRole('link', { name: 'Company SSO でサインイン' }).click();
      await page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/interaction/`));
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.waitForURL(`${kaigi.url}/signin?error=sso_cancelled`);
      const alert = page.locator('[data-sso-error="sso_cancelled"]');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /取り消されたか/);
      const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json());
      assert.equal(session.user, null);
    } finally {
      await context.close();
    }
  });
});
