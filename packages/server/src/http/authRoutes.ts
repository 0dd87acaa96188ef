import type { FastifyInstance } from 'fastify';
import { AuditKind, ErrorCode, SignInRequest, type SessionResponse } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { addressKey, RateLimiter } from '../security/RateLimiter.js';
import { requireUser, resolveAuth } from './auth.js';
import { SESSION_COOKIE, secureCookie } from './cookies.js';
import { KaigiError } from '../errors.js';
import { parseBody } from './validate.js';
import { sameOrigin } from './origin.js';
import { twoFactorRoutes } from './twoFactorRoutes.js';

export function authRoutes(app: FastifyInstance, services: Services): void {
  const limiter = new RateLimiter({ freeFailures: 5 });
  // The second step of signing in (B5) counts its failures in the same limiter.
  const secondFactor = twoFactorRoutes(app, services, limiter);

  app.get('/api/auth/session', async (req): Promise<SessionResponse> => {
    const auth = await resolveAuth(services, req);
    return {
      user: auth ? { id: auth.user.id, username: auth.user.username, isAdmin: auth.user.isAdmin } : null,
      csrfToken: auth?.csrfToken ?? null,
      twoFactor: auth?.twoFactor ?? false,
    };
  });

  app.post('/api/auth/signin', async (req, reply): Promise<SessionResponse> => {
    if (!sameOrigin(req, services.config.publicUrl)) throw new KaigiError(ErrorCode.CSRF, 'Cross-origin sign-in is refused.');
    const body = parseBody(SignInRequest, req.body);
    const keys = [addressKey(req.ip), `user:${body.username}`];
    // Counted before the password hash is checked, so parallel guesses get only the free ones (B1).
    const limit = limiter.attempt(...keys);
    if (!limit.allowed) {
      throw new KaigiError(ErrorCode.RATE_LIMITED, { retryAfterMs: Math.ceil(limit.retryAfterMs) });
    }
    const user = await services.users.authenticate(body.username, body.password);
    if (user) limiter.succeeded(...keys);
    if (!user) {
      await services.audit.append({ kind: AuditKind.SIGNIN_FAILED, actor: `address:${req.ip}`, data: { username: body.username } });
      throw new KaigiError(ErrorCode.INVALID_CREDENTIALS);
    }
    // A second factor finishes the sign-in: no session yet, and the failures count on until then.
    const challenge = await secondFactor.challenge(user.id);
    if (challenge) return { user: null, csrfToken: null, secondFactor: challenge };
    limiter.reset(`user:${body.username}`);
    const s = await services.users.createSession(user.id);
    reply.setCookie(SESSION_COOKIE, s.sessionId, { ...secureCookie(), expires: s.expiresAt });
    await services.audit.append({ kind: AuditKind.SIGNIN_OK, actor: user.id, data: { address: req.ip } });
    return { user: { id: user.id, username: user.username, isAdmin: user.isAdmin }, csrfToken: s.csrfToken, twoFactor: false };
  });

  app.post('/api/auth/signout', { preHandler: requireUser(services) }, async (req, reply) => {
    const sid = req.cookies[SESSION_COOKIE];
    if (sid) await services.users.deleteSession(sid);
    reply.clearCookie(SESSION_COOKIE, secureCookie());
    return reply.code(204).send();
  });
}
