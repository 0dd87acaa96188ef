import { z } from 'zod';

// Single sign-on through OpenID Connect (B5): authorisation code + PKCE with the organisation's
// provider. Accounts are linked by the provider's (issuer, subject), never by a name or an email.

/**
 * Only same-origin absolute paths are followed after sign-in (no open redirect): a path that
 * starts with one slash, not two or a backslash, of printable ASCII and at most 512 characters.
 */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next || next.length > 512 || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return /^[\x21-\x7e]+$/.test(next) ? next : null;
}

/** API paths of single sign-on. Start and callback are browser navigations, not fetches. */
export const ssoPaths = {
  /** GET: the sign-in providers this server offers (an empty list when none is configured). */
  providers: '/api/auth/providers',
  /** GET: redirects the browser to the provider. */
  oidcStart: '/api/auth/oidc/start',
  /** GET: where the provider sends the browser back; the provider must know this redirect URI. */
  oidcCallback: '/api/auth/oidc/callback',
} as const;

export const AuthProviderInfo = z.object({
  id: z.literal('oidc'),
  /** The label of the sign-in button, e.g. "Company SSO" (KAIGI_OIDC_NAME). */
  name: z.string(),
});
export type AuthProviderInfo = z.infer<typeof AuthProviderInfo>;

export const AuthProviders = z.array(AuthProviderInfo);
export type AuthProviders = z.infer<typeof AuthProviders>;

/**
 * Why a single sign-on did not finish: the callback redirects to `/signin?error=<code>`.
 * - sso_unavailable: the provider could not be reached (or is not configured);
 * - sso_state: the sign-in was unknown, already used, expired, or started in another browser;
 * - sso_refused: the provider's answer did not pass the checks (code, ID token);
 * - sso_cancelled: the provider reported an error, e.g. the person cancelled;
 * - sso_domain: the account's email is not in a domain this organisation allows;
 * - sso_disabled: the Kaigi account is disabled;
 * - sso_rate_limited: too many failed sign-ins from this address; wait and try again.
 */
export const SsoError = z.enum(['sso_unavailable', 'sso_state', 'sso_refused', 'sso_cancelled', 'sso_domain', 'sso_disabled', 'sso_rate_limited']);
export type SsoError = z.infer<typeof SsoError>;

/** The query parameter of the sign-in page that carries an SsoError. */
export const SSO_ERROR_PARAM = 'error';

/**
 * A single sign-on to an account that has its own second factor goes on to the second step:
 * the callback redirects to `/signin#second-factor=<base64url of a SecondFactorChallenge JSON>`
 * (in the fragment, so the ticket reaches no server log and no Referer).
 */
export const SSO_SECOND_FACTOR_FRAGMENT = 'second-factor';

/** Seconds a started sign-in may take at the provider before its state is refused. */
export const SSO_STATE_TTL_SECONDS = 600;
