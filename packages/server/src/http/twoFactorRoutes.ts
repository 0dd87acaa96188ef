import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  AuditKind,
  ErrorCode,
  LIMITS,
  PasskeyAddRequest,
  SecondFactorCodeRequest,
  TotpConfirmRequest,
  WebAuthnOptionsRequest,
  WebAuthnSignInRequest,
  twoFactorPaths,
  type PasskeyAdded,
  type RecoveryCodes,
  type SecondFactorChallenge,
  type SecondFactorMethod,
  type SessionResponse,
  type TotpEnrolment,
  type TwoFactorStatus,
} from '@kaigi/protocol';
import type { Services } from '../services.js';
import { addressKey, type RateLimiter } from '../security/RateLimiter.js';
import { totpUri } from '../security/totp.js';
import { passkeyInfo, TwoFactorStore } from '../storage/TwoFactorStore.js';
import type { User } from '../storage/UserStore.js';
import { requireUser, resolveAuth } from './auth.js';
import { SESSION_COOKIE, secureCookie } from './cookies.js';
import { KaigiError } from '../errors.js';
import { sameOrigin } from './origin.js';
import { parseBody } from './validate.js';

/**
 * COSE algorithms accepted for passkeys, all on the CRYPTREC lists (D5): ECDSA P-256 with
 * SHA-256, EdDSA, RSASSA-PKCS1-v1_5 with SHA-256 (what Windows Hello uses).
 */
const PASSKEY_ALGORITHMS = [-7, -8, -257];
const RP_NAME = 'Kaigi';
const EXPIRED_TICKET = 'This sign-in has expired or was already finished. Enter your password again.';
const WRONG_FACTOR = 'The second factor is not right.';

export interface SecondFactorGate {
  /** For a right password: the challenge to send instead of a session, or null when the account has no second factor. */
  challenge(userId: string): Promise<SecondFactorChallenge | null>;
}

/**
 * Two-factor authentication (B5): the second step of signing in (TOTP, recovery code, passkey)
 * and each user's own factors. Failures of the second step count in the same rate limiter as
 * wrong passwords, and are audited.
 */
export function twoFactorRoutes(app: FastifyInstance, services: Services, limiter: RateLimiter): SecondFactorGate {
  const { config, audit, users } = services;
  const store = new TwoFactorStore(services.db, services.sealer);
  const rpID = new URL(config.publicUrl).hostname;
  // What every passkey answer is checked against, at enrolment and at sign-in alike.
  const expected = { expectedOrigin: config.publicUrl, expectedRPID: rpID, requireUserVerification: false } as const;
  const guard = { preHandler: requireUser(services) };

  const signedIn = async (req: FastifyRequest): Promise<{ user: User; twoFactor: boolean }> => {
    const auth = await resolveAuth(services, req);
    if (!auth) throw new KaigiError(ErrorCode.UNAUTHENTICATED);
    return { user: auth.user, twoFactor: auth.twoFactor };
  };

  /**
   * Changing the factors of an account that has one needs a session signed in with one: a
   * stolen password session cannot add its own passkey, or take the owner's factors away.
   */
  const mayChangeFactors = async (req: FastifyRequest): Promise<User> => {
    const { user, twoFactor } = await signedIn(req);
    if (!twoFactor && (await store.hasSecondFactor(user.id))) throw new KaigiError(ErrorCode.TWO_FACTOR_REQUIRED);
    return user;
  };

  /** New recovery codes if the account has none left (its first factor): shown once. */
  const firstRecoveryCodes = async (userId: string): Promise<string[] | null> =>
    (await store.recoveryCodesLeft(userId)) === 0 ? store.replaceRecoveryCodes(userId) : null;

  // ---- one's own factors ---------------------------------------------------------------------

  app.get(twoFactorPaths.status, guard, async (req): Promise<TwoFactorStatus> => {
    const { user, twoFactor } = await signedIn(req);
    const [totp, recoveryCodesLeft, passkeys] = await Promise.all([
      store.totpEnabled(user.id),
      store.recoveryCodesLeft(user.id),
      store.passkeys(user.id),
    ]);
    return { totp, recoveryCodesLeft, passkeys: passkeys.map(passkeyInfo), sessionTwoFactor: twoFactor };
  });

  app.post(twoFactorPaths.totp, guard, async (req): Promise<TotpEnrolment> => {
    const user = await mayChangeFactors(req);
    const secret = await store.beginTotp(user.id);
    return { secret, uri: totpUri(secret, `${user.username}@${rpID}`, RP_NAME) };
  });

  app.post(twoFactorPaths.totpConfirm, guard, async (req): Promise<RecoveryCodes> => {
    const user = await mayChangeFactors(req);
    const { code } = parseBody(TotpConfirmRequest, req.body);
    if (!(await store.confirmTotp(user.id, code))) throw new KaigiError(ErrorCode.WRONG_CODE, 'The code is not right for the new secret.');
    await audit.append({ kind: AuditKind.MFA_ENROLLED, actor: user.id, data: { method: 'totp', address: req.ip } });
    return { recoveryCodes: await firstRecoveryCodes(user.id) };
  });

  app.delete(twoFactorPaths.totp, guard, async (req, reply) => {
    const user = await mayChangeFactors(req);
    if (!(await store.removeTotp(user.id))) throw new KaigiError(ErrorCode.NOT_FOUND, 'No authenticator app is set up.');
    await audit.append({ kind: AuditKind.MFA_REMOVED, actor: user.id, data: { method: 'totp', address: req.ip } });
    return reply.code(204).send();
  });

  app.post(twoFactorPaths.recoveryCodes, guard, async (req): Promise<RecoveryCodes> => {
    const user = await mayChangeFactors(req);
    if (!(await store.hasSecondFactor(user.id))) {
      throw new KaigiError(ErrorCode.SECOND_FACTOR_MISSING, 'Recovery codes stand in for a second factor: set up an authenticator app or a passkey first.');
    }
    const recoveryCodes = await store.replaceRecoveryCodes(user.id);
    await audit.append({ kind: AuditKind.MFA_ENROLLED, actor: user.id, data: { method: 'recovery', count: recoveryCodes.length, address: req.ip } });
    return { recoveryCodes };
  });

  app.post(twoFactorPaths.passkeyOptions, guard, async (req) => {
    const user = await mayChangeFactors(req);
    const existing = await store.passkeys(user.id);
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID,
      userName: user.username,
      // The account's random ID, not its name: what the authenticator keeps for a resident key.
      userID: new TextEncoder().encode(user.id),
      userDisplayName: user.username,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    await store.setRegistrationChallenge(user.id, options.challenge);
    return options;
  });

  // A passkey's registration response (attestation, public key) may pass the default JSON limit (H4).
  app.post(twoFactorPaths.passkeys, { ...guard, bodyLimit: LIMITS.httpBodyBytes }, async (req, reply): Promise<PasskeyAdded> => {
    const user = await mayChangeFactors(req);
    const body = parseBody(PasskeyAddRequest, req.body);
    const challenge = await store.takeRegistrationChallenge(user.id);
    if (!challenge) throw new KaigiError(ErrorCode.VALIDATION, 'No passkey registration is in progress; start again.');
    let credential;
    try {
      const v = await verifyRegistrationResponse({
        response: body.response as unknown as RegistrationResponseJSON,
        expectedChallenge: challenge,
        ...expected,
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
      credential = v.verified ? v.registrationInfo.credential : null;
    } catch (err) {
      req.log.info({ reason: err instanceof Error ? err.message : String(err) }, 'passkey registration refused');
      credential = null;
    }
    if (!credential) throw new KaigiError(ErrorCode.VALIDATION, 'The passkey could not be verified.');
    const mine = await store.passkeys(user.id);
    if (mine.some((p) => p.id === credential.id)) throw new KaigiError(ErrorCode.PASSKEY_IN_USE, 'This passkey is already registered.');
    let added;
    try {
      added = await store.addPasskey({
        id: credential.id,
        userId: user.id,
        name: body.name ?? `Passkey ${mine.length + 1}`,
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
      });
    } catch {
      // The credential ID is another account's: refuse without saying whose.
      throw new KaigiError(ErrorCode.PASSKEY_IN_USE, 'This passkey cannot be registered.');
    }
    await audit.append({ kind: AuditKind.PASSKEY_ADDED, actor: user.id, data: { passkeyId: added.id, name: added.name, address: req.ip } });
    reply.code(201);
    return { passkey: passkeyInfo(added), recoveryCodes: await firstRecoveryCodes(user.id) };
  });

  app.delete<{ Params: { id: string } }>('/api/auth/two-factor/passkeys/:id', guard, async (req, reply) => {
    const user = await mayChangeFactors(req);
    if (!(await store.removePasskey(user.id, req.params.id))) throw new KaigiError(ErrorCode.NOT_FOUND, 'No such passkey.');
    await audit.append({ kind: AuditKind.PASSKEY_REMOVED, actor: user.id, data: { passkeyId: req.params.id, address: req.ip } });
    return reply.code(204).send();
  });

  // ---- the second step of signing in -------------------------------------------------------

  const refuse = (retryAfterMs: number): never => {
    throw new KaigiError(ErrorCode.RATE_LIMITED, { retryAfterMs: Math.ceil(retryAfterMs) });
  };

  /**
   * The ticket's account, after the rate limiter's say; an unknown or dead ticket fails here.
   * `verifies`: a factor is checked next, so the attempt is counted now, in the same synchronous
   * step as the limiter's decision and before any await (B1): parallel guesses get only the free
   * ones. A right factor is forgiven in `finish`.
   */
  const openStep = async (req: FastifyRequest, ticket: string, method: SecondFactorMethod, verifies: boolean): Promise<{ user: User; challenge: string | null }> => {
    if (!sameOrigin(req, config.publicUrl)) throw new KaigiError(ErrorCode.CSRF, 'Cross-origin sign-in is refused.');
    const ip = addressKey(req.ip);
    const early = limiter.check(ip);
    if (!early.allowed) refuse(early.retryAfterMs);
    const t = await store.ticket(ticket);
    const user = t ? await users.byId(t.userId) : undefined;
    if (!t || !user || user.disabled) {
      limiter.fail(ip);
      await audit.append({ kind: AuditKind.SECOND_FACTOR_FAILED, actor: `address:${req.ip}`, data: { method, reason: 'ticket' } });
      throw new KaigiError(ErrorCode.UNAUTHENTICATED, EXPIRED_TICKET);
    }
    const keys = [ip, `user:${user.username}`];
    const limit = verifies ? limiter.attempt(...keys) : keys.map((k) => limiter.check(k)).find((d) => !d.allowed);
    if (limit && !limit.allowed) refuse(limit.retryAfterMs);
    return { user, challenge: t.challenge };
  };

  /** The attempt was counted by openStep already. */
  const failStep = async (req: FastifyRequest, ticket: string, user: User, method: SecondFactorMethod): Promise<never> => {
    await store.failTicket(ticket);
    await audit.append({
      kind: AuditKind.SECOND_FACTOR_FAILED,
      actor: `address:${req.ip}`,
      data: { userId: user.id, username: user.username, method, reason: 'wrong' },
    });
    throw new KaigiError(ErrorCode.INVALID_CREDENTIALS, WRONG_FACTOR);
  };

  /** Right second factor: the ticket is used up and the session begins, marked as two-factor. */
  const finish = async (req: FastifyRequest, reply: FastifyReply, ticket: string, user: User, method: SecondFactorMethod): Promise<SessionResponse> => {
    // A ticket from single sign-on (B5) keeps that in the session and the audit.
    const via = (await store.ticket(ticket))?.signInMethod ?? null;
    if (!(await store.consumeTicket(ticket))) throw new KaigiError(ErrorCode.UNAUTHENTICATED, EXPIRED_TICKET);
    limiter.succeeded(addressKey(req.ip));
    limiter.reset(`user:${user.username}`);
    const s = await users.createSession(user.id, true, via);
    reply.setCookie(SESSION_COOKIE, s.sessionId, { ...secureCookie(), expires: s.expiresAt });
    await audit.append({ kind: AuditKind.SIGNIN_OK, actor: user.id, data: { address: req.ip, secondFactor: method, ...(via && { method: via }) } });
    return { user: { id: user.id, username: user.username, isAdmin: user.isAdmin }, csrfToken: s.csrfToken, twoFactor: true };
  };

  app.post(twoFactorPaths.signInTotp, async (req, reply): Promise<SessionResponse> => {
    const body = parseBody(SecondFactorCodeRequest, req.body);
    const { user } = await openStep(req, body.ticket, 'totp', true);
    if (!(await store.verifyTotp(user.id, body.code))) return failStep(req, body.ticket, user, 'totp');
    return finish(req, reply, body.ticket, user, 'totp');
  });

  app.post(twoFactorPaths.signInRecovery, async (req, reply): Promise<SessionResponse> => {
    const body = parseBody(SecondFactorCodeRequest, req.body);
    const { user } = await openStep(req, body.ticket, 'recovery', true);
    if (!(await store.useRecoveryCode(user.id, body.code))) return failStep(req, body.ticket, user, 'recovery');
    return finish(req, reply, body.ticket, user, 'recovery');
  });

  app.post(twoFactorPaths.signInWebAuthnOptions, async (req) => {
    const body = parseBody(WebAuthnOptionsRequest, req.body);
    const { user } = await openStep(req, body.ticket, 'webauthn', false);
    const passkeys = await store.passkeys(user.id);
    if (passkeys.length === 0) throw new KaigiError(ErrorCode.VALIDATION, 'This account has no passkey.');
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: passkeys.map((p) => ({ id: p.id, transports: p.transports })),
      userVerification: 'preferred',
    });
    await store.setTicketChallenge(body.ticket, options.challenge);
    return options;
  });

  app.post(twoFactorPaths.signInWebAuthn, async (req, reply): Promise<SessionResponse> => {
    const body = parseBody(WebAuthnSignInRequest, req.body);
    const { user, challenge } = await openStep(req, body.ticket, 'webauthn', true);
    // Each challenge answers once, right or wrong.
    await store.setTicketChallenge(body.ticket, null);
    const passkey = challenge ? await store.passkey(user.id, body.response.id) : undefined;
    if (!challenge || !passkey) return failStep(req, body.ticket, user, 'webauthn');
    let newCounter: number | null = null;
    try {
      const v = await verifyAuthenticationResponse({
        response: body.response as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        ...expected,
        credential: { id: passkey.id, publicKey: passkey.publicKey, counter: passkey.counter, transports: passkey.transports },
      });
      // The library refuses a signature counter that did not move forward (a cloned authenticator).
      if (v.verified) newCounter = v.authenticationInfo.newCounter;
    } catch (err) {
      req.log.info({ reason: err instanceof Error ? err.message : String(err) }, 'passkey sign-in refused');
    }
    if (newCounter === null || !(await store.passkeyUsed(passkey.id, passkey.counter, newCounter))) {
      return failStep(req, body.ticket, user, 'webauthn');
    }
    return finish(req, reply, body.ticket, user, 'webauthn');
  });

  return {
    async challenge(userId) {
      const methods = await store.methods(userId);
      if (methods.length === 0) return null;
      const { ticket, expiresAt } = await store.createTicket(userId);
      return { methods, ticket, expiresAt: expiresAt.toISOString() };
    },
  };
}
