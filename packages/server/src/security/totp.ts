import { timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

// TOTP (RFC 6238) as authenticator apps do it: HMAC-SHA-1, 6 digits, 30 s steps (B5).

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
const ALGORITHM = 'SHA1';
/** Steps either side of now a code may come from (clock drift, typing time). */
export const TOTP_WINDOW = 1;

/** A new 160-bit secret (RFC 4226's recommended length), base32 without padding. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI authenticator apps read (usually from a QR code). */
export function totpUri(secretBase32: string, account: string, issuer: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
  }).toString();
}

/** The 30 s step a moment falls in. */
export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_S);

/** The code of one step (tests and tools; the server only ever checks codes). */
export function totpCodeAt(secretBase32: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm: ALGORITHM, digits: TOTP_DIGITS, counter: step });
}

/** Digits only: authenticator apps show "123 456", people paste with spaces. */
export const normaliseTotpCode = (code: string): string => code.replace(/[\s-]/g, '');

/**
 * The step whose code `code` is, within ±TOTP_WINDOW steps of `nowMs` and later than
 * `lastStep` (a code of that step or earlier was used already: replay), or null. Every
 * candidate is compared in constant time.
 */
export function matchTotp(secretBase32: string, code: string, nowMs: number, lastStep: number | null): number | null {
  const given = normaliseTotpCode(code);
  if (!/^\d{6}$/.test(given)) return null;
  const now = totpStep(nowMs);
  let found: number | null = null;
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    const equal = timingSafeEqual(Buffer.from(totpCodeAt(secretBase32, step)), Buffer.from(given));
    if (equal && (lastStep === null || step > lastStep) && found === null) found = step;
  }
  return found;
}
