import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  FILE_KEY_PREFIX,
  FileCryptoError,
  decryptFile,
  encodeFileKey,
  encryptFile,
  fileCryptoOverhead,
  openSharedFile,
  parseFileKey,
  type FileKey,
} from '../src/session/fileCrypto.ts';

const bytes = (n: number) => new Uint8Array(randomBytes(n));

test('a file encrypts and decrypts back to the same name and bytes; the sealed form is IV + ciphertext + tag', async () => {
  for (const size of [0, 1, 1000, 100_000]) {
    const data = bytes(size);
    const { sealed, key, sha256 } = await encryptFile('notes.txt', data);
    assert.equal(sealed.byteLength, size + fileCryptoOverhead('notes.txt'));
    assert.equal(fileCryptoOverhead('notes.txt'), 12 + 16 + 2 + 9);
    assert.equal(sha256, createHash('sha256').update(data).digest('hex'));
    assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(await decryptFile(sealed, key), { name: 'notes.txt', data });
  }
});

test('D2: the name travels inside the ciphertext only, and the key message must state the same name', async () => {
  const name = '取締役会 議事録 2026.pdf';
  const data = bytes(200);
  const s = await encryptFile(name, data);
  const sealed = Buffer.from(s.sealed);
  for (const form of [Buffer.from(name), Buffer.from(name, 'utf16le'), Buffer.from('取締役会')]) assert.equal(sealed.indexOf(form), -1, 'the name is in clear');
  assert.deepEqual((await decryptFile(s.sealed, s.key)).name, name);
  const k: FileKey = { id: 'obj_n', name, key: s.key, size: data.byteLength, sha256: s.sha256 };
  assert.deepEqual(await openSharedFile(s.sealed, k), { name, data });
  await assert.rejects(openSharedFile(s.sealed, { ...k, name: 'other.pdf' }), FileCryptoError);
});

test('every file gets a fresh key and IV', async () => {
  const data = bytes(64);
  const a = await encryptFile('f.bin', data);
  const b = await encryptFile('f.bin', data);
  assert.notEqual(a.key, b.key);
  assert.notDeepEqual(a.sealed.subarray(0, 12), b.sealed.subarray(0, 12));
  assert.notDeepEqual(a.sealed, b.sealed);
});

test('the plaintext does not appear in the sealed file', async () => {
  const marker = new TextEncoder().encode('KAIGI-PLAINTEXT-MARKER-'.repeat(20));
  const { sealed } = await encryptFile('f.bin', marker);
  assert.equal(Buffer.from(sealed).indexOf(Buffer.from('KAIGI-PLAINTEXT-MARKER')), -1);
});

test('a wrong key fails', async () => {
  const { sealed } = await encryptFile('f.bin', bytes(500));
  const other = await encryptFile('f.bin', bytes(10));
  await assert.rejects(decryptFile(sealed, other.key), FileCryptoError);
  await assert.rejects(decryptFile(sealed, 'not base64!'), FileCryptoError);
  await assert.rejects(decryptFile(sealed, Buffer.from(bytes(16)).toString('base64')), FileCryptoError);
});

test('tampering with the IV, the ciphertext or the tag fails; so does truncation', async () => {
  const data = bytes(300);
  const { sealed, key } = await encryptFile('f.bin', data);
  for (const at of [0, 11, 12, 150, sealed.byteLength - 1]) {
    const changed = new Uint8Array(sealed);
    changed[at]! ^= 0x01;
    await assert.rejects(decryptFile(changed, key), FileCryptoError, `byte ${at}`);
  }
  await assert.rejects(decryptFile(sealed.subarray(0, sealed.byteLength - 1), key), FileCryptoError);
  await assert.rejects(decryptFile(sealed.subarray(0, 20), key), FileCryptoError);
  // Appending is tampering too.
  const longer = new Uint8Array(sealed.byteLength + 1);
  longer.set(sealed);
  await assert.rejects(decryptFile(longer, key), FileCryptoError);
});

test('openSharedFile checks the size and SHA-256 the key message states', async () => {
  const data = bytes(1234);
  const s = await encryptFile('f.bin', data);
  const k: FileKey = { id: 'obj_abc', name: 'f.bin', key: s.key, size: data.byteLength, sha256: s.sha256 };
  assert.deepEqual(await openSharedFile(s.sealed, k), { name: 'f.bin', data });
  await assert.rejects(openSharedFile(s.sealed, { ...k, size: k.size + 1 }), FileCryptoError);
  await assert.rejects(openSharedFile(s.sealed, { ...k, sha256: 'f'.repeat(64) }), FileCryptoError);
});

test('file key messages round-trip through the chat text and are parsed strictly', async () => {
  const s = await encryptFile('f.bin', bytes(10));
  const k: FileKey = { id: 'obj_1-x', name: '議事録 v2.txt', key: s.key, size: 10, sha256: s.sha256 };
  const text = encodeFileKey(k);
  assert.ok(text.startsWith(FILE_KEY_PREFIX));
  assert.deepEqual(parseFileKey(text), k);

  const json = (o: unknown) => FILE_KEY_PREFIX + JSON.stringify(o);
  assert.equal(parseFileKey(JSON.stringify(k)), null, 'no prefix');
  assert.equal(parseFileKey('hello'), null);
  assert.equal(parseFileKey(`${FILE_KEY_PREFIX}{not json`), null);
  assert.equal(parseFileKey(json({ ...k, extra: 1 })), null, 'unknown field');
  assert.equal(parseFileKey(json({ ...k, key: Buffer.from(bytes(16)).toString('base64') })), null, '128-bit key');
  assert.equal(parseFileKey(json({ ...k, sha256: 'A'.repeat(64) })), null, 'upper-case hash');
  assert.equal(parseFileKey(json({ ...k, name: '../etc/passwd' })), null, 'slash in the name');
  assert.equal(parseFileKey(json({ ...k, name: 'a\u0000b' })), null, 'control character in the name');
  assert.equal(parseFileKey(json({ ...k, id: 'a/b' })), null, 'odd object ID');
  assert.equal(parseFileKey(json({ ...k, size: -1 })), null, 'negative size');
  assert.equal(parseFileKey(json({ ...k, size: 1.5 })), null, 'fractional size');
  const { sha256: _omitted, ...missing } = k;
  assert.equal(parseFileKey(json(missing)), null, 'missing field');
  assert.equal(parseFileKey(json([k])), null, 'not an object');
});
