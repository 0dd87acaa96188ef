import { AuditKind, RegistrantEmail } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import type { Database } from '../storage/Database.js';
import { commandError } from './CliError.js';

export const USER_EMAIL_USAGE = '  user email NAME [EMAIL]     set the email members-only meetings check (B5); without EMAIL, clear it';

/**
 * `kaigi user email NAME [EMAIL]`: the account's email, which members-only meetings with email
 * domains check (B5). Only an administrator sets it here, so nobody vouches for their own domain.
 */
export async function userEmailCommand(db: Database, audit: AuditLog, args: string[], out: (s: string) => void): Promise<void> {
  const [name, raw] = args;
  if (!name) throw commandError('user email needs a NAME');
  let email: string | null = null;
  if (raw !== undefined) {
    const parsed = RegistrantEmail.safeParse(raw);
    if (!parsed.success) throw commandError(`not an email address: ${raw}`);
    email = parsed.data;
  }
  const user = await db.selectFrom('users').select('id').where('username', '=', name).executeTakeFirst();
  if (!user) throw commandError(`no user ${name}`);
  await db.updateTable('users').set({ email }).where('id', '=', user.id).execute();
  await audit.append({ kind: AuditKind.USER_EMAIL_SET, actor: 'cli', data: { userId: user.id, domain: email ? email.slice(email.lastIndexOf('@') + 1) : null } });
  out(email ? `user ${name} has email ${email}` : `user ${name} has no email`);
}
