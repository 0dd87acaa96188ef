import { DEFAULT_MEDIA_PERMISSIONS, DEFAULT_MEETING_RULES, DEFAULT_RETENTION, MediaPermissions, MeetingRuleSet, Retention, Role } from '@kaigi/protocol';
import type { Database } from './Database.js';
import { nowIso } from './Database.js';
import type { MeetingsTable } from './schema.js';

export interface MeetingRecord {
  id: string;
  hostUserId: string;
  title: string;
  passwordHash: string;
  passwordSealed: string;
  locked: boolean;
  mediaPermissions: MediaPermissions;
  e2ee: boolean;
  retention: Retention;
  /** The host's rules (F1, C1, C4, B4). */
  rules: StoredRules;
  endedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BanRecord {
  id: string;
  meetingId: string;
  deviceHash: string | null;
  userId: string | null;
  /** The banned person's role when removed (C1: who may lift the ban). */
  role: Role;
  /** A removed registrant's registration, and the keyed hash of its email (B3). */
  registrationId: string | null;
  emailHash: string | null;
  displayName: string;
  createdAt: string;
  createdBy: string;
}

// Bans made before roles were kept read as a participant's: any host may lift them, as before.
const banRole = (stored: string | null): Role => Role.catch('participant').parse(stored ?? 'participant');

function parsePermissions(json: string | null): MediaPermissions {
  if (json === null) return { ...DEFAULT_MEDIA_PERMISSIONS };
  // Rows written before a permission existed take its default.
  const r = MediaPermissions.safeParse({ ...DEFAULT_MEDIA_PERMISSIONS, ...(JSON.parse(json) as object) });
  return r.success ? r.data : { ...DEFAULT_MEDIA_PERMISSIONS };
}

/** What the host set: the level and the rules that are not the level's. */
/** What the host set: the level and the rules that are not the level's. */
export const StoredRules = MeetingRuleSet;
export type StoredRules = MeetingRuleSet;
export const DEFAULT_STORED_RULES = DEFAULT_MEETING_RULES;

function parseRules(json: string | null): StoredRules {
  if (json === null) return { ...DEFAULT_STORED_RULES };
  const r = StoredRules.safeParse({ ...DEFAULT_STORED_RULES, ...(JSON.parse(json) as object) });
  return r.success ? r.data : { ...DEFAULT_STORED_RULES };
}

function parseRetention(json: string | null): Retention {
  if (json === null) return { ...DEFAULT_RETENTION };
  const r = Retention.safeParse({ ...DEFAULT_RETENTION, ...(JSON.parse(json) as object) });
  return r.success ? r.data : { ...DEFAULT_RETENTION };
}

const toMeeting = (r: MeetingsTable): MeetingRecord => ({
  id: r.id,
  hostUserId: r.host_user_id,
  title: r.title,
  passwordHash: r.password_hash,
  passwordSealed: r.password_sealed,
  locked: r.locked === 1,
  mediaPermissions: parsePermissions(r.media_permissions),
  e2ee: r.e2ee === 1,
  retention: parseRetention(r.retention),
  rules: parseRules(r.rules),
  endedAt: r.ended_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Meetings and their bans. */
export class MeetingStore {
  constructor(private readonly db: Database) {}

  async insert(m: Omit<MeetingRecord, 'createdAt' | 'updatedAt' | 'locked' | 'mediaPermissions' | 'endedAt'>): Promise<MeetingRecord> {
    const now = nowIso();
    const row: MeetingsTable = {
      id: m.id,
      host_user_id: m.hostUserId,
      title: m.title,
      password_hash: m.passwordHash,
      password_sealed: m.passwordSealed,
      locked: 0,
      media_permissions: null,
      e2ee: m.e2ee ? 1 : 0,
      retention: JSON.stringify(m.retention),
      rules: JSON.stringify(m.rules),
      ended_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('meetings').values(row).execute();
    return toMeeting(row);
  }

  async get(id: string): Promise<MeetingRecord | undefined> {
    const r = await this.db.selectFrom('meetings').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toMeeting(r);
  }

  async listForHost(hostUserId: string): Promise<MeetingRecord[]> {
    const rows = await this.db
      .selectFrom('meetings')
      .selectAll()
      .where('host_user_id', '=', hostUserId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toMeeting);
  }

  async update(
    id: string,
    patch: Partial<Pick<MeetingRecord, 'title' | 'passwordHash' | 'passwordSealed' | 'locked' | 'mediaPermissions' | 'e2ee' | 'retention' | 'rules' | 'endedAt'>>,
  ): Promise<void> {
    await this.db
      .updateTable('meetings')
      .set({
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.passwordHash !== undefined && { password_hash: patch.passwordHash }),
        ...(patch.passwordSealed !== undefined && { password_sealed: patch.passwordSealed }),
        ...(patch.locked !== undefined && { locked: patch.locked ? 1 : 0 }),
        ...(patch.mediaPermissions !== undefined && { media_permissions: JSON.stringify(patch.mediaPermissions) }),
        ...(patch.e2ee !== undefined && { e2ee: patch.e2ee ? 1 : 0 }),
        ...(patch.retention !== undefined && { retention: JSON.stringify(patch.retention) }),
        ...(patch.rules !== undefined && { rules: JSON.stringify(patch.rules) }),
        ...(patch.endedAt !== undefined && { ended_at: patch.endedAt }),
        updated_at: nowIso(),
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('bans').where('meeting_id', '=', id).execute();
      await trx.deleteFrom('meetings').where('id', '=', id).execute();
    });
  }

  async activeBans(meetingId: string): Promise<BanRecord[]> {
    const rows = await this.db
      .selectFrom('bans')
      .selectAll()
      .where('meeting_id', '=', meetingId)
      .where('lifted_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      meetingId: r.meeting_id,
      deviceHash: r.device_hash,
      userId: r.user_id,
      role: banRole(r.target_role),
      registrationId: r.registration_id,
      emailHash: r.email_hash,
      displayName: r.display_name,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
  }

  async insertBan(b: BanRecord): Promise<void> {
    await this.db
      .insertInto('bans')
      .values({
        id: b.id,
        meeting_id: b.meetingId,
        device_hash: b.deviceHash,
        user_id: b.userId,
        target_role: b.role,
        registration_id: b.registrationId,
        email_hash: b.emailHash,
        display_name: b.displayName,
        created_at: b.createdAt,
        created_by: b.createdBy,
        lifted_at: null,
        lifted_by: null,
      })
      .execute();
  }

  async liftBan(meetingId: string, banId: string, by: string): Promise<boolean> {
    const res = await this.db
      .updateTable('bans')
      .set({ lifted_at: nowIso(), lifted_by: by })
      .where('id', '=', banId)
      .where('meeting_id', '=', meetingId)
      .where('lifted_at', 'is', null)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }
}
