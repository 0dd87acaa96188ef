import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import {
  CSRF_HEADER,
  ErrorResponse,
  PasskeyAdded,
  RecoveryCodes,
  SessionResponse,
  TotpEnrolment,
  TwoFactorStatus,
  twoFactorPaths,
} from '@kaigi/protocol';
import { ApiError, api, setCsrfToken } from '../../../api/http';

// Two-factor sign-in and one's own factors (B5). Its own small client, beside api/http.ts.

interface Parser<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

/** Anything that looks like WebAuthn options; @simplewebauthn/browser checks the rest. */
const webAuthnOptions = <T>(): Parser<T> => ({
  safeParse: (data) =>
    typeof data === 'object' && data !== null && typeof (data as { challenge?: unknown }).challenge === 'string'
      ? { success: true, data: data as T }
      : { success: false },
});

async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, schema: Parser<T> | null, body?: unknown, csrf = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrf) {
    // The session's CSRF token, fresh from the server: this module keeps no copy of its own.
    const token = (await api.session()).csrfToken;
    if (token) headers[CSRF_HEADER] = token;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  const json: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorResponse.safeParse(json);
    throw e.success
      ? new ApiError(res.status, e.data.code, e.data.message, e.data.retryAfterMs)
      : new ApiError(res.status, res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', res.statusText);
  }
  if (schema === null) return undefined as T;
  const r = schema.safeParse(json);
  if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
  return r.data;
}

/** A finished sign-in: the session's CSRF token becomes the one every later call sends. */
async function session(path: string, body: unknown): Promise<SessionResponse> {
  const s = await call('POST', path, SessionResponse, body);
  setCsrfToken(s.csrfToken);
  return s;
}

export const twoFactorApi = {
  // ---- the second step of signing in ----
  signInTotp: (ticket: string, code: string) => session(twoFactorPaths.signInTotp, { ticket, code }),
  signInRecovery: (ticket: string, code: string) => session(twoFactorPaths.signInRecovery, { ticket, code }),
  signInPasskeyOptions: (ticket: string) =>
    call('POST', twoFactorPaths.signInWebAuthnOptions, webAuthnOptions<PublicKeyCredentialRequestOptionsJSON>(), { ticket }),
  signInPasskey: (ticket: string, response: AuthenticationResponseJSON) => session(twoFactorPaths.signInWebAuthn, { ticket, response }),

  // ---- one's own factors ----
  status: () => call('GET', twoFactorPaths.status, TwoFactorStatus),
  beginTotp: () => call('POST', twoFactorPaths.totp, TotpEnrolment, undefined, true),
  confirmTotp: (code: string) => call('POST', twoFactorPaths.totpConfirm, RecoveryCodes, { code }, true),
  removeTotp: () => call<void>('DELETE', twoFactorPaths.totp, null, undefined, true),
  newRecoveryCodes: () => call('POST', twoFactorPaths.recoveryCodes, RecoveryCodes, undefined, true),
  passkeyOptions: () => call('POST', twoFactorPaths.passkeyOptions, webAuthnOptions<PublicKeyCredentialCreationOptionsJSON>(), undefined, true),
  addPasskey: (response: RegistrationResponseJSON, name?: string) =>
    call('POST', twoFactorPaths.passkeys, PasskeyAdded, { response, ...(name && { name }) }, true),
  removePasskey: (id: string) => call<void>('DELETE', twoFactorPaths.passkey(id), null, undefined, true),
};
