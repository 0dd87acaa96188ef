import { ACCOUNT_GROUPS_MAX, AuditKind, GroupName } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import type { Database } from '../storage/Database.js';
import { commandError } from './CliError.js';
import { readGroups, writeGroups } from '../storage/accountGroups.js';

export const USER_GROUPS_USAGE = '  user groups NAME [GROUP ...] set the groups members-only meetings check (B5); without GROUP, clear them';

/**
 * `kaigi user groups NAME [GROUP ...]`: the account's groups, which members-only meetings with
 * groups check (B5). Only an administrator sets them here, so nobody vouches for their own
 * membership. They replace what was set before; an account that signs in through single sign-on
 * also has the groups its provider sent at its last sign-in, which this leaves alone.
 */
export async function userGroupsCommand(db: Database, audit: AuditLog, args: string[], out: (s: string) => void): Promise<void> {
  const [name, ...raw] = args;
  if (!name) throw commandError('user groups needs a NAME');
  const groups: string[] = [];
  for (const g of raw) {
    const parsed = GroupName.safeParse(g);
    if (!parsed.success) throw commandError(`not a group name (1-100 printable characters): ${JSON.stringify(g)}`);
    if (!groups.includes(parsed.data)) groups.push(parsed.data);
  }
  if (groups.length > ACCOUNT_GROUPS_MAX) throw commandError(`at most ${ACCOUNT_GROUPS_MAX} groups per account`);
  const user = await db.selectFrom('users').select('id').where('username', '=', name).executeTakeFirst();
  if (!user) throw commandError(`no user ${name}`);
  await db
    .updateTable('users')
    .set({ groups: groups.length > 0 ? writeGroups(groups) : null })
    .where('id', '=', user.id)
    .execute();
  // Who was granted which groups is what an access review needs; the provider's groups are not logged.
  await audit.append({ kind: AuditKind.USER_GROUPS_SET, actor: 'cli', data: { userId: user.id, groups } });
  out(groups.length > 0 ? `user ${name} is in groups: ${groups.join(', ')}` : `user ${name} is in no groups`);
  const sso = await db.selectFrom('oidc_identities').select('groups').where('user_id', '=', user.id).execute();
  if (sso.length > 0) {
    const fromProvider = [...new Set(sso.flatMap((r) => readGroups(r.groups)))];
    out(`and, from single sign-on at its last sign-in (replaced at each): ${fromProvider.length > 0 ? fromProvider.join(', ') : 'none'}`);
  }
}
