import { randomInt } from 'node:crypto';
import { RECOVERY_CODE_COUNT } from '@kaigi/protocol';
import { sha256Hex } from './random.js';

// Recovery codes (B5): 16 characters from a 32-letter alphabet (80 random bits), shown as
// xxxx-xxxx-xxxx-xxxx. With that much entropy a plain SHA-256 is enough to store them: nobody
// can search 2^80 candidates, and lookups by hash stay cheap.

/** 32 characters, no i, l, o or 1: easy to read off paper; an o typed for the 0 is taken as 0. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz023456789';
const GROUPS = 4;
const GROUP_LENGTH = 4;

export function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

export const newRecoveryCodes = (n = RECOVERY_CODE_COUNT): string[] => Array.from({ length: n }, newRecoveryCode);

/** Lower case, without spaces and dashes: "ABCD EFGH-…" and "abcd-efgh-…" are the same code. */
export const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0');

/** What is stored: SHA-256 of the account and the normalised code. */
export const hashRecoveryCode = (userId: string, code: string): string =>
  sha256Hex(`kaigi-recovery:${userId}:${normaliseRecoveryCode(code)}`);
