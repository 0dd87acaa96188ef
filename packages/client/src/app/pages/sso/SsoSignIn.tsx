import { useEffect, useState } from 'react';
import {
  AuthProviders,
  SecondFactorChallenge,
  SSO_ERROR_PARAM,
  SSO_SECOND_FACTOR_FRAGMENT,
  SsoError,
  fromBase64Url,
  ssoPaths,
  type AuthProviderInfo,
} from '@kaigi/protocol';
import { useSsoStrings } from './strings';

/** The providers this server offers; an empty list when none (or when the list cannot be had). */
async function loadProviders(): Promise<AuthProviderInfo[] | null> {
  try {
    const res = await fetch(ssoPaths.providers, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) return null;
    const parsed = AuthProviders.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Why the last single sign-on did not finish, from /signin?error=…, or null. */
export function ssoErrorFromUrl(): SsoError | null {
  const parsed = SsoError.safeParse(new URLSearchParams(window.location.search).get(SSO_ERROR_PARAM));
  return parsed.success ? parsed.data : null;
}

const SECOND_FACTOR_PREFIX = `#${SSO_SECOND_FACTOR_FRAGMENT}=`;

/**
 * The second step a single sign-on goes on to, for an account with its own second factor (B5):
 * the server puts it in the fragment of /signin. Pure: safe as a useState initialiser.
 */
export function ssoSecondFactorFromUrl(): SecondFactorChallenge | null {
  const hash = window.location.hash;
  if (!hash.startsWith(SECOND_FACTOR_PREFIX)) return null;
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(hash.slice(SECOND_FACTOR_PREFIX.length))));
    const parsed = SecondFactorChallenge.safeParse(json);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Takes the ticket out of the address bar and history once it has been read. */
export function clearSsoSecondFactorFromUrl(): void {
  if (window.location.hash.startsWith(SECOND_FACTOR_PREFIX)) {
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
}

/** Why the last single sign-on did not finish (B5), shown at the top of the sign-in page. */
export function SsoSignInError() {
  const s = useSsoStrings();
  const [error] = useState(ssoErrorFromUrl);
  if (!error) return null;
  return (
    <p className="error" role="alert" data-sso-error={error}>
      {s[error]}
    </p>
  );
}

/**
 * "Sign in with NAME" for each single sign-on provider (B5), under the password form. The link
 * is a plain navigation to the server, which redirects to the provider; the provider sends the
 * browser back, and the server on to the dashboard (or back here with ?error=…).
 */
/** `next`: a same-origin path to come back to after signing in (the provider returns there). */
export function SsoSignInButtons({ next }: { next?: string | null }) {
  const s = useSsoStrings();
  const [providers, setProviders] = useState<AuthProviderInfo[] | null>([]);

  useEffect(() => {
    let live = true;
    void loadProviders().then((p) => {
      if (live) setProviders(p);
    });
    return () => {
      live = false;
    };
  }, []);

  if (providers === null) return <p className="muted">{s.providersFailed}</p>;
  if (providers.length === 0) return null;
  return (
    <div className="card stack sso-sign-in">
      <p className="muted">{s.or}</p>
      {providers.map((p) => (
        <a key={p.id} className="button" href={next ? `${ssoPaths.oidcStart}?${new URLSearchParams({ next }).toString()}` : ssoPaths.oidcStart} data-sso-provider={p.id}>
          {s.signInWith.replace('{name}', p.name)}
        </a>
      ))}
    </div>
  );
}
