import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AuditKind,
  ErrorCode,
  SSO_ERROR_PARAM,
  SSO_SECOND_FACTOR_FRAGMENT,
  SSO_STATE_TTL_SECONDS,
  paths,
  safeNextPath,
  ssoPaths,
  type AuthProviders,
  type SecondFactorChallenge,
  type SsoError,
} from '@kaigi/protocol';
import type { Services } from '../services.js';
import { newSecret } from '../security/random.js';
import { RateLimiter } from '../security/RateLimiter.js';
import { assertsMultiFactor, emailAllowed, OidcClient, providerFailure } from '../sso/OidcClient.js';
import { OidcStore } from '../storage/OidcStore.js';
import { TwoFactorStore } from '../storage/TwoFactorStore.js';
import { SESSION_COOKIE, secureCookie } from './cookies.js';
import { KaigiError } from '../errors.js';

/**
 * Binds a sign-in at the provider to the browser that started it: the callback must come with
 * the same value, so a callback URL made in one browser (an attacker's) is refused in another.
 * SameSite=Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
 */
export const OIDC_BROWSER_COOKIE = '__Host-kaigi_oidc';
const isBrowserValue = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v);

/** The error and its causes in a line (openid-client wraps the precise reason, e.g. which claim). */
function reasonOf(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, i = 0; e instanceof Error && i < 4; e = e.cause, i++) parts.push(e.message);
  return (parts.length ? parts.join(': ') : String(err)).slice(0, 300);
}

/**
 * Single sign-on through OpenID Connect (B5): GET /api/auth/providers, GET /api/auth/oidc/start
 * (redirects to the provider; ?next=<path> to come back to, e.g. a join link) and GET
 * /api/auth/oidc/callback (finishes the sign-in, then redirects to that path or the dashboard,
 * or to the sign-in page with ?error=<SsoError>).
 */
export function oidcRoutes(app: FastifyInstance, services: Services): void {
  const { config, audit, users } = services;
  const settings = config.oidc;

  app.get(ssoPaths.providers, async (): Promise<AuthProviders> => (settings ? [{ id: 'oidc', name: settings.name }] : []));

  if (!settings) {
    const notConfigured = async () => {
      throw new KaigiError(ErrorCode.NOT_FOUND, 'Single sign-on is not configured on this server.');
    };
    app.get(ssoPaths.oidcStart, notConfigured);
    app.get(ssoPaths.oidcCallback, notConfigured);
    return;
  }

  const redirectUri = `${config.publicUrl}${ssoPaths.oidcCallback}`;
  const client = new OidcClient(settings, redirectUri);
  const store = new OidcStore(services.db, services.sealer);
  const twoFactor = new TwoFactorStore(services.db, services.sealer);
  // Failed callbacks per address: each is audited, so a flood of made-up states is slowed down.
  const limiter = new RateLimiter({ freeFailures: 20 });
  // Starts per address not yet finished by a sign-in: each stores a pending login until it expires,
  // so a flood of starts is slowed down too. A completed sign-in clears the count.
  const starts = new RateLimiter({ freeFailures: 30 });

  // Discovery at start, in the background: an unreachable provider does not stop the server;
  // sign-in through it fails with a clear message and tries discovery again.
  app.addHook('onReady', async () => {
    client.ready().then(
      () => app.log.info({ issuer: settings.issuer }, 'single sign-on provider discovered'),
      (err: unknown) =>
        app.log.warn(
          { issuer: settings.issuer, reason: err instanceof Error ? err.message : String(err) },
          'single sign-on provider not reachable; SSO sign-in fails until it is',
        ),
    );
  });

  const toSignIn = (reply: FastifyReply, error: SsoError) =>
    reply.redirect(`${paths.signIn}?${new URLSearchParams({ [SSO_ERROR_PARAM]: error }).toString()}`, 302);

  // The callback's attempt was counted when it was allowed; a refusal leaves it counted.
  const refuse = async (req: FastifyRequest, reply: FastifyReply, error: SsoError, data: Record<string, unknown>) => {
    await audit.append({ kind: AuditKind.SIGNIN_FAILED, actor: `address:${req.ip}`, data: { method: 'oidc', ...data } });
    return toSignIn(reply, error);
  };

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(ssoPaths.oidcStart, async (req, reply) => {
    if (!starts.attempt(`ip:${req.ip}`).allowed) return toSignIn(reply, 'sso_rate_limited');
    // Where to go afterwards (a join link); anything but a same-origin path is dropped.
    const next = typeof req.query.next === 'string' ? safeNextPath(req.query.next) : null;
    let begun;
    try {
      begun = await client.begin();
    } catch (err) {
      req.log.warn({ issuer: settings.issuer, reason: err instanceof Error ? err.message : String(err) }, 'single sign-on provider not reachable');
      return toSignIn(reply, 'sso_unavailable');
    }
    const existing = req.cookies[OIDC_BROWSER_COOKIE];
    // One value per browser while it lives, so two tabs can each sign in.
    const browser = isBrowserValue(existing) ? existing : newSecret();
    await store.savePending(begun, browser, next);
    reply.setCookie(OIDC_BROWSER_COOKIE, browser, { ...secureCookie(SSO_STATE_TTL_SECONDS), sameSite: 'lax' });
    return reply.redirect(begun.url.href, 302);
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(ssoPaths.oidcCallback, async (req, reply) => {
    // Counted at once, before the pending sign-in is looked up (B1): parallel made-up callbacks
    // get no more than the free ones. A finished sign-in forgives it.
    if (!limiter.attempt(`ip:${req.ip}`).allowed) return toSignIn(reply, 'sso_rate_limited');
    const state = req.query.state;
    const browser = req.cookies[OIDC_BROWSER_COOKIE];
    // Unknown, used, expired, or started in another browser: refused before the provider is asked.
    const pending = typeof state === 'string' && state.length <= 512 ? await store.takePending(state, isBrowserValue(browser) ? browser : null) : null;
    if (!pending) return refuse(req, reply, 'sso_state', { reason: 'state' });

    // The provider's answer exactly as it came, on the redirect URI the provider knows.
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const callbackUrl = new URL(`${redirectUri}${query}`);
    let identity;
    try {
      identity = await client.finish(callbackUrl, pending);
    } catch (err) {
      const failed = providerFailure(err);
      if (failed?.reason === 'sso_unavailable') return refuse(req, reply, failed.reason, { reason: 'unavailable' });
      if (failed?.reason === 'sso_cancelled') return refuse(req, reply, failed.reason, { reason: 'provider', error: failed.providerError });
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
      const detail = reasonOf(err);
      req.log.info({ code, reason: detail }, 'single sign-on refused');
      return refuse(req, reply, 'sso_refused', { reason: 'token', ...(code && { code }), detail });
    }

    const claims = {
      issuer: identity.issuer,
      subject: identity.subject,
      email: identity.email,
      emailVerified: identity.emailVerified,
      preferredUsername: identity.preferredUsername,
      // The provider's groups replace the account's at each sign-in; none when it sent no claim.
      groups: identity.groups ?? [],
    };
    if (!emailAllowed(settings.allowedDomains, identity.email, identity.emailVerified)) {
      return refuse(req, reply, 'sso_domain', {
        reason: 'domain',
        issuer: identity.issuer,
        subject: identity.subject,
        domain: identity.email?.slice(identity.email.lastIndexOf('@') + 1) ?? null,
        emailVerified: identity.emailVerified,
      });
    }

    // Linked by (issuer, subject) only: never by a name or an email.
    let user = await store.userFor(identity.issuer, identity.subject);
    if (user) {
      await store.touch(claims);
    } else {
      const made = await store.createLinkedUser(claims);
      user = made.user;
      if (made.created) {
        await audit.append({
          kind: AuditKind.USER_ADDED,
          actor: 'oidc',
          data: { userId: user.id, username: user.username, admin: false, issuer: identity.issuer, subject: identity.subject },
        });
      }
    }
    if (user.disabled) return refuse(req, reply, 'sso_disabled', { reason: 'disabled', userId: user.id });
    starts.reset(`ip:${req.ip}`);
    limiter.succeeded(`ip:${req.ip}`);

    // The account's own second factor is asked as after a password (B5): no session yet, the
    // sign-in page finishes it with the ticket, and the session then says 'oidc' too.
    const methods = await twoFactor.methods(user.id);
    if (methods.length > 0) {
      const { ticket, expiresAt } = await twoFactor.createTicket(user.id, 'oidc');
      const challenge: SecondFactorChallenge = { methods, ticket, expiresAt: expiresAt.toISOString() };
      const encoded = Buffer.from(JSON.stringify(challenge)).toString('base64url');
      const query = pending.next ? `?${new URLSearchParams({ next: pending.next }).toString()}` : '';
      return reply.redirect(`${paths.signIn}${query}#${SSO_SECOND_FACTOR_FRAGMENT}=${encoded}`, 302);
    }

    // The same session as a password sign-in; two factors when the provider asserted them.
    const mfa = assertsMultiFactor(identity.amr);
    const old = req.cookies[SESSION_COOKIE];
    if (old) await users.deleteSession(old);
    const s = await users.createSession(user.id, mfa, 'oidc');
    reply.setCookie(SESSION_COOKIE, s.sessionId, { ...secureCookie(), expires: s.expiresAt });
    await audit.append({
      kind: AuditKind.SIGNIN_OK,
      actor: user.id,
      // How many groups the provider sent (null: no groups claim), not which.
      data: { address: req.ip, method: 'oidc', issuer: identity.issuer, mfa, amr: identity.amr.slice(0, 10), groups: identity.groups?.length ?? null },
    });
    return reply.redirect(pending.next ?? paths.dashboard, 302);
  });
}
