import { SIGNIN_TICKET_TTL_MS, type PasskeyInfo, type SecondFactorMethod } from '@kaigi/protocol';
import type { Sealer } from '../security/Sealer.js';
import { newId, newSecret, sha256Hex } from '../security/random.js';
import { hashRecoveryCode, newRecoveryCodes } from '../security/recoveryCodes.js';
import { matchTotp, newTotpSecret } from '../security/totp.js';
import type { Database } from './Database.js';

/** Wrong second factors one ticket takes before it is void (the rate limiter counts them too). */
export const TICKET_MAX_FAILURES = 5;
/** How long a passkey registration may take between options and answer. */
const REGISTRATION_TTL_MS = 5 * 60_000;

export interface StoredPasskey {
  id: string;
  userId: string;
  name: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface TicketInfo {
  userId: string;
  /** The WebAuthn challenge handed out for this sign-in, if any. */
  challenge: string | null;
  /** The first step was single sign-on (B5), not a password. */
  signInMethod: 'oidc' | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const totpContext = (userId: string): string => `totp:${userId}`;

/**
 * Second factors of accounts (B5): TOTP secrets (sealed under the server key, never logged),
 * recovery codes (hashed), WebAuthn passkeys, and the sign-in tickets that sit between a right
 * password and a second factor. `now` is injectable so tests can fix the clock.
 */
export class TwoFactorStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- what an account has ---------------------------------------------------------------

  /** The methods that can finish this account's sign-in; empty when it has no second factor. */
  async methods(userId: string): Promise<SecondFactorMethod[]> {
    const [totp, passkeys, codes] = await Promise.all([this.totpEnabled(userId), this.passkeys(userId), this.recoveryCodesLeft(userId)]);
    if (!totp && passkeys.length === 0) return [];
    return [...(totp ? ['totp' as const] : []), ...(codes > 0 ? ['recovery' as const] : []), ...(passkeys.length > 0 ? ['webauthn' as const] : [])];
  }

  async hasSecondFactor(userId: string): Promise<boolean> {
    return (await this.methods(userId)).length > 0;
  }

  // ---- TOTP ------------------------------------------------------------------------------

  async totpEnabled(userId: string): Promise<boolean> {
    const r = await this.db.selectFrom('totp_secrets').select('secret_sealed').where('user_id', '=', userId).executeTakeFirst();
    return !!r?.secret_sealed;
  }

  /** A new secret, pending until confirmed with a code from it; an enabled one keeps working meanwhile. */
  async beginTotp(userId: string): Promise<string> {
    const secret = newTotpSecret();
    const pending = this.sealer.seal(secret, totpContext(userId));
    await this.db
      .insertInto('totp_secrets')
      .values({ user_id: userId, secret_sealed: null, pending_sealed: pending, last_step: null, enabled_at: null, updated_at: iso(this.now()) })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ pending_sealed: pending, updated_at: iso(this.now()) }))
      .execute();
    return secret;
  }

  /** Enables the pending secret if `code` is a current code of it; that code is then used up. */
  async confirmTotp(userId: string, code: string): Promise<boolean> {
    const r = await this.db.selectFrom('totp_secrets').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!r?.pending_sealed) return false;
    const step = matchTotp(this.sealer.unseal(r.pending_sealed, totpContext(userId)), code, this.now(), null);
    if (step === null) return false;
    const res = await this.db
      .updateTable('totp_secrets')
      .set({ secret_sealed: r.pending_sealed, pending_sealed: null, last_step: step, enabled_at: iso(this.now()), updated_at: iso(this.now()) })
      .where('user_id', '=', userId)
      .where('pending_sealed', '=', r.pending_sealed)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /**
   * True when `code` belongs to a step within ±1 of now that is later than the last accepted
   * one; that step becomes the last accepted, atomically, so the same code never works twice.
   */
  async verifyTotp(userId: string, code: string): Promise<boolean> {
    const r = await this.db.selectFrom('totp_secrets').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!r?.secret_sealed) return false;
    const step = matchTotp(this.sealer.unseal(r.secret_sealed, totpContext(userId)), code, this.now(), r.last_step);
    if (step === null) return false;
    const res = await this.db
      .updateTable('totp_secrets')
      .set({ last_step: step, updated_at: iso(this.now()) })
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  async removeTotp(userId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('totp_secrets').where('user_id', '=', userId).executeTakeFirst();
    await this.dropRecoveryCodesIfNoFactor(userId);
    return res.numDeletedRows > 0n;
  }

  // ---- recovery codes --------------------------------------------------------------------

  /** Ten new codes, returned once; the old ones stop working. */
  async replaceRecoveryCodes(userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    const at = iso(this.now());
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      await tx
        .insertInto('recovery_codes')
        .values(codes.map((c) => ({ id: newId('rc'), user_id: userId, code_hash: hashRecoveryCode(userId, c), created_at: at, used_at: null })))
        .execute();
    });
    return codes;
  }

  /** Uses a code up: true once per code. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const res = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: iso(this.now()) })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hashRecoveryCode(userId, code))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  async recoveryCodesLeft(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Recovery codes stand in for a second factor; with none left to stand in for, they go. */
  private async dropRecoveryCodesIfNoFactor(userId: string): Promise<void> {
    const passkeys = await this.passkeys(userId);
    if (passkeys.length === 0 && !(await this.totpEnabled(userId))) {
      await this.db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    }
  }

  // ---- passkeys --------------------------------------------------------------------------

  async passkeys(userId: string): Promise<StoredPasskey[]> {
    const rows = await this.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map(toPasskey);
  }

  async passkey(userId: string, id: string): Promise<StoredPasskey | undefined> {
    const r = await this.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return r && toPasskey(r);
  }

  async addPasskey(p: Omit<StoredPasskey, 'createdAt' | 'lastUsedAt'>): Promise<StoredPasskey> {
    const row = {
      id: p.id,
      user_id: p.userId,
      name: p.name,
      public_key: Buffer.from(p.publicKey).toString('base64url'),
      counter: p.counter,
      transports: JSON.stringify(p.transports),
      created_at: iso(this.now()),
      last_used_at: null,
    };
    await this.db.insertInto('passkeys').values(row).execute();
    return toPasskey(row);
  }

  /** Records a successful use; false if another sign-in moved the counter first. */
  async passkeyUsed(id: string, oldCounter: number, newCounter: number): Promise<boolean> {
    const res = await this.db
      .updateTable('passkeys')
      .set({ counter: newCounter, last_used_at: iso(this.now()) })
      .where('id', '=', id)
      .where('counter', '=', oldCounter)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  async removePasskey(userId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('passkeys').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    await this.dropRecoveryCodesIfNoFactor(userId);
    return res.numDeletedRows > 0n;
  }

  /** The challenge of this user's passkey registration in progress (one at a time). */
  async setRegistrationChallenge(userId: string, challenge: string): Promise<void> {
    const expires = iso(this.now() + REGISTRATION_TTL_MS);
    await this.db
      .insertInto('passkey_challenges')
      .values({ user_id: userId, challenge, expires_at: expires })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ challenge, expires_at: expires }))
      .execute();
  }

  /** Takes the registration challenge (single use); null if none or expired. */
  async takeRegistrationChallenge(userId: string): Promise<string | null> {
    const r = await this.db.deleteFrom('passkey_challenges').where('user_id', '=', userId).returning(['challenge', 'expires_at']).executeTakeFirst();
    return r && Date.parse(r.expires_at) > this.now() ? r.challenge : null;
  }

  // ---- sign-in tickets -------------------------------------------------------------------

  /** A ticket for the second step of signing in: random, only its hash stored, five minutes. `method`: how the first step was done. */
  async createTicket(userId: string, method: 'oidc' | null = null): Promise<{ ticket: string; expiresAt: Date }> {
    await this.purgeExpired();
    const ticket = newSecret();
    const expiresAt = new Date(this.now() + SIGNIN_TICKET_TTL_MS);
    await this.db
      .insertInto('signin_tickets')
      .values({ id_hash: sha256Hex(ticket), user_id: userId, challenge: null, sign_in_method: method, created_at: iso(this.now()), expires_at: expiresAt.toISOString() })
      .execute();
    return { ticket, expiresAt };
  }

  /** The live ticket's account, or null (unknown, used, expired or void after too many failures). */
  async ticket(ticket: string): Promise<TicketInfo | null> {
    const r = await this.db.selectFrom('signin_tickets').selectAll().where('id_hash', '=', sha256Hex(ticket)).executeTakeFirst();
    if (!r || Date.parse(r.expires_at) <= this.now() || r.failures >= TICKET_MAX_FAILURES) return null;
    return { userId: r.user_id, challenge: r.challenge, signInMethod: r.sign_in_method === 'oidc' ? 'oidc' : null };
  }

  async setTicketChallenge(ticket: string, challenge: string | null): Promise<void> {
    await this.db.updateTable('signin_tickets').set({ challenge }).where('id_hash', '=', sha256Hex(ticket)).execute();
  }

  /** Counts a wrong second factor against the ticket; past the limit it is gone. */
  async failTicket(ticket: string): Promise<void> {
    const idHash = sha256Hex(ticket);
    await this.db
      .updateTable('signin_tickets')
      .set((eb) => ({ failures: eb('failures', '+', 1) }))
      .where('id_hash', '=', idHash)
      .execute();
    await this.db.deleteFrom('signin_tickets').where('id_hash', '=', idHash).where('failures', '>=', TICKET_MAX_FAILURES).execute();
  }

  /** Uses the ticket up: true for exactly one caller, and only while it is live. */
  async consumeTicket(ticket: string): Promise<boolean> {
    const r = await this.db.deleteFrom('signin_tickets').where('id_hash', '=', sha256Hex(ticket)).returning(['expires_at', 'failures']).executeTakeFirst();
    return !!r && Date.parse(r.expires_at) > this.now() && r.failures < TICKET_MAX_FAILURES;
  }

  async purgeExpired(): Promise<void> {
    const at = iso(this.now());
    await this.db.deleteFrom('signin_tickets').where('expires_at', '<', at).execute();
    await this.db.deleteFrom('passkey_challenges').where('expires_at', '<', at).execute();
  }
}

type PasskeyRow = {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  counter: number;
  transports: string;
  created_at: string;
  last_used_at: string | null;
};

function toPasskey(r: PasskeyRow): StoredPasskey {
  let transports: string[] = [];
  try {
    const parsed: unknown = JSON.parse(r.transports);
    if (Array.isArray(parsed)) transports = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    // stored by us as JSON; an unreadable value only loses the hint
  }
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    publicKey: new Uint8Array(Buffer.from(r.public_key, 'base64url')),
    counter: r.counter,
    transports,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export const passkeyInfo = (p: StoredPasskey): PasskeyInfo => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt });
