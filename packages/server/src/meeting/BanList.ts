import type { BanInfo, Role } from '@kaigi/protocol';

export interface Ban {
  readonly id: string;
  readonly deviceHash: string | null;
  readonly userId: string | null;
  /** Their role when removed: who may lift the ban follows the permission table, as for removal. */
  readonly role: Role;
  /** A removed registrant's registration (B3): its personal link is refused. */
  readonly registrationId: string | null;
  /** Keyed hash of a removed registrant's email (B3): any other link for it in this meeting is refused. */
  readonly emailHash: string | null;
  readonly displayName: string;
  readonly createdAt: number;
}

/** What a person arriving is recognised by; absent fields are not known yet. */
export interface BanKey {
  deviceHash?: string;
  userId?: string | null;
  registrationId?: string | null;
  emailHash?: string | null;
}

const same = (a: string | null | undefined, b: string | null | undefined): boolean => a != null && b != null && a === b;

/**
 * A removed person is recognised by their browser's device key, when signed in their account,
 * and when they came with a personal link its registration and the email it was made for (B3),
 * never by the display name they choose: a new name, a reload, cleared cookies or a new
 * registration of the same address does not get them in.
 */
export class BanList {
  private readonly bans = new Map<string, Ban>();

  constructor(initial: Iterable<Ban> = []) {
    for (const b of initial) this.bans.set(b.id, b);
  }

  add(ban: Ban): void {
    this.bans.set(ban.id, ban);
  }

  get(banId: string): Ban | undefined {
    return this.bans.get(banId);
  }

  lift(banId: string): Ban | undefined {
    const b = this.bans.get(banId);
    this.bans.delete(banId);
    return b;
  }

  matches(who: BanKey): Ban | undefined {
    for (const b of this.bans.values()) {
      if (same(b.deviceHash, who.deviceHash) || same(b.userId, who.userId)) return b;
      if (same(b.registrationId, who.registrationId) || same(b.emailHash, who.emailHash)) return b;
    }
    return undefined;
  }

  list(): BanInfo[] {
    return [...this.bans.values()].map((b) => ({ id: b.id, displayName: b.displayName, createdAt: b.createdAt }));
  }
}
