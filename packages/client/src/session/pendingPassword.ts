// A meeting password carried over a sign-in (B5): a guest refused by a members-only meeting goes
// to sign in, possibly through the organisation's provider, and comes back to the join page
// without the link's fragment. The password waits in this tab's sessionStorage meanwhile and is
// taken (removed) by the join page that uses it.

const key = (meetingId: string) => `kaigi.joinPassword.${meetingId}`;

export function stashPassword(meetingId: string, password: string): void {
  if (!password) return;
  try {
    sessionStorage.setItem(key(meetingId), password);
  } catch {
    // Storage refused: the person types the password again.
  }
}

/** The stashed password for this meeting, once: it is removed as it is read. */
export function takePassword(meetingId: string): string {
  try {
    const v = sessionStorage.getItem(key(meetingId)) ?? '';
    sessionStorage.removeItem(key(meetingId));
    return v;
  } catch {
    return '';
  }
}
