import * as oidc from 'openid-client';
import { ACCOUNT_GROUPS_MAX, ErrorCode, GroupName } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import { isLoopbackHost, type OidcConfig } from './oidcConfig.js';

/** What Kaigi takes from a validated sign-in. */
export interface OidcIdentity {
  /** The ID token's `iss`, checked against the discovered issuer. */
  issuer: string;
  subject: string;
  email: string | null;
  /** The provider's word; null when it said nothing. */
  emailVerified: boolean | null;
  preferredUsername: string | null;
  /** The ID token's `amr` (RFC 8176), empty when absent. */
  amr: string[];
  /** The groups claim (KAIGI_OIDC_GROUPS_CLAIM) of the ID token, else of UserInfo; null when the provider sent none. */
  groups: string[] | null;
}

/** The provider did not answer discovery: SSO fails with a clear error, the server runs on. */
const unavailable = (detail: string) => new KaigiError(ErrorCode.INTERNAL, { message: `the provider is not reachable: ${detail}` });

/** The provider sent the person back with an error (e.g. access_denied when they cancelled). */
const refused = (providerError: string) =>
  new KaigiError(ErrorCode.FORBIDDEN, { message: `the provider answered ${providerError}`, details: { providerError } });

/**
 * Why a sign-in failed at the provider, for the sign-in page (an SsoError): it was unreachable,
 * or it refused, with its OAuth error (cut short: it is the provider's text). Null for any other
 * failure (a token that does not validate).
 */
export function providerFailure(err: unknown): { reason: 'sso_unavailable' } | { reason: 'sso_cancelled'; providerError: string } | null {
  if (!(err instanceof KaigiError)) return null;
  if (err.code === ErrorCode.INTERNAL) return { reason: 'sso_unavailable' };
  const d = err.details as { providerError?: unknown } | undefined;
  if (err.code === ErrorCode.FORBIDDEN && typeof d?.providerError === 'string') return { reason: 'sso_cancelled', providerError: d.providerError.slice(0, 64) };
  return null;
}

const SCOPE = 'openid email profile';
/** After a failed discovery, the next try waits at least this long (a sign-in click triggers it). */
const RETRY_AFTER_MS = 5_000;

/**
 * The relying party, on openid-client (OpenID-certified): discovery, authorisation code with
 * PKCE (S256), state and nonce, and validation of the ID token (issuer, audience, signature,
 * nonce, expiry). Signature checks are switched on for ID tokens from the token endpoint as well
 * (openid-client skips them by default there, trusting TLS), so a tampered token is refused
 * whatever the transport.
 */
export class OidcClient {
  private config: oidc.Configuration | null = null;
  private pending: Promise<oidc.Configuration> | null = null;
  private lastFailureAt = 0;
  private lastError = '';

  constructor(
    readonly settings: OidcConfig,
    readonly redirectUri: string,
  ) {}

  /** Discovery; concurrent callers share one attempt, and failures are retried after a pause. */
  ready(): Promise<oidc.Configuration> {
    if (this.config) return Promise.resolve(this.config);
    if (this.pending) return this.pending;
    if (Date.now() - this.lastFailureAt < RETRY_AFTER_MS) return Promise.reject(unavailable(this.lastError));
    this.pending = this.discover()
      .then((c) => {
        this.config = c;
        return c;
      })
      .catch((err: unknown) => {
        this.lastFailureAt = Date.now();
        this.lastError = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
        throw unavailable(this.lastError);
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    const url = new URL(issuer);
    // Plain http only for a provider on this machine (the configuration refuses anything else).
    const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
    const execute = [oidc.enableNonRepudiationChecks, ...(insecure ? [oidc.allowInsecureRequests] : [])];
    const found = await oidc.discovery(url, clientId, { client_secret: clientSecret }, oidc.ClientSecretBasic(clientSecret), { execute, timeout: 10 });
    const methods = found.serverMetadata().token_endpoint_auth_methods_supported;
    // client_secret_basic is the standard's default; a provider that only takes the secret in the body gets that.
    if (methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
      const post = new oidc.Configuration(found.serverMetadata(), clientId, { client_secret: clientSecret }, oidc.ClientSecretPost(clientSecret));
      post.timeout = 10;
      for (const f of execute) f(post);
      return post;
    }
    return found;
  }

  /** A fresh state, nonce and PKCE verifier, and the provider URL to send the browser to. */
  async begin(): Promise<{ url: URL; state: string; nonce: string; codeVerifier: string }> {
    const config = await this.ready();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      // Ask for amr in the ID token, and the groups, where the provider takes the claims
      // parameter (OIDC Core 5.5); others send them or not as they are set up to.
      ...(config.serverMetadata().claims_parameter_supported === true && { claims: this.claimsRequest() }),
    });
    return { url, state, nonce, codeVerifier };
  }

  private claimsRequest(): string {
    const groups = this.settings.groupsClaim;
    return JSON.stringify({ id_token: { amr: null, [groups]: null }, userinfo: { [groups]: null } });
  }

  /**
   * Exchanges the code of `callbackUrl` (the full URL the provider sent the browser to) and
   * validates the ID token; email, username and groups come from the ID token or, when it has
   * none, from the UserInfo endpoint (whose `sub` must match).
   */
  async finish(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<OidcIdentity> {
    const config = await this.ready();
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError) throw refused(err.error);
      throw err;
    }
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    let source: Record<string, unknown> = claims;
    const userinfo = config.serverMetadata().userinfo_endpoint;
    const groupsClaim = this.settings.groupsClaim;
    const needProfile = typeof claims.email !== 'string' || typeof claims.preferred_username !== 'string';
    const needGroups = !Object.hasOwn(claims, groupsClaim);
    if ((needProfile || needGroups) && userinfo && tokens.access_token) {
      try {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        source = { ...info, ...claims };
      } catch (err) {
        // Asked for the groups only: a UserInfo that fails (or names another subject) gives none.
        if (needProfile) throw err;
      }
    }
    const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 320 ? v : null);
    const verified = source.email_verified;
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: str(source.email),
      emailVerified: typeof verified === 'boolean' ? verified : verified === 'true' ? true : verified === 'false' ? false : null,
      preferredUsername: str(source.preferred_username),
      amr: Array.isArray(claims.amr) ? claims.amr.filter((a): a is string => typeof a === 'string') : [],
      groups: Object.hasOwn(source, groupsClaim) ? groupsOfClaim(source[groupsClaim]) : null,
    };
  }
}

/**
 * The groups in a provider's claim: its strings that are group names (trimmed, NFC; others and
 * non-strings ignored), each once, at most ACCOUNT_GROUPS_MAX. A lone string is one group; any
 * other value, none.
 */
export function groupsOfClaim(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  const groups = new Set<string>();
  for (const v of list) {
    if (groups.size >= ACCOUNT_GROUPS_MAX) break;
    const parsed = typeof v === 'string' ? GroupName.safeParse(v) : null;
    if (parsed?.success) groups.add(parsed.data);
  }
  return [...groups];
}

/** RFC 8176 values that say the provider used more than a password: counts as two factors (B5). */
const MULTI_FACTOR_AMR = new Set(['mfa', 'otp', 'hwk']);
export const assertsMultiFactor = (amr: readonly string[]): boolean => amr.some((a) => MULTI_FACTOR_AMR.has(a));

/**
 * Whether the email may sign in under the allow-list (empty list: anyone). The address must be
 * present, in one of the domains (exactly, not a subdomain), and not declared unverified by the
 * provider (providers that never send email_verified, as some company directories, pass).
 */
export function emailAllowed(allowedDomains: readonly string[], email: string | null, emailVerified: boolean | null): boolean {
  if (allowedDomains.length === 0) return true;
  if (!email || emailVerified === false) return false;
  const at = email.lastIndexOf('@');
  if (at < 1) return false;
  return allowedDomains.includes(email.slice(at + 1).toLowerCase());
}
