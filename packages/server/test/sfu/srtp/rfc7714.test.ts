// Kaigi's SRTP against published test vectors (issue 15 item 2, D5):
// - RFC 3711 Appendix B.3 key derivation (the same vector is in OpenSSL's evpkdf_srtp.txt);
// - RFC 7714 §16 (SRTP) and §17 (SRTCP) AEAD_AES_128_GCM, copied from pion/srtp's
//   srtp_cipher_aead_aes_gcm_rfc_test.go (commit df5f1a88), which quotes the RFC;
// for both AES-GCM implementations (native addon and node:crypto).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SrtpReceiveContext, SrtpSendContext } from '../../../src/sfu/srtp/SrtpContext.js';
import { aesGcmImplementation, createNativeAesGcm, nativeAesGcmLoadError } from '../../../src/sfu/srtp/aesGcm.js';
import { SRTP_LABEL, srtpKdf, type SrtpSessionKeys } from '../../../src/sfu/srtp/kdf.js';
import { createNodeAesGcm } from '../../../src/sfu/srtp/nodeAesGcm.js';
import type { AesGcm, AesGcmFactory } from '../../../src/sfu/srtp/types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function nativeFactory(key: Buffer): AesGcm {
  const gcm = createNativeAesGcm(key);
  assert.ok(gcm, `native addon not loaded: ${nativeAesGcmLoadError() ?? ''}`);
  return gcm;
}

const IMPLEMENTATIONS: [string, AesGcmFactory][] = [
  ['native', nativeFactory],
  ['node:crypto', createNodeAesGcm],
];

// RFC 7714 §16/§17 give the session key and salt directly (no KDF), same for SRTP and SRTCP.
const SESSION: SrtpSessionKeys = {
  rtpKey: hex('000102030405060708090a0b0c0d0e0f'),
  rtpSalt: hex('517569642070726f2071756f'),
  rtcpKey: hex('000102030405060708090a0b0c0d0e0f'),
  rtcpSalt: hex('517569642070726f2071756f'),
};
const RTP_PLAIN = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
  69736120 696e2070 61727465 73207472 6573`);
const RTP_SRTP = hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
  0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`);
const RTCP_PLAIN = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
  deadbeef deadbeef deadbeef deadbeef deadbeef`);
/** SRTCP index 0x5d4, E=1. */
const RTCP_SRTCP = hex(`81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
  c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4`);
/** The same RTCP authenticated only (E=0), index 0x5d4. */
const RTCP_AUTH_ONLY = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
  deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4`);

function withRoom(packet: Buffer, room: number): Buffer {
  const buf = Buffer.alloc(packet.length + room);
  packet.copy(buf);
  return buf;
}

describe('SRTP key derivation (RFC 3711 B.3)', () => {
  const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
  test('session key, salt and a two-block output match the RFC', () => {
    assert.equal(srtpKdf(key, salt, SRTP_LABEL.rtpKey, 16).toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
    assert.equal(srtpKdf(key, salt, SRTP_LABEL.rtpSalt, 14).toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
    assert.equal(srtpKdf(key, salt, 0x01, 20).toString('hex'), 'cebe321f6ff7716b6fd4ab49af256a156d38baa4');
  });
});

test('the native addon is built and chosen (packages/server install script)', () => {
  assert.equal(aesGcmImplementation(), 'native', nativeAesGcmLoadError() ?? '');
});

for (const [name, factory] of IMPLEMENTATIONS) {
  describe(`RFC 7714 vectors, ${name}`, () => {
    test('§16.1: SRTP encryption', () => {
      const buf = withRoom(RTP_PLAIN, 16);
      const n = new SrtpSendContext(SESSION, factory).protectRtp(buf, RTP_PLAIN.length);
      assert.equal(buf.subarray(0, n).toString('hex'), RTP_SRTP.toString('hex'));
    });

    test('§16.2: SRTP decryption, and a changed tag or header is refused', () => {
      const rx = new SrtpReceiveContext(SESSION, factory);
      const buf = Buffer.from(RTP_SRTP);
      const n = rx.unprotectRtp(buf, buf.length);
      assert.equal(buf.subarray(0, n).toString('hex'), RTP_PLAIN.toString('hex'));
      for (const at of [RTP_SRTP.length - 1, 11, 20]) {
        const bad = Buffer.from(RTP_SRTP);
        bad[at] = (bad[at] ?? 0) ^ 1;
        assert.equal(new SrtpReceiveContext(SESSION, factory).unprotectRtp(bad, bad.length), -1, `byte ${at}`);
      }
    });

    test('§17.1: SRTCP encryption at index 0x5d4', () => {
      const tx = new SrtpSendContext(SESSION, factory);
      const scratch = Buffer.alloc(RTCP_PLAIN.length + 20);
      for (let i = 0; i < 0x5d4; i++) {
        RTCP_PLAIN.copy(scratch);
        tx.protectRtcp(scratch, RTCP_PLAIN.length);
      }
      const buf = withRoom(RTCP_PLAIN, 20);
      const n = tx.protectRtcp(buf, RTCP_PLAIN.length);
      assert.equal(buf.subarray(0, n).toString('hex'), RTCP_SRTCP.toString('hex'));
    });

    test('§17.2 and §17.3: SRTCP decryption (E=1) and authentication only (E=0)', () => {
      const rx = new SrtpReceiveContext(SESSION, factory);
      const buf = Buffer.from(RTCP_SRTCP);
      const n = rx.unprotectRtcp(buf, buf.length);
      assert.equal(buf.subarray(0, n).toString('hex'), RTCP_PLAIN.toString('hex'));
      const auth = Buffer.from(RTCP_AUTH_ONLY);
      const m = new SrtpReceiveContext(SESSION, factory).unprotectRtcp(auth, auth.length);
      assert.equal(auth.subarray(0, m).toString('hex'), RTCP_PLAIN.toString('hex'));
      const flipped = Buffer.from(RTCP_SRTCP);
      flipped[flipped.length - 1] = 0xd5; // another index: the IV and AAD change
      assert.equal(new SrtpReceiveContext(SESSION, factory).unprotectRtcp(flipped, flipped.length), -1);
    });
  });
}

describe('AES-GCM argument checks (the native boundary and its fallback agree)', () => {
  const key = Buffer.alloc(16, 7);
  const iv = Buffer.alloc(12, 1);
  for (const [name, factory] of IMPLEMENTATIONS) {
    test(`${name}: a call that would leave the buffer throws`, () => {
      const gcm = factory(key);
      const buf = Buffer.alloc(64);
      assert.throws(() => factory(Buffer.alloc(15)), RangeError);
      assert.throws(() => gcm.seal(Buffer.alloc(11), buf, 12, 40), RangeError);
      assert.throws(() => gcm.seal(iv, buf, 12, 49), RangeError, 'no room for the tag');
      assert.throws(() => gcm.seal(iv, buf, 41, 40), RangeError, 'aadEnd after end');
      assert.throws(() => gcm.seal(iv, buf, -1, 40), RangeError);
      assert.throws(() => gcm.seal(iv, buf, 1.5, 40), RangeError);
      assert.throws(() => gcm.open(iv, buf, 12, 65), RangeError);
      assert.throws(() => gcm.open(iv, buf, 12, 27), RangeError, 'no tag in the range');
      assert.throws(() => gcm.seal(iv, 'x' as unknown as Buffer, 0, 0), TypeError);
      assert.throws(() => gcm.seal(iv, buf, 0, 10, Buffer.alloc(65)), RangeError);
      assert.equal(gcm.seal(iv, buf, 12, 48), 64);
    });
  }

  test('both implementations produce the same bytes, and each opens the other\'s', () => {
    const native = nativeFactory(key);
    const node = createNodeAesGcm(key);
    const extra = Buffer.from([0x80, 0, 0, 9]);
    const a = Buffer.alloc(1216, 3);
    const b = Buffer.alloc(1216, 3);
    assert.equal(native.seal(iv, a, 20, 1200, extra), 1216);
    assert.equal(node.seal(iv, b, 20, 1200, extra), 1216);
    assert.deepEqual(a, b);
    assert.equal(node.open(iv, a, 20, 1216, extra), 1200);
    assert.equal(native.open(iv, b, 20, 1216, extra), 1200);
    assert.deepEqual(a, b);
    assert.ok(a.subarray(0, 1200).every((x) => x === 3));
  });

  test('native: a method called on another object, or the class called without new, throws', () => {
    const gcm = nativeFactory(key);
    const Ctor = gcm.constructor as unknown as (k: Buffer) => unknown;
    assert.throws(() => Ctor(key), TypeError);
    assert.throws(() => gcm.seal.call({}, iv, Buffer.alloc(32), 0, 0), TypeError);
  });

  test('a failed native open leaves no plaintext behind', () => {
    const native = nativeFactory(key);
    const buf = Buffer.alloc(100, 5);
    native.seal(iv, buf, 10, 84);
    buf[99] = (buf[99] ?? 0) ^ 1;
    assert.equal(native.open(iv, buf, 10, 100), -1);
    assert.ok(buf.subarray(10, 84).every((x) => x === 0));
  });
});
