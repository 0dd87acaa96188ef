import { ErrorResponse, Invitation, invitationPaths, TimeZoneName } from '@kaigi/protocol';
import { ApiError } from './http';

/** This browser's time zone, if it names one the server will accept. */
export function browserTimeZone(): string | undefined {
  try {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return TimeZoneName.safeParse(tz).success ? tz : undefined;
  } catch {
    return undefined;
  }
}

const withZone = (path: string, tz: string | undefined) => (tz ? `${path}?${new URLSearchParams({ tz }).toString()}` : path);

/** Where the host's browser downloads the meeting's .ics (times as in the texts). */
export const invitationIcsUrl = (meetingId: string, tz = browserTimeZone()): string => withZone(invitationPaths.ics(meetingId), tz);

/** The meeting's invitation (G1, G2), host only; times written in this browser's zone. */
export async function fetchInvitation(meetingId: string, tz = browserTimeZone()): Promise<Invitation> {
  let res: Response;
  try {
    res = await fetch(withZone(invitationPaths.json(meetingId), tz), {
      method: 'GET',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    // checked below
  }
  if (!res.ok) {
    const e = ErrorResponse.safeParse(json);
    if (e.success) throw new ApiError(res.status, e.data.code, e.data.message, e.data.retryAfterMs);
    throw new ApiError(res.status, res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', res.statusText);
  }
  const r = Invitation.safeParse(json);
  if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
  return r.data;
}
