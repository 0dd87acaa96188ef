import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  MEETING_ID_ALPHABET,
  MEETING_ID_LENGTH,
  MEETING_PASSWORD_ALPHABET,
  MEETING_PASSWORD_DEFAULT_LENGTH,
} from '@kaigi/protocol';

function fromAlphabet(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const newMeetingId = (): string => fromAlphabet(MEETING_ID_ALPHABET, MEETING_ID_LENGTH);
/** A generated meeting password: the default length, or the organisation's minimum if longer. */
export const newMeetingPassword = (minLength = 0): string =>
  fromAlphabet(MEETING_PASSWORD_ALPHABET, Math.max(MEETING_PASSWORD_DEFAULT_LENGTH, minLength));

/** 128 random bits, base64url (22 chars), behind a prefix. */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(16).toString('base64url')}`;

/** 256 random bits, base64url (43 chars): session IDs, resume tokens, API token secrets. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const sha256Hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
