import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import {
  PasskeyAdded,
  RecoveryCodes,
  SessionResponse,
  TotpEnrolment,
  TwoFactorStatus,
  twoFactorPaths,
} from '@kaigi/protocol';
import { api, request, setCsrfToken, type Parser } from '../../../api/http';

// Two-factor sign-in and one's own factors (B5).

/** The browser's passkey prompt ended without a credential (cancelled, timed out, none here). */
export class PasskeyNotUsed extends Error {
  constructor() {
    super('the passkey prompt ended without a credential');
    this.name = 'PasskeyNotUsed';
  }
}

/** Anything that looks like WebAuthn options; @simplewebauthn/browser checks the rest. */
const webAuthnOptions = <T>(): Parser<T> => ({
  safeParse: (data) =>
    typeof data === 'object' && data !== null && typeof (data as { challenge?: unknown }).challenge === 'string'
      ? { success: true, data: data as T }
      : { success: false },
});

/**
 * One JSON call through the app's client (api/http.ts). `csrf`: fetch the session's CSRF token
 * afresh first, since a factor change may follow a sign-in in another tab.
 */
async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, schema: Parser<T> | null, body?: unknown, csrf = false): Promise<T> {
  if (csrf) await api.session();
  return request(method, path, schema, body);
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
