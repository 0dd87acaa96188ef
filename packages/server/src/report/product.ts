import { can, HOST_ACTIONS, MEETING_ID_ALPHABET, MEETING_ID_LENGTH, MLS_CIPHER_SUITE } from '@kaigi/protocol';
import { CONTENT_SECURITY_POLICY } from '../http/securityHeaders.js';
import { HSTS, TLS_PROFILE } from '../http/tls.js';

/**
 * What this Kaigi build itself provides, for the organisation-scope clauses of the security
 * report (F3). Read from the code that enforces it wherever there is one place to read it from
 * (the TLS profile, the CSP, the permission table, the ID format); the few flags below that are
 * written out say what the code does or lacks, each with where to look, and must change with it.
 */
export interface ProductFacts {
  tls: { minVersion: string; ciphers: string[]; curves: string[]; hsts: string | null };
  /** The Content-Security-Policy every response carries. */
  csp: string;
  /** MLS cipher suite of E2EE meetings (D1, D5). */
  mlsCipherSuite: string;
  /** Cipher of every object at rest, each under its own key (ObjectStore). */
  objectCipher: string;
  /** Random bits in a meeting ID (F4). */
  meetingIdBits: number;
  /** Host actions the host role may take (meeting/Permissions.ts). */
  hostActions: string[];
  /** Meeting.arrive puts everyone but the host in the waiting room (B2); there is no switch to turn it off. */
  waitingRoom: boolean;
  /** Pre-registration with personal join links (B3): storage/RegistrationStore.ts, http/registrationRoutes.ts. */
  preRegistration: boolean;
  /** Two-factor sign-in (B5): TOTP, recovery codes and passkeys (security/totp.ts, http/twoFactorRoutes.ts). */
  twoFactor: boolean;
  /** The client is a web page served by this server: nothing to download or install (A1). */
  browserOnly: boolean;
  /** Chat links: only full http(s) URLs become links, never file: or UNC paths (client/src/app/components/linkify.ts, H4). */
  chatLinksHttpOnly: boolean;
  /** The invitation generator (G1, G2; protocol/src/invitation.ts): neutral subject, password in the URL fragment, ID + password pair, password as its own message. */
  invitation: { neutralSubject: boolean; passwordInFragment: boolean; idPasswordPair: boolean; separatePasswordMessage: boolean };
}

export function productFacts(): ProductFacts {
  return {
    tls: {
      minVersion: TLS_PROFILE.minVersion,
      ciphers: TLS_PROFILE.ciphers.split(':'),
      curves: TLS_PROFILE.ecdhCurve.split(':'),
      hsts: HSTS || null,
    },
    csp: CONTENT_SECURITY_POLICY,
    mlsCipherSuite: MLS_CIPHER_SUITE,
    objectCipher: 'aes-256-gcm',
    meetingIdBits: Math.floor(MEETING_ID_LENGTH * Math.log2(MEETING_ID_ALPHABET.length)),
    hostActions: HOST_ACTIONS.filter((a) => can('host', a)),
    waitingRoom: true,
    preRegistration: true,
    twoFactor: true,
    browserOnly: true,
    chatLinksHttpOnly: true,
    invitation: { neutralSubject: true, passwordInFragment: true, idPasswordPair: true, separatePasswordMessage: true },
  };
}

/** Sources of a CSP that are not this server: anything but 'self', 'none', data: and blob:. */
export function thirdPartySources(csp: string): string[] {
  const out = new Set<string>();
  for (const directive of csp.split(';')) {
    const [, ...sources] = directive.trim().split(/\s+/);
    for (const s of sources) if (!["'self'", "'none'", 'data:', 'blob:'].includes(s)) out.add(s);
  }
  return [...out];
}
