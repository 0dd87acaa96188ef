// Kaigi's SRTP against werift's SrtpSession/SrtcpSession (profile 0x0007 AEAD_AES_128_GCM, the
// stack whose DTLS exports our keys): both directions, RTP across the 65535 -> 0 rollover with a
// retransmission of an older sequence number, RTCP; and what the receive side must refuse
// (tampered, truncated, overrunning header, replayed, too old). Issue 15 item 2, D5.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { RtpHeader, SrtcpSession, SrtpSession } from 'werift';
import {
  MAX_RECEIVE_SSRCS,
  SrtpReceiveContext,
  SrtpSendContext,
} from '../../../src/sfu/srtp/SrtpContext.js';
import { createNativeAesGcm } from '../../../src/sfu/srtp/aesGcm.js';
import { createNodeAesGcm } from '../../../src/sfu/srtp/nodeAesGcm.js';
import type { AesGcm, AesGcmFactory, SrtpMasterKeys } from '../../../src/sfu/srtp/types.js';

const GCM_PROFILE = 0x0007;

function nativeFactory(key: Buffer): AesGcm {
  const gcm = createNativeAesGcm(key);
  assert.ok(gcm, 'native addon not loaded');
  return gcm;
}

const IMPLEMENTATIONS: [string, AesGcmFactory][] = [
  ['native', nativeFactory],
  ['node:crypto', createNodeAesGcm],
];

function keys(): SrtpMasterKeys {
  return { key: randomBytes(16), salt: randomBytes(12) };
}

/** werift's session for the other end: it sends with `theirs` and receives with `ours`. */
function wer(ours: SrtpMasterKeys, theirs: SrtpMasterKeys) {
  const config = {
    keys: { localMasterKey: theirs.key, localMasterSalt: theirs.salt, remoteMasterKey: ours.key, remoteMasterSalt: ours.salt },
    profile: GCM_PROFILE,
  };
  return { srtp: new SrtpSession(config), srtcp: new SrtcpSession(config) };
}

/** A plain RTP packet with a CSRC and a one-byte header extension, so the AAD covers both. */
function rtp(seq: number, ssrc: number, size = 200): Buffer {
  const header = Buffer.from([
    0x91, 0x60, seq >> 8, seq & 0xff, 0, 0, 0x30, 0x39, ssrc >>> 24, (ssrc >>> 16) & 0xff, (ssrc >>> 8) & 0xff, ssrc & 0xff,
    0x11, 0x22, 0x33, 0x44, // CSRC
    0xbe, 0xde, 0x00, 0x01, 0x10, 0xab, 0x00, 0x00, // one-byte extension, id 1
  ]);
  const payload = Buffer.alloc(size - header.length);
  for (let i = 0; i < payload.length; i++) payload[i] = (seq + i) & 0xff;
  return Buffer.concat([header, payload]);
}

/** A receiver report from `ssrc` with one report block. */
function rtcp(ssrc: number, n: number): Buffer {
  const buf = Buffer.alloc(32);
  buf.writeUInt8(0x81, 0);
  buf.writeUInt8(201, 1);
  buf.writeUInt16BE(7, 2);
  buf.writeUInt32BE(ssrc, 4);
  buf.writeUInt32BE(0xdeadbeef, 8);
  buf.writeUInt32BE(n, 12);
  return buf;
}

function protect(tx: SrtpSendContext, plain: Buffer): Buffer {
  const buf = Buffer.alloc(plain.length + 16);
  plain.copy(buf);
  return buf.subarray(0, tx.protectRtp(buf, plain.length));
}

/** Sequence numbers across a rollover, then an old one again (a NACK answer after a loss), then onwards. */
const SEQS = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 65534, 4, 5];

for (const [name, factory] of IMPLEMENTATIONS) {
  describe(`werift interop, ${name}`, () => {
    test('Kaigi encrypts RTP, werift decrypts, across the rollover and a retransmission', () => {
      const ours = keys();
      const peer = wer(ours, keys());
      const tx = new SrtpSendContext(ours, factory);
      for (const seq of SEQS) {
        const plain = rtp(seq, 0x01020304);
        const got = peer.srtp.decrypt(protect(tx, plain));
        assert.equal(got.toString('hex'), plain.toString('hex'), `seq ${seq}`);
      }
    });

    test('werift encrypts RTP, Kaigi decrypts, across the rollover and a retransmission', () => {
      const theirs = keys();
      const peer = wer(keys(), theirs);
      const rx = new SrtpReceiveContext(theirs, factory);
      SEQS.forEach((seq, i) => {
        const plain = rtp(seq, 0xcafebabe);
        const header = RtpHeader.deSerialize(plain);
        const buf = Buffer.from(peer.srtp.encrypt(plain.subarray(header.payloadOffset), header));
        // The first 65534 is lost on the way; the later copy is the retransmission that fills the gap.
        if (seq === 65534 && i === SEQS.indexOf(seq)) return;
        const n = rx.unprotectRtp(buf, buf.length);
        assert.equal(buf.subarray(0, n).toString('hex'), plain.toString('hex'), `seq ${seq}`);
      });
    });

    test('RTCP both ways', () => {
      const ours = keys();
      const theirs = keys();
      const peer = wer(ours, theirs);
      const tx = new SrtpSendContext(ours, factory);
      const rx = new SrtpReceiveContext(theirs, factory);
      for (let i = 0; i < 5; i++) {
        const plain = rtcp(0x0a0b0c0d, i);
        const buf = Buffer.alloc(plain.length + 20);
        plain.copy(buf);
        const n = tx.protectRtcp(buf, plain.length);
        assert.equal(peer.srtcp.decrypt(buf.subarray(0, n)).toString('hex'), plain.toString('hex'));
        const wire = Buffer.from(peer.srtcp.encrypt(plain));
        const m = rx.unprotectRtcp(wire, wire.length);
        assert.equal(wire.subarray(0, m).toString('hex'), plain.toString('hex'));
      }
    });
  });
}

describe('what the receive side refuses', () => {
  const k = keys();
  const ssrc = 0x11223344;

  test('a replayed packet, and one older than the 64-packet window', () => {
    const tx = new SrtpSendContext(k);
    const rx = new SrtpReceiveContext(k);
    const wire = new Map<number, Buffer>();
    for (let seq = 100; seq <= 200; seq++) wire.set(seq, protect(tx, rtp(seq, ssrc)));
    const take = (seq: number): number => {
      const buf = Buffer.from(wire.get(seq)!);
      return rx.unprotectRtp(buf, buf.length);
    };
    assert.ok(take(200) > 0);
    assert.equal(take(200), -1, 'replay');
    assert.equal(take(100), -1, '100 behind the highest');
    assert.equal(take(136), -1, '64 behind');
    assert.ok(take(137) > 0, '63 behind, never seen');
    assert.equal(take(137), -1, 'replay inside the window');
  });

  test('tampered, truncated, overrunning or non-RTP packets', () => {
    const tx = new SrtpSendContext(k);
    const good = protect(tx, rtp(7, ssrc));
    const cases: [string, (b: Buffer) => Buffer][] = [
      ['tag bit flipped', (b) => ((b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0x80), b)],
      ['payload bit flipped', (b) => ((b[40] = (b[40] ?? 0) ^ 1), b)],
      ['header extension byte changed', (b) => ((b[21] = 0xac), b)],
      ['last byte cut', (b) => b.subarray(0, b.length - 1)],
      ['shorter than header and tag', (b) => b.subarray(0, 27)],
      ['extension length overruns', (b) => (b.writeUInt16BE(0xffff, 18), b)],
      ['15 CSRCs in a short packet', (b) => ((b[0] = 0x8f), b.subarray(0, 60))],
      ['version 1', (b) => ((b[0] = 0x51), b)],
    ];
    for (const [what, spoil] of cases) {
      const rx = new SrtpReceiveContext(k);
      const buf = spoil(Buffer.from(good));
      assert.equal(rx.unprotectRtp(buf, buf.length), -1, what);
    }
    const rx = new SrtpReceiveContext(k);
    assert.equal(rx.unprotectRtp(Buffer.from(good), good.length + 1), -1, 'length past the buffer');
    assert.ok(rx.unprotectRtp(Buffer.from(good), good.length) > 0, 'the unspoilt packet still passes');
  });

  test('SRTCP: replayed, tampered, truncated', () => {
    const tx = new SrtpSendContext(k);
    const rx = new SrtpReceiveContext(k);
    const buf = Buffer.alloc(52);
    rtcp(ssrc, 1).copy(buf);
    const n = tx.protectRtcp(buf, 32);
    const wire = Buffer.from(buf.subarray(0, n));
    const tampered = Buffer.from(wire);
    tampered[9] = (tampered[9] ?? 0) ^ 1;
    assert.equal(rx.unprotectRtcp(tampered, tampered.length), -1, 'tampered');
    assert.equal(rx.unprotectRtcp(Buffer.from(wire), 27), -1, 'truncated');
    assert.equal(rx.unprotectRtcp(Buffer.from(wire), wire.length), 32);
    assert.equal(rx.unprotectRtcp(Buffer.from(wire), wire.length), -1, 'replay');
  });

  test('random datagrams, RTP-looking or not, never throw and never pass', () => {
    const rx = new SrtpReceiveContext(k);
    // xorshift32, seeded: the same datagrams on every run.
    let x = 0x2545f491;
    const next = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const buf = Buffer.alloc(1500);
    for (let i = 0; i < 20_000; i++) {
      const length = next() % 1500;
      for (let j = 0; j < length; j++) buf[j] = next() & 0xff;
      // Half look like RTP/RTCP version 2, so the parsers get past the first byte.
      if (i % 2 === 0 && length > 0) buf[0] = 0x80 | ((buf[0] ?? 0) & 0x3f);
      assert.equal(rx.unprotectRtp(buf, length), -1);
      assert.equal(rx.unprotectRtcp(buf, length), -1);
    }
    assert.equal(rx.unprotectRtp(buf, -1), -1);
    assert.equal(rx.unprotectRtp(buf, 1.5), -1);
    assert.equal(rx.unprotectRtcp(buf, 1501), -1);
  });

  test('the SSRC table is bounded: the least recently used SSRC goes first', () => {
    const tx = new SrtpSendContext(k);
    const rx = new SrtpReceiveContext(k);
    const deliver = (p: Buffer): number => rx.unprotectRtp(Buffer.from(p), p.length);
    const a1 = protect(tx, rtp(5, 1));
    const b1 = protect(tx, rtp(5, 2));
    assert.ok(deliver(a1) > 0 && deliver(b1) > 0);
    for (let s = 3; s <= MAX_RECEIVE_SSRCS; s++) assert.ok(deliver(protect(tx, rtp(5, s))) > 0);
    assert.ok(deliver(protect(tx, rtp(6, 1))) > 0, 'SSRC 1 used again: now the most recent');
    assert.ok(deliver(protect(tx, rtp(5, MAX_RECEIVE_SSRCS + 1))) > 0, 'one more SSRC than the table holds');
    assert.equal(deliver(a1), -1, 'SSRC 1 is remembered: its old packet is a replay');
    assert.ok(deliver(b1) > 0, 'SSRC 2, unused longest, was forgotten');
  });

  test('forgetSsrc: a sender that forgot an SSRC starts it again at ROC 0', () => {
    const tx = new SrtpSendContext(k);
    for (const seq of [65534, 65535, 0]) protect(tx, rtp(seq, ssrc));
    const fresh = protect(new SrtpSendContext(k), rtp(1, ssrc));
    assert.notDeepEqual(protect(tx, rtp(1, ssrc)), fresh, 'ROC 1 before forgetting');
    tx.forgetSsrc(ssrc);
    assert.deepEqual(protect(tx, rtp(1, ssrc)), fresh, 'ROC 0 after');
  });

  test('the sender refuses a packet it cannot protect instead of writing past the buffer', () => {
    const tx = new SrtpSendContext(k);
    const plain = rtp(1, ssrc);
    assert.throws(() => tx.protectRtp(Buffer.from(plain), plain.length), RangeError);
    const bad = Buffer.alloc(plain.length + 16);
    plain.copy(bad);
    bad.writeUInt16BE(0x4000, 18);
    assert.throws(() => tx.protectRtp(bad, plain.length), RangeError);
    assert.throws(() => tx.protectRtcp(Buffer.alloc(40), 32), RangeError, 'not RTCP (version 0)');
  });

  test('three rollovers in order, sender and receiver agree on the ROC', () => {
    const tx = new SrtpSendContext(k);
    const rx = new SrtpReceiveContext(k);
    const plain = rtp(0, ssrc, 60);
    const buf = Buffer.alloc(60 + 16);
    for (let i = 0; i < 3 * 65536 + 10; i++) {
      plain.copy(buf);
      buf.writeUInt16BE((65000 + i) & 0xffff, 2);
      const n = tx.protectRtp(buf, 60);
      assert.equal(rx.unprotectRtp(buf, n), 60);
    }
  });
});
