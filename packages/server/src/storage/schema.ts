import type { Generated } from 'kysely';

// Timestamps are ISO-8601 strings in UTC; booleans are 0/1 (SQLite) and map to boolean in pg.
export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  is_admin: number;
  disabled: number;
  created_at: string;
  /** Set by an administrator; what members-only meetings' email domains are checked against (B5). */
  email: Generated<string | null>;
  /** Set by an administrator (JSON array of group names; null: none); what members-only meetings' group lists are checked against (B5). */
  groups: Generated<string | null>;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a database leak does not hand out sessions. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  /** 1 when signed in with a second factor (B5). */
  two_factor: Generated<number>;
  /** How the session was signed in: null for a password, 'oidc' for single sign-on (B5). */
  sign_in_method: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface MeetingsTable {
  id: string;
  host_user_id: string;
  title: string;
  password_hash: string;
  /** The password sealed under the server key, so the host can read it back for invitations. */
  password_sealed: string;
  locked: number;
  /** JSON of MediaPermissions, null for the defaults. */
  media_permissions: string | null;
  e2ee: number;
  /** JSON of Retention, null for the defaults. */
  retention: string | null;
  /** JSON of the host's rules (level, join before host, window, name rule, mute on entry); null for the defaults. */
  rules: string | null;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface BansTable {
  id: string;
  meeting_id: string;
  device_hash: string | null;
  user_id: string | null;
  /** 0015: the banned person's role when removed; null before. */
  target_role: Generated<string | null>;
  /** 0015: a removed registrant's registration, and the keyed hash of its email (B3); null otherwise. */
  registration_id: Generated<string | null>;
  email_hash: Generated<string | null>;
  display_name: string;
  created_at: string;
  created_by: string;
  lifted_at: string | null;
  lifted_by: string | null;
}

export interface AuditLogTable {
  seq: Generated<number>;
  at: string;
  meeting_id: string | null;
  kind: string;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
  /** HMAC-SHA-256 of hash under a key kept outside the database: re-hashing needs that key. */
  mac: string;
  /**
   * SHA-256 (hex) of JSON [actor, data]; hash covers it in place of actor and data, so these can
   * be redacted and the chain still verifies. Null for entries written before it existed (their
   * hash covers actor and data directly).
   */
  content_hash: string | null;
  /** When actor and data were replaced because their retention ran out (E4); null if never. */
  redacted_at: string | null;
}

export type ObjectKind = 'file' | 'recording' | 'chat' | 'waiting' | 'export';
/** 'server': encrypted under its own key, which the server holds wrapped; 'e2ee': encrypted by a client, no key here. */
export type ObjectProtection = 'server' | 'e2ee';

export interface ObjectsTable {
  id: string;
  meeting_id: string;
  kind: ObjectKind;
  /** base64 of the name sealed under the object key ('server' objects); null for e2ee objects (D2, E3). */
  sealed_name: string | null;
  /** A name stored in clear before 0016, until the server seals it at start; null afterwards. */
  legacy_name: string | null;
  /** Bytes as stored on disk. */
  size: number;
  /** SHA-256 (hex) of the bytes on disk. */
  ciphertext_sha256: string;
  protection: ObjectProtection;
  /** base64 of the object key wrapped under the objects KEK; null for e2ee objects. */
  wrapped_key: string | null;
  /** Relative to the data folder. */
  path: string;
  node: string;
  region: string;
  created_by: string;
  created_at: string;
  purge_at: string | null;
}

export interface DeletionCertificatesTable {
  object_id: string;
  meeting_id: string;
  created_at: string;
  /** The signed certificate JSON. */
  certificate: string;
}

// Two-factor authentication (B5).
export interface TotpSecretsTable {
  user_id: string;
  /** The confirmed secret (base32), sealed with context `totp:<user_id>`; null when TOTP is off. */
  secret_sealed: string | null;
  /** A secret being set up, sealed the same way, until a code from it is confirmed. */
  pending_sealed: string | null;
  /** The last 30 s step a code was accepted for: that step and earlier ones are refused (replay). */
  last_step: number | null;
  enabled_at: string | null;
  updated_at: string;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  /** SHA-256 (hex) of the normalised code. */
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

export interface PasskeysTable {
  /** The credential ID, base64url. */
  id: string;
  user_id: string;
  name: string;
  /** COSE public key, base64url. */
  public_key: string;
  /** The authenticator's signature counter, last seen. */
  counter: number;
  /** JSON array of transports the browser reported. */
  transports: string;
  created_at: string;
  last_used_at: string | null;
}

export interface SignInTicketsTable {
  /** SHA-256 of the ticket the client holds. */
  id_hash: string;
  user_id: string;
  /** The WebAuthn challenge of this sign-in, once asked for. */
  challenge: string | null;
  /** How the first step was done: null for a password, 'oidc' for single sign-on. */
  sign_in_method: string | null;
  failures: Generated<number>;
  created_at: string;
  expires_at: string;
}

export interface PasskeyChallengesTable {
  user_id: string;
  challenge: string;
  expires_at: string;
}

// Single sign-on (B5).
export interface OidcIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  /** What the provider last said, for the admin; never used to find the account. */
  email: string | null;
  email_verified: number | null;
  /** The groups the provider sent at the last sign-in (JSON array; '[]' when it sent none), replaced at each sign-in. */
  groups: Generated<string | null>;
  created_at: string;
  last_signin_at: string;
}

export interface OidcLoginsTable {
  /** SHA-256 of the state sent to the provider. */
  state_hash: string;
  /** SHA-256 of the binding cookie of the browser that started the sign-in. */
  browser_hash: string;
  nonce: string;
  /** The PKCE code verifier, sealed with context `oidc:<state_hash>`. */
  verifier_sealed: string;
  created_at: string;
  expires_at: string;
  /** The same-origin path to return to after sign-in (a join link); null: the dashboard. */
  next_path: string | null;
}

/** Pre-registration (B3): one registrant of one meeting. */
export interface RegistrationsTable {
  id: string;
  meeting_id: string;
  name: string;
  email: string;
  /** The email lower-cased: one registration per address and meeting. */
  email_key: string;
  status: 'pending' | 'approved' | 'revoked';
  /** SHA-256 (hex) of the personal join token; null until approved. */
  token_hash: string | null;
  /** The token sealed with context `registration:<id>`, so the host can copy the link again. */
  token_sealed: string | null;
  created_at: string;
  approved_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  uses: Generated<number>;
}

export interface DB {
  users: UsersTable;
  registrations: RegistrationsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  meetings: MeetingsTable;
  bans: BansTable;
  audit_log: AuditLogTable;
  objects: ObjectsTable;
  deletion_certificates: DeletionCertificatesTable;
  totp_secrets: TotpSecretsTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  signin_tickets: SignInTicketsTable;
  passkey_challenges: PasskeyChallengesTable;
  oidc_identities: OidcIdentitiesTable;
  oidc_logins: OidcLoginsTable;
}
