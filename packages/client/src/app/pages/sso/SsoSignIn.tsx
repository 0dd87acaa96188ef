import { useEffect, useState } from 'react';
import { AuthProviders, SSO_ERROR_PARAM, SsoError, ssoPaths, type AuthProviderInfo } from '@kaigi/protocol';
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
export function SsoSignInButtons() {
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
        <a key={p.id} className="button" href={ssoPaths.oidcStart} data-sso-provider={p.id}>
          {s.signInWith.replace('{name}', p.name)}
        </a>
      ))}
    </div>
  );
}
