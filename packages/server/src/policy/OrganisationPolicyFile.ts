import fs from 'node:fs';
import { defaultOrganisationPolicy, OrganisationPolicy } from '@kaigi/protocol';

/**
 * The organisation's policy (F2): the JSON file named by KAIGI_POLICY_FILE, checked in full at
 * start (an unreadable or invalid file stops the server rather than run with looser rules), or,
 * without one, every level with Medium as the default and this server's region only.
 */
export function loadOrganisationPolicy(opts: { file: string | null; region: string; retentionMaxDays: number }): OrganisationPolicy {
  if (!opts.file) return defaultOrganisationPolicy(opts.region, opts.retentionMaxDays);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(opts.file, 'utf8'));
  } catch (err) {
    throw new Error(`KAIGI_POLICY_FILE: cannot read ${opts.file} as JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = OrganisationPolicy.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new Error(`KAIGI_POLICY_FILE: ${opts.file} is not a valid policy: ${issues}`);
  }
  return parsed.data;
}
