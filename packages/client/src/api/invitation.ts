import { Invitation, invitationPaths, TimeZoneName } from '@kaigi/protocol';
import { request } from './http';

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
export function fetchInvitation(meetingId: string, tz = browserTimeZone()): Promise<Invitation> {
  return request('GET', withZone(invitationPaths.json(meetingId), tz), Invitation);
}
