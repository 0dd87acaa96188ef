import { z } from 'zod';
import { LIMITS } from './limits.js';

// Display names: NFC, trimmed, no control or bidi-override characters (which can disguise a
// name in the host's roster).
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

export const DisplayName = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'display name is required')
      .max(LIMITS.displayNameMax, `display name is at most ${LIMITS.displayNameMax} characters`)
      .refine((s) => !FORBIDDEN_CHARS.test(s), 'display name contains forbidden characters'),
  );

export const MeetingTitle = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'title is required')
      .max(LIMITS.meetingTitleMax)
      .refine((s) => !FORBIDDEN_CHARS.test(s), 'title contains forbidden characters'),
  );

export const Username = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'username: lower-case letters, digits, . _ - (max 64)');
