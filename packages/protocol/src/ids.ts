import { z } from 'zod';

// Meeting IDs are 16 characters of Crockford base32 (80 random bits): not sequential, not
// guessable (F4), and still short enough to type on another device (G1).
export const MEETING_ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const MEETING_ID_LENGTH = 16;
export const MeetingId = z
  .string()
  .regex(/^[0-9a-hjkmnp-tv-z]{16}$/, 'meeting ID must be 16 characters of base32');
export type MeetingId = z.infer<typeof MeetingId>;

// Participant IDs are opaque, random and unique per arrival: p_ + 22 base64url chars (128 bits).
export const ParticipantId = z.string().regex(/^p_[A-Za-z0-9_-]{22}$/, 'invalid participant ID');
export type ParticipantId = z.infer<typeof ParticipantId>;

export const BanId = z.string().regex(/^b_[A-Za-z0-9_-]{22}$/, 'invalid ban ID');
export type BanId = z.infer<typeof BanId>;

// A secret handed to a participant to resume its place after a network drop.
export const ResumeToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'invalid resume token');

// Meeting passwords: the generator uses an alphabet without look-alike characters.
export const MEETING_PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const MEETING_PASSWORD_DEFAULT_LENGTH = 12;
export const MEETING_PASSWORD_MIN_LENGTH = 10;
export const MEETING_PASSWORD_MAX_LENGTH = 128;
