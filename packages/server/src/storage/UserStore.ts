import type { UserInfo } from '@kaigi/protocol';
import type { Database } from './Database.js';
import { nowIso } from './Database.js';
import { hashPassword, verifyPassword, burnVerify } from '../security/passwords.js';
import { newId, newSecret, sha256Hex } from '../security/random.js';

export interface User extends UserInfo {
  disabled: boolean;
}

const SESSION_TTL_MS = 12 * 60 * 60_000;

type Row = { id: string; username: string; is_admin: number; disabled: number };
const toUser = (r: Row): User => ({
  id: r.id,
  username: r.username,
  isAdmin: r.is_admin === 1,
  disabled: r.disabled === 1,
});

/** Accounts, their browser sessions and their API tokens. */
export class UserStore {
  constructor(private readonly db: Database) {}

  async add(username: string, password: string, isAdmin: boolean): Promise<User> {
    const exists = await this.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (exists) throw new Error(`user ${username} already exists`);
    const row = {
      id: newId('u'),
      username,
      password_hash: await hashPassword(password),
      is_admin: isAdmin ? 1 : 0,
      disabled: 0,
      created_at: nowIso(),
    };
    await this.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async byUsername(username: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return r && toUser(r);
  }

  async byId(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async setDisabled(username: string, disabled: boolean): Promise<User> {
    const res = await this.db
      .updateTable('users')
      .set({ disabled: disabled ? 1 : 0 })
      .where('username', '=', username)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw new Error(`no user ${username}`);
    const user = await this.byUsername(username);
    if (!user) throw new Error(`no user ${username}`);
    if (disabled) {
      await this.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    }
    return user;
  }

  /** Checks a password; unknown users cost the same time as wrong passwords. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const r = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!r) {
      await burnVerify(password);
      return null;
    }
    const ok = await verifyPassword(r.password_hash, password);
    return ok && r.disabled === 0 ? toUser(r) : null;
  }

  /**
   * `twoFactor`: the sign-in used a second factor as well as the password, or the single sign-on
   * provider asserted more than one (B5). `method`: 'oidc' for single sign-on.
   */
  async createSession(userId: string, twoFactor = false, method: 'oidc' | null = null): Promise<{ sessionId: string; csrfToken: string; expiresAt: Date }> {
    const sessionId = newSecret();
    const csrfToken = newSecret();
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: sha256Hex(sessionId),
        user_id: userId,
        csrf_token: csrfToken,
        created_at: nowIso(),
        expires_at: expiresAt.toISOString(),
        two_factor: twoFactor ? 1 : 0,
        sign_in_method: method,
      })
      .execute();
    return { sessionId, csrfToken, expiresAt };
  }

  async resolveSession(sessionId: string): Promise<{ user: User; csrfToken: string; twoFactor: boolean } | null> {
    const r = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.username', 'users.is_admin', 'users.disabled', 'sessions.csrf_token', 'sessions.expires_at', 'sessions.two_factor'])
      .where('sessions.id_hash', '=', sha256Hex(sessionId))
      .executeTakeFirst();
    if (!r || r.disabled === 1 || Date.parse(r.expires_at) < Date.now()) return null;
    return { user: toUser(r), csrfToken: r.csrf_token, twoFactor: r.two_factor === 1 };
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(sessionId)).execute();
  }

  async purgeExpiredSessions(): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', nowIso()).execute();
  }

  /** Returns the token once; only its hash is stored. */
  async createToken(username: string, name: string): Promise<{ id: string; token: string }> {
    const user = await this.byUsername(username);
    if (!user) throw new Error(`no user ${username}`);
    const id = newId('t');
    const token = `kaigi_${newSecret()}`;
    await this.db
      .insertInto('api_tokens')
      .values({ id, user_id: user.id, name, token_hash: sha256Hex(token), created_at: nowIso(), revoked_at: null })
      .execute();
    return { id, token };
  }

  async listTokens(): Promise<{ id: string; username: string; name: string; createdAt: string; revoked: boolean }[]> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id', 'users.username', 'api_tokens.name', 'api_tokens.created_at', 'api_tokens.revoked_at'])
      .orderBy('api_tokens.created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, username: r.username, name: r.name, createdAt: r.created_at, revoked: r.revoked_at !== null }));
  }

  async revokeToken(id: string): Promise<void> {
    const res = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: nowIso() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw new Error(`no active token ${id}`);
  }

  async resolveToken(token: string): Promise<User | null> {
    const r = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['users.id', 'users.username', 'users.is_admin', 'users.disabled'])
      .where('api_tokens.token_hash', '=', sha256Hex(token))
      .where('api_tokens.revoked_at', 'is', null)
      .executeTakeFirst();
    return r && r.disabled === 0 ? toUser(r) : null;
  }
}
