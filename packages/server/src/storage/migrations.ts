import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Migrations live in code so one `node` process carries everything it needs; they are written
// in the subset of SQL that SQLite and PostgreSQL share.
const migrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('meetings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('host_user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('password_sealed', 'text', (c) => c.notNull())
        .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('meetings_host').on('meetings').column('host_user_id').execute();
      await db.schema
        .createTable('bans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('device_hash', 'text')
        .addColumn('user_id', 'text')
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('lifted_at', 'text')
        .addColumn('lifted_by', 'text')
        .execute();
      await db.schema.createIndex('bans_meeting').on('bans').column('meeting_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('meeting_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('mac', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_meeting').on('audit_log').column('meeting_id').execute();
      await sql`select 1`.execute(db);
    },
  },
  '0002_media_permissions': {
    async up(db: Kysely<unknown>) {
      // JSON of MediaPermissions; null means the defaults.
      await db.schema.alterTable('meetings').addColumn('media_permissions', 'text').execute();
    },
  },
  '0003_e2ee': {
    async up(db: Kysely<unknown>) {
      // 1 when the meeting is end-to-end encrypted (MLS + SFrame); fixed while people are in it.
      await db.schema.alterTable('meetings').addColumn('e2ee', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0004_objects': {
    async up(db: Kysely<unknown>) {
      // Every stored piece of meeting data (E1, E3, E4). No foreign key to meetings: an object
      // must only ever go through ObjectStore.delete (bytes zeroed, key destroyed, certificate),
      // never vanish in a cascade that leaves its file behind.
      await db.schema
        .createTable('objects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('ciphertext_sha256', 'text', (c) => c.notNull())
        .addColumn('protection', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('purge_at', 'text')
        .execute();
      await db.schema.createIndex('objects_meeting').on('objects').column('meeting_id').execute();
      await db.schema.createIndex('objects_purge_at').on('objects').column('purge_at').execute();
      // Certificates outlive their object and its meeting: they are the proof it was destroyed.
      await db.schema
        .createTable('deletion_certificates')
        .addColumn('object_id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deletion_certificates_meeting').on('deletion_certificates').column('meeting_id').execute();
    },
  },
  '0005_retention': {
    async up(db: Kysely<unknown>) {
      // JSON of Retention (seconds per kind after the meeting ends); null means the defaults.
      await db.schema.alterTable('meetings').addColumn('retention', 'text').execute();
      // When the meeting last ended: what fell due while the server was down is purged at start.
      await db.schema.alterTable('meetings').addColumn('ended_at', 'text').execute();
    },
  },
  '0006_audit_redaction': {
    async up(db: Kysely<unknown>) {
      // New entries hash SHA-256([actor, data]) instead of actor and data themselves, so that the
      // personal data of waiting-room records can be removed when their retention runs out (E4)
      // and the chain still verifies. Older entries keep null and the hash they were written with.
      await db.schema.alterTable('audit_log').addColumn('content_hash', 'text').execute();
      await db.schema.alterTable('audit_log').addColumn('redacted_at', 'text').execute();
    },
  },
  '0007_meeting_rules': {
    async up(db: Kysely<unknown>) {
      // JSON of the host's rules: level (F1), join before host and time window (C4), name rule
      // (B4), mute on entry (C1); null means the defaults (Medium, closed before the host).
      await db.schema.alterTable('meetings').addColumn('rules', 'text').execute();
    },
  },
  '0008_two_factor': {
    async up(db: Kysely<unknown>) {
      // Two-factor authentication (B5). Whether each session was signed in with a second factor.
      await db.schema.alterTable('sessions').addColumn('two_factor', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // TOTP: the confirmed secret and one being set up, both sealed under the server key; the
      // last time step a code was accepted for, so that no code works twice.
      await db.schema
        .createTable('totp_secrets')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('secret_sealed', 'text')
        .addColumn('pending_sealed', 'text')
        .addColumn('last_step', 'integer')
        .addColumn('enabled_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Recovery codes: SHA-256 of each (80 random bits), used once.
      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();
      // WebAuthn credentials (passkeys): ID and public key base64url, signature counter, transports (JSON).
      await db.schema
        .createTable('passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'integer', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();
      // Between a right password and the second factor: single use, short-lived, one account.
      // The WebAuthn challenge of a sign-in rides on its ticket; a passkey registration's on the user.
      await db.schema
        .createTable('signin_tickets')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('challenge', 'text')
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('passkey_challenges')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0009_audit_redaction_index': {
    async up(db: Kysely<unknown>) {
      // The purger looks for waiting-room records not yet redacted every 15 s: without this it
      // would scan the whole audit log each time.
      await db.schema.createIndex('audit_kind_redacted').on('audit_log').columns(['kind', 'redacted_at']).execute();
    },
  },
  '0010_oidc': {
    async up(db: Kysely<unknown>) {
      // Single sign-on (B5). How each session was signed in: null for a password, 'oidc'.
      await db.schema.alterTable('sessions').addColumn('sign_in_method', 'text').execute();
      // The link from a provider's (issuer, subject) to an account: the only way SSO finds one.
      await db.schema
        .createTable('oidc_identities')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('email', 'text')
        .addColumn('email_verified', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_signin_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('oidc_identities_pk', ['issuer', 'subject'])
        .execute();
      await db.schema.createIndex('oidc_identities_user').on('oidc_identities').column('user_id').execute();
      // Sign-ins in progress at the provider: SHA-256 of the state, of the browser's binding
      // cookie, the nonce and the sealed PKCE verifier; single use, ten minutes.
      await db.schema
        .createTable('oidc_logins')
        .addColumn('state_hash', 'text', (c) => c.primaryKey())
        .addColumn('browser_hash', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('verifier_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_logins_expires').on('oidc_logins').column('expires_at').execute();
    },
  },
  '0011_registrations': {
    async up(db: Kysely<unknown>) {
      // Members-only meetings may admit only some email domains (B5): an account's email, set by
      // an administrator. Null: the account has none, and a domain list refuses it.
      await db.schema.alterTable('users').addColumn('email', 'text').execute();
      // Pre-registration (B3): one row per registrant of a meeting. The personal join token is
      // SHA-256 hashed for lookup, and sealed under the server key so the host can copy the link
      // again (as the meeting password is); both null until the host approves.
      await db.schema
        .createTable('registrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.unique())
        .addColumn('token_sealed', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('registrations_meeting_email').on('registrations').columns(['meeting_id', 'email_key']).unique().execute();
    },
  },
  '0012_oidc_second_step': {
    async up(db: Kysely<unknown>) {
      // A single sign-on to an account with its own second factor goes on to the second step
      // (B5): the ticket remembers that the first step was 'oidc', for the session and the audit.
      await db.schema.alterTable('signin_tickets').addColumn('sign_in_method', 'text').execute();
    },
  },
  '0013_account_groups': {
    async up(db: Kysely<unknown>) {
      // Members-only meetings may admit only some groups (B5). An account's groups are those an
      // administrator set (JSON array; null: none) and those its sign-in provider sent at the last
      // sign-in (JSON array, replaced each time; null before this column existed: none).
      await db.schema.alterTable('users').addColumn('groups', 'text').execute();
      await db.schema.alterTable('oidc_identities').addColumn('groups', 'text').execute();
    },
  },
  '0014_oidc_next_path': {
    async up(db: Kysely<unknown>) {
      // A single sign-on started from a join link returns there, not to the dashboard.
      await db.schema.alterTable('oidc_logins').addColumn('next_path', 'text').execute();
    },
  },
  '0015_ban_targets': {
    async up(db: Kysely<unknown>) {
      // The banned person's role when removed: lifting the ban follows the permission table, as
      // the removal did (C1). Null for bans made before: read as a participant's.
      await db.schema.alterTable('bans').addColumn('target_role', 'text').execute();
      // A removed registrant's registration, and a keyed hash of its normalised email (HMAC under
      // the server key, bound to the meeting): the personal link, and any later registration of
      // the same address in the meeting, are refused until the host lifts the ban (B3).
      await db.schema.alterTable('bans').addColumn('registration_id', 'text').execute();
      await db.schema.alterTable('bans').addColumn('email_hash', 'text').execute();
      await db.schema.createIndex('bans_meeting_email').on('bans').columns(['meeting_id', 'email_hash']).execute();
    },
  },
  '0016_sealed_object_names': {
    async up(db: Kysely<unknown>) {
      // Object names no longer stay in clear (D2, E3). A 'server' object's name is sealed under the
      // object's own key (sealed_name), so destroying the key destroys the name; an 'e2ee' object
      // has none here (the browsers carry it inside the ciphertext). SQLite cannot drop NOT NULL
      // from a column, so the table is rebuilt; names stored before move to legacy_name, which
      // ObjectStore.sealLegacyNames() seals (or, for e2ee objects, drops) when the server starts:
      // only the server holds the key-encryption key a migration would need.
      await db.schema
        .createTable('objects_0016')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sealed_name', 'text')
        .addColumn('legacy_name', 'text')
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('ciphertext_sha256', 'text', (c) => c.notNull())
        .addColumn('protection', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('purge_at', 'text')
        .execute();
      const kept = 'id, meeting_id, kind, size, ciphertext_sha256, protection, wrapped_key, path, node, region, created_by, created_at, purge_at';
      await sql`INSERT INTO objects_0016 (${sql.raw(kept)}, legacy_name) SELECT ${sql.raw(kept)}, name FROM objects`.execute(db);
      await db.schema.dropTable('objects').execute();
      await db.schema.alterTable('objects_0016').renameTo('objects').execute();
      await db.schema.createIndex('objects_meeting').on('objects').column('meeting_id').execute();
      await db.schema.createIndex('objects_purge_at').on('objects').column('purge_at').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
