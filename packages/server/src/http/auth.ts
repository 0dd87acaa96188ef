import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER, ErrorCode } from '@kaigi/protocol';
import type { User } from '../storage/UserStore.js';
import type { Services } from '../services.js';
import { safeEqual } from '../security/random.js';
import { SESSION_COOKIE } from './cookies.js';
import { KaigiError } from '../errors.js';

export interface Auth {
  user: User;
  /** Set for cookie sessions: state-changing requests must echo it. Null for bearer tokens. */
  csrfToken: string | null;
  /** Signed in with a second factor (B5). False for bearer tokens, which carry no such proof. */
  twoFactor: boolean;
}

const cache = new WeakMap<FastifyRequest, Auth | null>();

/** Who is calling: a bearer API token, or a session cookie. Never a claim in the body. */
export async function resolveAuth(services: Services, req: FastifyRequest): Promise<Auth | null> {
  if (cache.has(req)) return cache.get(req) ?? null;
  let auth: Auth | null = null;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    const user = m?.[1] ? await services.users.resolveToken(m[1]) : null;
    if (!user) throw new KaigiError(ErrorCode.UNAUTHENTICATED, 'The API token is not valid.');
    auth = { user, csrfToken: null, twoFactor: false };
  } else {
    const sid = req.cookies[SESSION_COOKIE];
    if (sid) {
      const s = await services.users.resolveSession(sid);
      if (s) auth = { user: s.user, csrfToken: s.csrfToken, twoFactor: s.twoFactor };
    }
  }
  cache.set(req, auth);
  return auth;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** preHandler: a signed-in caller, with its CSRF token on every state-changing cookie request. */
export function requireUser(services: Services) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const auth = await resolveAuth(services, req);
    if (!auth) throw new KaigiError(ErrorCode.UNAUTHENTICATED);
    if (auth.csrfToken !== null && !SAFE.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, auth.csrfToken)) throw new KaigiError(ErrorCode.CSRF);
    }
  };
}

export async function currentUser(services: Services, req: FastifyRequest): Promise<User> {
  const auth = await resolveAuth(services, req);
  if (!auth) throw new KaigiError(ErrorCode.UNAUTHENTICATED);
  return auth.user;
}

/** The identity resolveAuth already found for this request (sync, for WebSocket handlers). */
export function cachedAuth(req: FastifyRequest): Auth | null {
  return cache.get(req) ?? null;
}
