// B5 single sign-on in real Chromium: the sign-in page offers "Sign in with Company SSO"; the
// link goes to the server, which redirects to the provider (oidc-provider on loopback, over
// http: a cross-site top-level navigation, so the binding cookie must be SameSite=Lax); the
// provider's login page sends the browser back, and Kaigi lands it on the dashboard, signed in,
// with no Content-Security-Policy complaint on the way. A sign-in cancelled at the provider
// comes back to the sign-in page with a message saying so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { startTestProvider, type TestProvider } from '../support/oidcProvider.js';
import { startServer, type RunningServer } from '../support/server.js';

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
      accounts: { 'sub-aiko': { email: 'aiko@example.org', preferredUsername: 'aiko' } },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kaigi?.stop();
    await provider?.close();
  });

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
