// Safety codes (B7): a short string two people read to each other to confirm they share the
// same MLS epoch. It is derived from the epoch authenticator (RFC 9420 §8.7), which every
// member of an epoch computes identically and which the delivery service never learns.

// Domain separation: the same authenticator must never yield a code usable elsewhere.
const LABEL = new TextEncoder().encode('Kaigi safety code v1\0');
const GROUPS = 5;
const BYTES_PER_GROUP = 5;
const CODE_PATTERN = /^\d{4}( \d{4}){4}$/;

/** 20 decimal digits in five groups of four, e.g. "0123 4567 8901 2345 6789". */
export async function safetyCode(epochAuthenticator: Uint8Array): Promise<string> {
  if (epochAuthenticator.length < 16) throw new Error('epoch authenticator is too short');
  const input = new Uint8Array(LABEL.length + epochAuthenticator.length);
  input.set(LABEL, 0);
  input.set(epochAuthenticator, LABEL.length);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', input));
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    // A 40-bit integer mod 10^4: the modulo bias is below 10^4 / 2^40 ≈ 1e-8 per group.
    let n = 0;
    for (let i = 0; i < BYTES_PER_GROUP; i++) n = n * 256 + (digest[g * BYTES_PER_GROUP + i] ?? 0);
    groups.push(String(n % 10000).padStart(4, '0'));
  }
  return groups.join(' ');
}

const DIGITS: Record<'ja' | 'en', readonly string[]> = {
  ja: ['ゼロ', 'いち', 'に', 'さん', 'よん', 'ご', 'ろく', 'なな', 'はち', 'きゅう'],
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
};
// Readings chosen to be unambiguous aloud: よん and なな, never し or しち.
const GROUP_PAUSE: Record<'ja' | 'en', string> = { ja: '、', en: ', ' };
const DIGIT_GAP: Record<'ja' | 'en', string> = { ja: ' ', en: ' ' };

/** The code spelled out digit by digit, with a pause mark between the groups of four. */
export function readAloud(code: string, locale: 'ja' | 'en'): string {
  if (!CODE_PATTERN.test(code)) throw new Error('not a safety code');
  const words = DIGITS[locale];
  return code
    .split(' ')
    .map((group) => [...group].map((d) => words[Number(d)] ?? d).join(DIGIT_GAP[locale]))
    .join(GROUP_PAUSE[locale]);
}
