// An account's groups (B5) are kept as JSON arrays of names: the administrator's on the user row,
// the sign-in provider's on its identity row. Both are checked when written (GroupName).

/** The group names of a stored JSON array; null, or anything but an array of strings, reads as none. */
export function readGroups(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
}

/** How a checked list of group names is stored. */
export const writeGroups = (groups: readonly string[]): string => JSON.stringify(groups);
