import { SSO_STATE_TTL_SECONDS } from '@kaigi/protocol';
import type { Database } from './Database.js';
import { nowIso } from './Database.js';
import type { Sealer } from '../security/Sealer.js';
import { hashPassword } from '../security/passwords.js';
import { newId, newSecret, safeEqual, sha256Hex } from '../security/random.js';
import type { User } from './UserStore.js';
import { writeGroups } from './accountGroups.js';

/** A sign-in started at the provider: what the callback needs to check and finish it. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface IdentityClaims {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean | null;
  preferredUsername: string | null;
  /** The groups the provider sent this time (checked names); empty when it sent none. */
  groups: readonly string[];
}

const USERNAME_MAX = 64;

/** A Kaigi username from the provider's preferred_username or the email's local part. */
export function baseUsername(preferredUsername: string | null, email: string | null): string {
  const pick = (raw: string | null): string => {
    if (!raw) return '';
    const local = raw.includes('@') ? raw.slice(0, raw.lastIndexOf('@')) : raw;
    return local
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .replace(/[-._]+$/, '')
      .slice(0, USERNAME_MAX - 5);
  };
  return pick(preferredUsername) || pick(email) || 'user';
}

/**
 * Single sign-on state (B5): sign-ins in progress (single use, 10 minutes, bound to the browser
 * that started them) and the links from a provider's (issuer, subject) to a Kaigi account.
 */
export class OidcStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps a started sign-in under its state; `browser` is the value of the browser's binding cookie. */
  /** `next`: a path already checked with safeNextPath, or null. */
  async savePending(p: PendingLogin, browser: string, next: string | null = null): Promise<void> {
    await this.purgeExpired();
    const stateHash = sha256Hex(p.state);
    await this.db
      .insertInto('oidc_logins')
      .values({
        state_hash: stateHash,
        browser_hash: sha256Hex(browser),
        nonce: p.nonce,
        verifier_sealed: this.sealer.seal(p.codeVerifier, `oidc:${stateHash}`),
        created_at: new Date(this.now()).toISOString(),
        expires_at: new Date(this.now() + SSO_STATE_TTL_SECONDS * 1000).toISOString(),
        next_path: next,
      })
      .execute();
  }

  /**
   * Takes the sign-in of this state once, whatever comes next: null when it is unknown, already
   * taken, expired, or was started in another browser (`browser` null: no binding cookie).
   */
  async takePending(state: string, browser: string | null): Promise<(PendingLogin & { next: string | null }) | null> {
    const stateHash = sha256Hex(state);
    const r = await this.db.deleteFrom('oidc_logins').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
    if (!r || Date.parse(r.expires_at) <= this.now() || browser === null || !safeEqual(sha256Hex(browser), r.browser_hash)) return null;
    return { state, nonce: r.nonce, codeVerifier: this.sealer.unseal(r.verifier_sealed, `oidc:${stateHash}`), next: r.next_path ?? null };
  }

  async purgeExpired(): Promise<void> {
    await this.db.deleteFrom('oidc_logins').where('expires_at', '<', new Date(this.now()).toISOString()).execute();
  }

  /** The account linked to this provider subject, if any. Never looked up by name or email. */
  async userFor(issuer: string, subject: string): Promise<User | undefined> {
    const r = await this.db
      .selectFrom('oidc_identities')
      .innerJoin('users', 'users.id', 'oidc_identities.user_id')
      .select(['users.id', 'users.username', 'users.is_admin', 'users.disabled'])
      .where('oidc_identities.issuer', '=', issuer)
      .where('oidc_identities.subject', '=', subject)
      .executeTakeFirst();
    return r && { id: r.id, username: r.username, isAdmin: r.is_admin === 1, disabled: r.disabled === 1 };
  }

  /**
   * Keeps what the provider last said about the person (email and groups may change there). The
   * groups are replaced, not merged: a group the provider no longer sends is gone, and a sign-in
   * without the groups claim leaves none.
   */
  async touch(c: IdentityClaims): Promise<void> {
    await this.db
      .updateTable('oidc_identities')
      .set({ email: c.email, email_verified: c.emailVerified === null ? null : c.emailVerified ? 1 : 0, groups: writeGroups(c.groups), last_signin_at: nowIso() })
      .where('issuer', '=', c.issuer)
      .where('subject', '=', c.subject)
      .execute();
  }

  /**
   * First sign-in of this subject: a new account (not an admin) with a unique username and a
   * password nobody knows (256 random bits, discarded), so it signs in only through the
   * provider; and its link. If the same subject was linked meanwhile, that account is returned.
   */
  async createLinkedUser(c: IdentityClaims): Promise<{ user: User; created: boolean }> {
    const passwordHash = await hashPassword(newSecret());
    const base = baseUsername(c.preferredUsername, c.email);
    for (let attempt = 0; attempt < 50; attempt++) {
      const username = attempt === 0 ? base : attempt < 20 ? `${base}-${attempt + 1}` : `${base}-${newSecret().slice(0, 4).toLowerCase().replace(/[^a-z0-9]/g, '0')}`;
      const id = newId('u');
      const at = nowIso();
      const outcome = await this.db.transaction().execute(async (trx) => {
        const linked = await trx.selectFrom('oidc_identities').select('user_id').where('issuer', '=', c.issuer).where('subject', '=', c.subject).executeTakeFirst();
        if (linked) return 'linked' as const;
        const taken = await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
        if (taken) return 'taken' as const;
        await trx.insertInto('users').values({ id, username, password_hash: passwordHash, is_admin: 0, disabled: 0, created_at: at }).execute();
        await trx
          .insertInto('oidc_identities')
          .values({
            issuer: c.issuer,
            subject: c.subject,
            user_id: id,
            email: c.email,
            email_verified: c.emailVerified === null ? null : c.emailVerified ? 1 : 0,
            groups: writeGroups(c.groups),
            created_at: at,
            last_signin_at: at,
          })
          .execute();
        return 'created' as const;
      });
      if (outcome === 'created') return { user: { id, username, isAdmin: false, disabled: false }, created: true };
      if (outcome === 'linked') {
        const user = await this.userFor(c.issuer, c.subject);
        if (user) return { user, created: false };
      }
    }
    throw new Error('no free username');
  }
}
