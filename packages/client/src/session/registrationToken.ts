import { REGISTRATION_FRAGMENT_KEY, RegistrationToken } from '@kaigi/protocol';

// A registrant's personal join token (B3) arrives in the link's fragment (#reg=), which the
// browser never sends to the server with the page. It is kept for this tab only
// (sessionStorage), so that a reload still joins with it, and sent with the join message.

const key = (meetingId: string) => `kaigi.registration.${meetingId}`;
/** Where sessionStorage is unavailable: this page's memory. */
const memory = new Map<string, string>();

/** Takes a token from the page's fragment, if there is one, and keeps it for this meeting and tab. */
export function rememberRegistrationFromFragment(meetingId: string): string | null {
  const raw = new URLSearchParams(location.hash.slice(1)).get(REGISTRATION_FRAGMENT_KEY);
  if (raw !== null && RegistrationToken.safeParse(raw).success) {
    try {
      sessionStorage.setItem(key(meetingId), raw);
    } catch {
      // storage unavailable: the token still goes with this page's join below
      memory.set(meetingId, raw);
    }
    return raw;
  }
  return registrationFor(meetingId);
}

/** The token this tab holds for the meeting, if any. */
export function registrationFor(meetingId: string): string | null {
  try {
    const v = sessionStorage.getItem(key(meetingId));
    if (v !== null) return v;
  } catch {
    // fall through
  }
  return memory.get(meetingId) ?? null;
}
