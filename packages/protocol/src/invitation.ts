import { z } from 'zod';
import { MeetingId } from './ids.js';
import { ConfidentialityLevel } from './policy.js';

// Invitations (G1, G2; IPA 4.1(3), KU). The server writes them from the meeting's facts; the
// host copies them into mail, chat or a calendar. The subject never tells the meeting's title or
// level; in a High meeting the password is only ever in `passwordMessage`, which the host sends
// through another channel than the invitation.

/** One language's texts of an invitation. */
export const InvitationTexts = z.object({
  /** Neutral: no title, no level, no sensitivity; at most the start time. */
  subject: z.string(),
  /** How to join: link, meeting ID (+ password unless High), time, waiting room, do not forward. */
  body: z.string(),
  /** The password on its own, with the meeting ID, for a channel other than the invitation's. */
  passwordMessage: z.string(),
});
export type InvitationTexts = z.infer<typeof InvitationTexts>;

export const Invitation = z.object({
  meetingId: MeetingId,
  level: ConfidentialityLevel,
  /** IANA time zone the times in the texts are written in. */
  timeZone: z.string(),
  ja: InvitationTexts,
  en: InvitationTexts,
  /** RFC 5545 calendar (CRLF, folded lines); its description is the English body. */
  ics: z.string(),
});
export type Invitation = z.infer<typeof Invitation>;

/** An IANA time zone name such as "Asia/Tokyo" or "UTC", one the runtime knows. */
export const TimeZoneName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_+\-/]+$/, 'not a time zone name')
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown time zone');

/** Query of GET /api/meetings/:id/invitation and /invitation.ics: the zone to write times in (UTC if absent). */
export const InvitationQuery = z.object({ tz: TimeZoneName.optional() });
export type InvitationQuery = z.infer<typeof InvitationQuery>;

/** File name of the calendar download. */
export const INVITATION_ICS_NAME = 'invitation.ics';

export const invitationPaths = {
  json: (id: string) => `/api/meetings/${encodeURIComponent(id)}/invitation`,
  ics: (id: string) => `/api/meetings/${encodeURIComponent(id)}/invitation.ics`,
} as const;
