import type { BanInfo, Role } from '@kaigi/protocol';

export interface Ban {
  readonly id: string;
  readonly deviceHash: string | null;
  readonly userId: string | null;
  /** Their role when removed: who may lift the ban follows the permission table, as for removal. */
  readonly role: Role;
  readonly displayName: string;
  readonly createdAt: number;
}

/**
 * A removed person is recognised by their browser's device key and, when signed in, their
 * account, never by the display name they choose: a new name or a reload does not get them in.
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

  matches(who: { deviceHash: string; userId: string | null }): Ban | undefined {
    for (const b of this.bans.values()) {
      if (b.deviceHash !== null && b.deviceHash === who.deviceHash) return b;
      if (b.userId !== null && who.userId !== null && b.userId === who.userId) return b;
    }
    return undefined;
  }

  list(): BanInfo[] {
    return [...this.bans.values()].map((b) => ({ id: b.id, displayName: b.displayName, createdAt: b.createdAt }));
  }
}
