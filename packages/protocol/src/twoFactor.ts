import { z } from 'zod';

// Two-factor authentication (B5): TOTP (RFC 6238), recovery codes and WebAuthn passkeys, both
// for managing one's own factors and for the second step of signing in.

export const SecondFactorMethod = z.enum(['totp', 'recovery', 'webauthn']);
export type SecondFactorMethod = z.infer<typeof SecondFactorMethod>;

/** Sign-in tickets live this long after the right password (single use, bound to the account). */
export const SIGNIN_TICKET_TTL_MS = 5 * 60_000;
/** Recovery codes made at once; each works once. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * The answer to a right password on an account with a second factor: no session yet; finish
 * with one of `methods` and the ticket.
 */
export const SecondFactorChallenge = z.object({
  methods: z.array(SecondFactorMethod).min(1),
  ticket: z.string(),
  expiresAt: z.string(),
});
export type SecondFactorChallenge = z.infer<typeof SecondFactorChallenge>;

/** The second-factor ticket as sent back: 256 random bits, base64url. */
export const SignInTicket = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a sign-in ticket');

/** A TOTP code (6 digits) or a recovery code; spaces and dashes are ignored by the server. */
const FactorCode = z.string().min(1).max(64);

export const SecondFactorCodeRequest = z.object({ ticket: SignInTicket, code: FactorCode }).strict();
export type SecondFactorCodeRequest = z.infer<typeof SecondFactorCodeRequest>;

export const WebAuthnOptionsRequest = z.object({ ticket: SignInTicket }).strict();
export type WebAuthnOptionsRequest = z.infer<typeof WebAuthnOptionsRequest>;

/**
 * A WebAuthn response as @simplewebauthn/browser produces it (AuthenticationResponseJSON or
 * RegistrationResponseJSON); the server's WebAuthn library checks every field.
 */
export const WebAuthnResponse = z
  .object({
    id: z.string().min(1).max(1400),
    rawId: z.string().min(1).max(1400),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()),
    authenticatorAttachment: z.string().max(64).optional(),
  })
  .loose();
export type WebAuthnResponse = z.infer<typeof WebAuthnResponse>;

export const WebAuthnSignInRequest = z.object({ ticket: SignInTicket, response: WebAuthnResponse }).strict();
export type WebAuthnSignInRequest = z.infer<typeof WebAuthnSignInRequest>;

// ---- managing one's own factors (signed in) -------------------------------------------------

export const PasskeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type PasskeyInfo = z.infer<typeof PasskeyInfo>;

export const TwoFactorStatus = z.object({
  /** An authenticator app is set up and confirmed. */
  totp: z.boolean(),
  /** Unused recovery codes. */
  recoveryCodesLeft: z.number().int(),
  passkeys: z.array(PasskeyInfo),
  /** This session was signed in with a second factor. */
  sessionTwoFactor: z.boolean(),
});
export type TwoFactorStatus = z.infer<typeof TwoFactorStatus>;

/** A new TOTP secret, shown once; it works only after TotpConfirmRequest with a current code. */
export const TotpEnrolment = z.object({
  /** Base32 (RFC 4648), for typing into an authenticator app. */
  secret: z.string(),
  /** otpauth://totp/… (SHA1, 6 digits, 30 s), for a QR code or a link. */
  uri: z.string(),
});
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;

export const TotpConfirmRequest = z.object({ code: FactorCode }).strict();
export type TotpConfirmRequest = z.infer<typeof TotpConfirmRequest>;

/** Recovery codes, shown once: when the first factor is set up, or when they are made anew. */
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()).nullable() });
export type RecoveryCodes = z.infer<typeof RecoveryCodes>;

export const PasskeyAddRequest = z
  .object({
    response: WebAuthnResponse,
    /** A label the user chooses ("Laptop"); the server names it otherwise. */
    name: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export type PasskeyAddRequest = z.infer<typeof PasskeyAddRequest>;

export const PasskeyAdded = z.object({ passkey: PasskeyInfo, recoveryCodes: z.array(z.string()).nullable() });
export type PasskeyAdded = z.infer<typeof PasskeyAdded>;

/** API paths of two-factor sign-in and management. */
export const twoFactorPaths = {
  status: '/api/auth/two-factor',
  totp: '/api/auth/two-factor/totp',
  totpConfirm: '/api/auth/two-factor/totp/confirm',
  recoveryCodes: '/api/auth/two-factor/recovery-codes',
  passkeyOptions: '/api/auth/two-factor/passkeys/options',
  passkeys: '/api/auth/two-factor/passkeys',
  passkey: (id: string) => `/api/auth/two-factor/passkeys/${encodeURIComponent(id)}`,
  signInTotp: '/api/auth/signin/totp',
  signInRecovery: '/api/auth/signin/recovery',
  signInWebAuthnOptions: '/api/auth/signin/webauthn/options',
  signInWebAuthn: '/api/auth/signin/webauthn',
} as const;
