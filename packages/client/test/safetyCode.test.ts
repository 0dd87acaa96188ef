import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readAloud, safetyCode } from '../src/e2ee/SafetyCode.ts';

const FORMAT = /^\d{4}( \d{4}){4}$/;

test('a safety code is 20 digits in five groups of four, and the same input gives the same code', async () => {
  const auth = randomBytes(32);
  const code = await safetyCode(auth);
  assert.match(code, FORMAT);
  assert.equal(await safetyCode(new Uint8Array(auth)), code);
});

test('the code is SHA-256 over the Kaigi label and the authenticator, 5 bytes per group mod 10000', async () => {
  const auth = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
  const digest = createHash('sha256').update('Kaigi safety code v1\0').update(auth).digest();
  const expected = [0, 1, 2, 3, 4]
    .map((g) => String(Number(digest.readUIntBE(g * 5, 5) % 10000)).padStart(4, '0'))
    .join(' ');
  assert.equal(await safetyCode(auth), expected);
  // Without the label the code would differ: the label really is part of the input.
  const unlabelled = createHash('sha256').update(auth).digest();
  assert.notEqual(expected.slice(0, 4), String(unlabelled.readUIntBE(0, 5) % 10000).padStart(4, '0'));
});

test('different authenticators give different codes; one flipped bit changes the code', async () => {
  const auth = randomBytes(32);
  const flipped = new Uint8Array(auth);
  flipped[31]! ^= 1;
  assert.notEqual(await safetyCode(auth), await safetyCode(flipped));
  const codes = new Set<string>();
  for (let i = 0; i < 200; i++) codes.add(await safetyCode(randomBytes(32)));
  assert.equal(codes.size, 200);
});

test('digits are spread evenly (no visible bias)', async () => {
  const counts = new Array<number>(10).fill(0);
  const n = 2000;
  for (let i = 0; i < n; i++) {
    for (const ch of (await safetyCode(randomBytes(32))).replaceAll(' ', '')) counts[Number(ch)]!++;
  }
  const expected = (n * 20) / 10; // 4000 per digit; the standard deviation is about 60
  for (const c of counts) assert.ok(Math.abs(c - expected) < 400, `digit count ${c} is far from ${expected}`);
});

test('a too-short authenticator is refused', async () => {
  await assert.rejects(safetyCode(new Uint8Array(8)));
});

test('read aloud in Japanese and English, with a pause between groups', () => {
  const code = '0123 4567 8901 2345 6789';
  assert.equal(
    readAloud(code, 'ja'),
    'ゼロ いち に さん、よん ご ろく なな、はち きゅう ゼロ いち、に さん よん ご、ろく なな はち きゅう',
  );
  assert.equal(
    readAloud(code, 'en'),
    'zero one two three, four five six seven, eight nine zero one, two three four five, six seven eight nine',
  );
  assert.throws(() => readAloud('1234 5678', 'en'));
  assert.throws(() => readAloud('1234 5678 9012 3456 78x0', 'ja'));
});
