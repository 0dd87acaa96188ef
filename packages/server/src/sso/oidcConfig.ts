import fs from 'node:fs';

/** Single sign-on through the organisation's OpenID Connect provider (B5). */
export interface OidcConfig {
  /** The provider's issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The label of the sign-in button ("Sign in with NAME"). */
  name: string;
  /** Lower-case email domains allowed to sign in; empty: any. */
  allowedDomains: string[];
  /** The claim (ID token or UserInfo) whose array of strings are the person's groups (B5). */
  groupsClaim: string;
}

/** Loopback hosts, the only ones an http:// issuer may name (a provider on the same machine). */
export const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** A claim name: printable ASCII without spaces (namespaced claims such as https://example.org/groups included). */
const CLAIM = /^[\x21-\x7e]{1,200}$/;

/**
 * KAIGI_OIDC_ISSUER, KAIGI_OIDC_CLIENT_ID, KAIGI_OIDC_CLIENT_SECRET or KAIGI_OIDC_CLIENT_SECRET_FILE,
 * KAIGI_OIDC_NAME, KAIGI_OIDC_ALLOWED_DOMAINS, KAIGI_OIDC_GROUPS_CLAIM. Null when no issuer is set;
 * a half-done configuration stops the start with a message naming what is missing.
 */
export function loadOidcConfig(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = env.KAIGI_OIDC_ISSUER?.trim();
  if (!issuer) return null;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`KAIGI_OIDC_ISSUER must be a URL, got ${JSON.stringify(issuer)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new Error('KAIGI_OIDC_ISSUER must be an https URL (http only for a provider on this machine, e.g. http://127.0.0.1:9000)');
  }
  if (url.search || url.hash) throw new Error('KAIGI_OIDC_ISSUER must not have a query or a fragment');
  const clientId = env.KAIGI_OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new Error('KAIGI_OIDC_ISSUER is set: KAIGI_OIDC_CLIENT_ID must be set too');
  const secretFile = env.KAIGI_OIDC_CLIENT_SECRET_FILE?.trim();
  if (secretFile && env.KAIGI_OIDC_CLIENT_SECRET) throw new Error('give KAIGI_OIDC_CLIENT_SECRET or KAIGI_OIDC_CLIENT_SECRET_FILE, not both');
  let clientSecret: string;
  if (secretFile) {
    try {
      clientSecret = fs.readFileSync(secretFile, 'utf8').trim();
    } catch (err) {
      throw new Error(`KAIGI_OIDC_CLIENT_SECRET_FILE cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  } else {
    clientSecret = env.KAIGI_OIDC_CLIENT_SECRET ?? '';
  }
  if (!clientSecret) throw new Error('KAIGI_OIDC_ISSUER is set: KAIGI_OIDC_CLIENT_SECRET or KAIGI_OIDC_CLIENT_SECRET_FILE must be set too');
  const allowedDomains = (env.KAIGI_OIDC_ALLOWED_DOMAINS ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
    .filter(Boolean);
  const bad = allowedDomains.find((d) => !DOMAIN.test(d));
  if (bad) throw new Error(`KAIGI_OIDC_ALLOWED_DOMAINS: ${JSON.stringify(bad)} is not a domain name`);
  const name = env.KAIGI_OIDC_NAME?.trim() || 'Single sign-on';
  if (name.length > 60) throw new Error('KAIGI_OIDC_NAME must be at most 60 characters');
  const groupsClaim = env.KAIGI_OIDC_GROUPS_CLAIM?.trim() || 'groups';
  if (!CLAIM.test(groupsClaim)) throw new Error(`KAIGI_OIDC_GROUPS_CLAIM: ${JSON.stringify(groupsClaim)} is not a claim name`);
  return { issuer, clientId, clientSecret, name, allowedDomains, groupsClaim };
}
