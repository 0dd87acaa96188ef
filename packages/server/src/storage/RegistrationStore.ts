import type { RegistrationStatus } from '@kaigi/protocol';
import type { Database } from './Database.js';
import { nowIso } from './Database.js';
import type { Selectable } from 'kysely';
import type { RegistrationsTable } from './schema.js';
import { readGroups } from './accountGroups.js';
import type { Sealer } from '../security/Sealer.js';
import { newId, newSecret, sha256Hex } from '../security/random.js';

/** One registrant of one meeting (B3). The token itself is never kept in clear. */
export interface RegistrationRecord {
  id: string;
  meetingId: string;
  name: string;
  email: string;
  status: RegistrationStatus;
  createdAt: string;
  approvedAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  uses: number;
}

/**
 * One address however it is typed: Unicode compatibility forms folded, spaces around it dropped,
 * case ignored. A ban holds on to this form, so that a re-registration does not slip past it.
 */
export const normaliseEmail = (email: string): string => email.normalize('NFKC').trim().toLowerCase();

/** The most registrations one meeting keeps: the public form cannot fill the disk. */
export const MAX_REGISTRATIONS_PER_MEETING = 2000;

const toRecord = (r: Selectable<RegistrationsTable>): RegistrationRecord => ({
  id: r.id,
  meetingId: r.meeting_id,
  name: r.name,
  email: r.email,
  status: r.status,
  createdAt: r.created_at,
  approvedAt: r.approved_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  uses: r.uses,
});

const sealContext = (id: string) => `registration:${id}`;

/**
 * Registrations and their personal join tokens (B3): 256 random bits each, made when the host
 * approves (or at once in 'automatic' meetings). Found by SHA-256 of the token; sealed under the
 * server key as well, so that the host can copy a registrant's link again later.
 */
export class RegistrationStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
  ) {}

  /**
   * The keyed hash a ban keeps of a registrant's email (B3): bound to the meeting, so that bans
   * in two meetings cannot be matched up, and under the server key, so that the database alone
   * does not tell the address.
   */
  emailHash(meetingId: string, email: string): string {
    return this.sealer.keyedHash(`${meetingId}\n${normaliseEmail(email)}`, 'ban email');
  }

  /** Whether a ban in force in this meeting holds on to this email (a removed registrant's, B3). */
  async emailBanned(meetingId: string, email: string): Promise<boolean> {
    const ban = await this.db
      .selectFrom('bans')
      .select('id')
      .where('meeting_id', '=', meetingId)
      .where('email_hash', '=', this.emailHash(meetingId, email))
      .where('lifted_at', 'is', null)
      .executeTakeFirst();
    return ban !== undefined;
  }

  /**
   * A new registration, approved at once when `approve`; null when this email has already
   * registered for the meeting (whatever became of it), is banned from it until the host lifts
   * the ban (B3), or the meeting is full.
   */
  async create(meetingId: string, name: string, email: string, approve: boolean): Promise<{ record: RegistrationRecord; token: string | null } | null> {
    if (await this.emailBanned(meetingId, email)) return null;
    const emailKey = email.toLowerCase();
    const existing = await this.db
      .selectFrom('registrations')
      .select('id')
      .where('meeting_id', '=', meetingId)
      .where('email_key', '=', emailKey)
      .executeTakeFirst();
    if (existing) return null;
    const { n } = await this.db
      .selectFrom('registrations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('meeting_id', '=', meetingId)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_REGISTRATIONS_PER_MEETING) return null;
    const id = newId('r');
    const now = nowIso();
    const token = approve ? newSecret() : null;
    const row = {
      id,
      meeting_id: meetingId,
      name,
      email,
      email_key: emailKey,
      status: approve ? ('approved' as const) : ('pending' as const),
      token_hash: token && sha256Hex(token),
      token_sealed: token && this.sealer.seal(token, sealContext(id)),
      created_at: now,
      approved_at: approve ? now : null,
      revoked_at: null,
      last_used_at: null,
      uses: 0,
    };
    try {
      await this.db.insertInto('registrations').values(row).execute();
    } catch (err) {
      // Two registrations of one address at once: the unique index keeps one.
      if (err instanceof Error && /UNIQUE/i.test(err.message)) return null;
      throw err;
    }
    return { record: toRecord(row), token };
  }

  async list(meetingId: string): Promise<RegistrationRecord[]> {
    const rows = await this.db.selectFrom('registrations').selectAll().where('meeting_id', '=', meetingId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  async get(meetingId: string, id: string): Promise<RegistrationRecord | undefined> {
    const r = await this.db.selectFrom('registrations').selectAll().where('meeting_id', '=', meetingId).where('id', '=', id).executeTakeFirst();
    return r && toRecord(r);
  }

  /** The personal token of an approved registration, for the host to send again; null otherwise. */
  async token(meetingId: string, id: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('registrations')
      .select(['token_sealed', 'status'])
      .where('meeting_id', '=', meetingId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r || r.status !== 'approved' || !r.token_sealed) return null;
    return this.sealer.unseal(r.token_sealed, sealContext(id));
  }

  /** Approves a pending registration and gives it its token; an approved one stays as it is. Returns the record after. */
  async approve(meetingId: string, id: string): Promise<RegistrationRecord | undefined> {
    const token = newSecret();
    await this.db
      .updateTable('registrations')
      .set({ status: 'approved', approved_at: nowIso(), token_hash: sha256Hex(token), token_sealed: this.sealer.seal(token, sealContext(id)) })
      .where('meeting_id', '=', meetingId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    return this.get(meetingId, id);
  }

  /**
   * Revokes a registration for good: its token is forgotten in clear (the hash stays, so that
   * the link is answered as revoked, not as unknown). Returns the record after.
   */
  async revoke(meetingId: string, id: string): Promise<RegistrationRecord | undefined> {
    await this.db
      .updateTable('registrations')
      .set({ status: 'revoked', revoked_at: nowIso(), token_sealed: null })
      .where('meeting_id', '=', meetingId)
      .where('id', '=', id)
      .where('status', '!=', 'revoked')
      .execute();
    return this.get(meetingId, id);
  }

  /** The registration of this meeting whose token this is, whatever its status. */
  async byToken(meetingId: string, token: string): Promise<RegistrationRecord | undefined> {
    const r = await this.db
      .selectFrom('registrations')
      .selectAll()
      .where('token_hash', '=', sha256Hex(token))
      .where('meeting_id', '=', meetingId)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  /** The link was used to join (B3: traced). */
  async used(id: string): Promise<void> {
    await this.db
      .updateTable('registrations')
      .set((eb) => ({ last_used_at: nowIso(), uses: eb('uses', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  /**
   * The emails of an account that members-only domain lists accept: the one an administrator set,
   * and what the organisation's sign-in provider last said for its linked identities, unless the
   * provider said the address is not verified (as single sign-on's own domain rule does).
   */
  async accountEmails(userId: string): Promise<string[]> {
    const own = await this.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
    const sso = await this.db
      .selectFrom('oidc_identities')
      .select('email')
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('email_verified', 'is', null), eb('email_verified', '!=', 0)]))
      .execute();
    return [own?.email, ...sso.map((r) => r.email)].filter((e): e is string => typeof e === 'string' && e.length > 0);
  }

  /**
   * The groups of an account that members-only group lists accept: those an administrator set,
   * and those the organisation's sign-in provider sent at the last sign-in of its linked identities.
   */
  async accountGroups(userId: string): Promise<string[]> {
    const own = await this.db.selectFrom('users').select('groups').where('id', '=', userId).executeTakeFirst();
    const sso = await this.db.selectFrom('oidc_identities').select('groups').where('user_id', '=', userId).execute();
    return [...new Set([own?.groups, ...sso.map((r) => r.groups)].flatMap(readGroups))];
  }
}
