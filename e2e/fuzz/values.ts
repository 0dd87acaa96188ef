import fc from 'fast-check';

// Hostile values for any field (B1, H4): wrong types, edge numbers, unicode that breaks naive
// code (lone surrogates, bidi overrides, zero-width and combining characters, NUL), strings from
// injection folklore, prototype keys, huge strings and deep nesting.

export const UNICODE_EDGES = [
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDFFF',
  '\u202E',
  '\u200B\u200D',
  '\uFEFF',
  'e\u0301',
  '\uFFFD',
  '\uFFFF',
  '𝕂𝔞𝔦𝔤𝔦',
  '👩‍👩‍👧‍👦',
  'ﷺ',
  '\r\n\t',
  '\u2028\u2029',
  'Ａ',
] as const;

const FOLKLORE = [
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '%00%0d%0a',
  "'; drop table users; --",
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'javascript:alert(1)',
  'NaN',
  'null',
  'undefined',
] as const;

/** Numbers that break range and integer checks; all are representable in JSON. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 2 ** 31, 2 ** 31 + 1, 2 ** 48, 2 ** 48 + 1, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 4320, 4321),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A string no longer than `max` characters, hostile more often than random. */
export function hostileString(max = 300): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: Math.min(max, 40) }),
    fc.string({ unit: 'grapheme', maxLength: Math.min(max, 20) }),
    fc.string({ unit: 'binary', maxLength: Math.min(max, 20) }),
    fc.constantFrom(...UNICODE_EDGES, ...FOLKLORE),
    fc.array(fc.constantFrom(...UNICODE_EDGES), { maxLength: 8 }).map((a) => a.join('')),
    fc.nat({ max }).map((n) => 'A'.repeat(n)),
  );
}

/** A string far beyond every field limit; sized so that most frames stay under the frame cap. */
export const hugeString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1_000, max: 10_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 140_000 }).map((n) => 'Q'.repeat(n)) },
  { weight: 2, arbitrary: fc.integer({ min: 100, max: 3_000 }).map((n) => '\u{1F600}'.repeat(n)) },
);

/** Arrays or objects nested `depth` deep: recursion in a parser or a validator shows here. */
export const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 10, max: 3_000 }), fc.boolean())
  .map(([depth, arrays]) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  });

/** Any JSON value, hostile on purpose. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString() },
  { weight: 2, arbitrary: edgeNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}') as unknown) },
);

/** base64 text of about `n` bytes, the shape of MLS messages and chat ciphertexts. */
export function base64Of(maxBytes: number): fc.Arbitrary<string> {
  return fc.uint8Array({ minLength: 3, maxLength: maxBytes }).map((b) => Buffer.from(b).toString('base64'));
}

/** An ID of the right format with random characters (so it names nothing that exists). */
export function randomId(prefix: string, length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...alphabet.split('')), { minLength: length, maxLength: length })
    .map((a) => prefix + a.join(''));
}
