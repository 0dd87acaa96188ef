// SFrame (RFC 9605) core: the RFC's own test vectors for suite 0x0004 and header encoding, plus
// the failure cases an implementation must get right (wrong key, tampered AAD/header/ciphertext).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeHeader,
  decrypt,
  deriveKeySalt,
  derivationLabels,
  encodeHeader,
  encrypt,
  importBaseKey,
  makeNonce,
  open,
  seal,
} from '../src/e2ee/sframe/SFrame.js';
import { mlsKid, splitMlsKid } from '../src/e2ee/sframe/mls.js';

const hex = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array | ArrayBuffer): string => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');

// RFC 9605 Appendix C.4, cipher_suite 0x0004 (AES_128_GCM_SHA256_128), verbatim.
const V = {
  kid: 0x123n,
  ctr: 0x4567n,
  baseKey: '000102030405060708090a0b0c0d0e0f',
  keyLabel: '534672616d6520312e30205365637265 74206b65792000000000000001230004',
  saltLabel: '534672616d6520312e30205365637265 742073616c7420000000000000012300 04',
  sframeSalt: '75234edefe07819026751816',
  metadata: '4945544620534672616d65205747',
  nonce: '75234edefe07819026755d71',
  aad: '99012345674945544620534672616d65 205747',
  pt: '64726166742d696574662d736672616d 652d656e63',
  ct: '9901234567b7412c2513a1b66dbb4884 1bbaf17f598751176ad847681a69c6d0 b091c07018ce4adb34eb',
};

test('RFC 9605 C.4 vector (suite 0x0004): labels, salt, nonce, header, AAD and ciphertext', async () => {
  const labels = derivationLabels(V.kid);
  assert.equal(toHex(labels.key), toHex(hex(V.keyLabel)));
  assert.equal(toHex(labels.salt), toHex(hex(V.saltLabel)));

  const sendKey = await deriveKeySalt(await importBaseKey(hex(V.baseKey)), V.kid, 'encrypt');
  assert.equal(toHex(sendKey.salt), V.sframeSalt);
  assert.equal(toHex(makeNonce(sendKey.salt, V.ctr)), V.nonce);
  const header = encodeHeader(V.kid, V.ctr);
  assert.equal(toHex(header), '9901234567');
  assert.equal(toHex(new Uint8Array([...header, ...hex(V.metadata)])), toHex(hex(V.aad)));

  const ct = await encrypt(sendKey, V.ctr, hex(V.metadata), hex(V.pt));
  assert.equal(toHex(ct), toHex(hex(V.ct)));

  const recvKey = await deriveKeySalt(await importBaseKey(hex(V.baseKey)), V.kid, 'decrypt');
  const pt = await decrypt(recvKey, hex(V.metadata), hex(V.ct));
  assert.equal(toHex(pt), toHex(hex(V.pt)));
});

test('RFC 9605 C.1 header vectors: every one encodes exactly and decodes back', () => {
  const file = new URL('../src/e2ee/sframe/rfc9605-header-vectors.txt', import.meta.url);
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' '));
  assert.equal(rows.length, 289);
  for (const [kidS, ctrS, headerS] of rows) {
    const kid = BigInt(kidS!);
    const ctr = BigInt(ctrS!);
    assert.equal(toHex(encodeHeader(kid, ctr)), headerS, `kid=${kidS} ctr=${ctrS}`);
    // Decoding must work with trailing bytes after the header, as in a real frame.
    const withTail = new Uint8Array([...hex(headerS!), 0xaa, 0xbb]);
    assert.deepEqual(decodeHeader(withTail), { kid, ctr, length: headerS!.length / 2 });
  }
});

test('header: X/K/Y/C bit layout, offsets, truncation and non-minimal forms', () => {
  assert.equal(toHex(encodeHeader(7n, 7n)), '77'); // both inline: 0|111|0|111
  assert.equal(toHex(encodeHeader(8n, 0n)), '8008'); // X=1, KLEN-1=0
  assert.equal(toHex(encodeHeader(0n, 8n)), '0808'); // Y=1, CLEN-1=0
  assert.equal(toHex(encodeHeader(0x1234n, 0x10000n)), '9a1234010000');
  assert.throws(() => encodeHeader(-1n, 0n));
  assert.throws(() => encodeHeader(0n, 1n << 64n));
  // A header after clear codec bytes parses at its offset.
  assert.deepEqual(decodeHeader(new Uint8Array([1, 2, 3, 0x9a, 0x12, 0x34, 1, 0, 0]), 3), { kid: 0x1234n, ctr: 0x10000n, length: 6 });
  assert.equal(decodeHeader(new Uint8Array([])), null);
  assert.equal(decodeHeader(hex('9a123401')), null, 'CTR cut short');
  assert.equal(decodeHeader(hex('90')), null, 'KID missing');
  assert.equal(decodeHeader(hex('8005')), null, 'KID < 8 must be inline');
  assert.equal(decodeHeader(hex('900012')), null, 'KID with a leading zero byte');
  assert.equal(decodeHeader(hex('09000f')), null, 'CTR with a leading zero byte');
});

test('base key import: caller bytes zeroed, derived keys non-extractable and single-use', async () => {
  const raw = hex(V.baseKey);
  const base = await importBaseKey(raw);
  assert.ok(raw.every((b) => b === 0), 'raw base key is zeroed');
  assert.equal(base.extractable, false);
  const k = await deriveKeySalt(base, 5n, 'encrypt');
  assert.equal(k.key.extractable, false);
  assert.deepEqual(k.key.usages, ['encrypt']);
  await assert.rejects(crypto.subtle.exportKey('raw', k.key));
  await assert.rejects(importBaseKey(new Uint8Array(15)), /16 bytes/);
});

async function pair(base: string, kid: bigint) {
  return {
    send: await deriveKeySalt(await importBaseKey(hex(base)), kid, 'encrypt'),
    recv: await deriveKeySalt(await importBaseKey(hex(base)), kid, 'decrypt'),
  };
}

test('round trip, and every tampering or wrong key is rejected', async () => {
  const { send, recv } = await pair(V.baseKey, 0x301n);
  const meta = hex('9d012a');
  const pt = new Uint8Array(1000).map((_, i) => i & 0xff);
  const ct = await encrypt(send, 42n, meta, pt);
  assert.equal(ct.length, encodeHeader(0x301n, 42n).length + pt.length + 16);
  assert.deepEqual(new Uint8Array(await decrypt(recv, meta, ct)), pt);

  await assert.rejects(decrypt(recv, hex('9d012b'), ct), 'metadata (AAD) changed');
  const badCt = ct.slice();
  badCt[badCt.length - 20]! ^= 1;
  await assert.rejects(decrypt(recv, meta, badCt), 'ciphertext bit flipped');
  const { header, ciphertext } = await seal(send, 43n, meta, pt);
  await assert.rejects(open(recv, header, 44n, meta, ciphertext), 'CTR in the nonce changed');
  const otherHeader = encodeHeader(0x301n, 44n);
  await assert.rejects(open(recv, otherHeader, 43n, meta, ciphertext), 'header (AAD) changed');

  const wrong = await pair('ff0102030405060708090a0b0c0d0e0f', 0x301n);
  await assert.rejects(decrypt(wrong.recv, meta, ct), 'another base key');
  const otherKid = await deriveKeySalt(await importBaseKey(hex(V.baseKey)), 0x401n, 'decrypt');
  await assert.rejects(open(otherKid, ct.subarray(0, 3), 42n, meta, ct.subarray(3)), 'another sender (KID) key');
  await assert.rejects(decrypt(send, meta, ct), /encryption only/);
});

test('MLS KIDs (RFC 9605 §5.2): the RFC example sequence with E=4, and Kaigi E=8', () => {
  // Figure "An Example Sequence of KIDs for an MLS-based SFrame Session (E=4; S=6)".
  const e4: [number, number, bigint][] = [
    [3, 14, 0x3en],
    [7, 14, 0x7en],
    [20, 14, 0x14en],
    [3, 15, 0x3fn],
    [5, 15, 0x5fn],
    [33, 17, 0x211n],
    [51, 17, 0x331n],
  ];
  for (const [index, epoch, kid] of e4) {
    assert.equal(mlsKid(index, epoch, 4), kid, `index ${index} epoch ${epoch}`);
    assert.deepEqual(splitMlsKid(kid, 4), { senderIndex: index, epochBits: epoch % 16 });
  }
  assert.equal(mlsKid(5, 3), 0x503n);
  assert.equal(mlsKid(5, 259), 0x503n, 'epoch is carried mod 2^8');
  assert.deepEqual(splitMlsKid(0x1234n), { senderIndex: 0x12, epochBits: 0x34 });
  assert.throws(() => mlsKid(-1, 0));
});
