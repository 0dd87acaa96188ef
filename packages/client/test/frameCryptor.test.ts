// FrameCryptor: what the E2EE worker does to every media frame. Two cryptors share an MLS epoch
// secret as two meeting members would; the clock is injected to test the retention window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameCryptor,
  KeyFrameRequestLimiter,
  clearPrefixLength,
  decryptSFrame,
  parseSFramePayload,
  type FrameKind,
} from '../src/e2ee/FrameCryptor.js';

const secret = (seed: number): Uint8Array => new Uint8Array(16).map((_, i) => (seed * 31 + i * 7) & 0xff);

/** A VP8-like frame: first byte's bit 0 is 0 on key frames (RFC 6386 frame tag). */
function frame(len: number, kind: FrameKind, keyFrame: boolean, seed = 1): { data: ArrayBuffer; kind: FrameKind; keyFrame: boolean } {
  const b = new Uint8Array(len).map((_, i) => (i * 13 + seed) & 0xff);
  if (kind === 'video') b[0] = keyFrame ? 0x50 : 0x51;
  return { data: b.buffer, kind, keyFrame };
}

async function members(epoch = 1, opts?: { now?: () => number }) {
  const alice = new FrameCryptor(opts);
  const bob = new FrameCryptor(opts);
  await alice.setEpoch(epoch, secret(epoch), 2);
  await bob.setEpoch(epoch, secret(epoch), 5);
  return { alice, bob };
}

const bytes = (b: ArrayBuffer) => new Uint8Array(b);

test('round trip for VP8 key/delta and Opus frames; clear prefix kept, layout and overhead exact', async () => {
  const { alice, bob } = await members(7);
  const cases: [FrameKind, boolean, number, number][] = [
    ['video', true, 60_000, 10],
    ['video', false, 6_000, 3],
    ['audio', false, 120, 1],
  ];
  for (const [kind, keyFrame, len, prefix] of cases) {
    assert.equal(clearPrefixLength(kind, keyFrame), prefix);
    const f = frame(len, kind, keyFrame);
    const plain = bytes(f.data).slice();
    const enc = await alice.encrypt(f);
    assert.ok(enc);
    const e = bytes(enc);
    if (kind === 'video') {
      // The key-frame bit, start code and dimensions stay in clear; the partition size is masked.
      assert.equal(e[0]! & 0x1f, plain[0]! & 0x1f, 'key-frame, version and show-frame bits in clear');
      assert.deepEqual([e[0]! & 0xe0, e[1], e[2]], [0xe0, 0xff, 0xff], 'first-partition size masked');
      assert.deepEqual(e.subarray(3, prefix), plain.subarray(3, prefix), 'start code and dimensions in clear');
    } else {
      assert.deepEqual(e.subarray(0, prefix), plain.subarray(0, prefix), 'codec bytes stay in clear');
    }
    const info = parseSFramePayload(enc, kind, keyFrame)!;
    assert.equal(info.prefixLength, prefix);
    assert.equal(info.senderIndex, 2);
    assert.equal(info.epochBits, 7);
    const hidden = kind === 'video' ? 3 : 0;
    assert.equal(e.length, len + hidden + info.headerLength + 16, 'overhead = header + 16-byte tag (+ the 3-byte VP8 tag, encrypted)');
    assert.equal(Buffer.from(e).includes(Buffer.from(plain.subarray(prefix, prefix + 16))), false, 'payload is not in clear');
    const dec = await bob.decrypt({ data: enc, kind, keyFrame });
    assert.ok(dec);
    assert.deepEqual(bytes(dec.data), plain);
    assert.equal(dec.senderIndex, 2);
    assert.equal(dec.epoch, 7);
  }
  const s = bob.stats();
  assert.equal(s.decrypted, 3);
  assert.deepEqual(s.lastDecryptEpochBySender, { 2: 7 });
  assert.equal(alice.stats().encrypted, 3);
});

test('a member with another epoch secret cannot decrypt', async () => {
  const alice = new FrameCryptor();
  const eve = new FrameCryptor();
  await alice.setEpoch(3, secret(3), 0);
  await eve.setEpoch(3, secret(99), 1);
  const enc = await alice.encrypt(frame(500, 'video', false));
  assert.equal(await eve.decrypt({ data: enc!, kind: 'video', keyFrame: false }), null);
  assert.equal(eve.stats().failed, 1);
  assert.equal(eve.stats().decrypted, 0);
});

test('the clear prefix is authenticated: the SFU changing one clear byte makes the frame fail', async () => {
  const { alice, bob } = await members();
  for (const [kind, keyFrame, at] of [['video', true, 9], ['video', false, 2], ['audio', false, 0]] as const) {
    const enc = bytes((await alice.encrypt(frame(300, kind, keyFrame)))!);
    const good = enc.slice();
    enc[at]! ^= 0x04;
    assert.equal(await bob.decrypt({ data: enc.buffer, kind, keyFrame }), null, `${kind} byte ${at}`);
    assert.ok(await bob.decrypt({ data: good.buffer, kind, keyFrame }), 'untouched copy still decrypts');
  }
  assert.equal(bob.stats().failed, 3);
  // The receiver's idea of the prefix length must match the sender's (frame type confusion).
  const enc = await alice.encrypt(frame(300, 'video', true));
  assert.equal(await bob.decrypt({ data: enc!, kind: 'video', keyFrame: false }), null);
});

test('no key yet: frames are dropped, never sent or passed in clear; too-short frames are dropped', async () => {
  const c = new FrameCryptor();
  assert.equal(await c.encrypt(frame(100, 'audio', false)), null);
  assert.equal(await c.decrypt(frame(100, 'audio', false)), null);
  assert.equal(c.stats().noKey, 2);
  await c.setEpoch(1, secret(1), 0);
  assert.equal(await c.encrypt(frame(1, 'audio', false)), null, 'Opus TOC only');
  assert.equal(await c.encrypt(frame(10, 'video', true)), null, 'VP8 key frame header only');
  assert.equal(await c.encrypt(frame(3, 'video', false)), null, 'VP8 frame tag only');
  assert.ok(await c.encrypt(frame(2, 'audio', false)));
  assert.ok(await c.encrypt(frame(4, 'video', false)));
  assert.equal(c.stats().tooShort, 3);
});

test('epoch switch: sending moves at once, the old epoch decrypts for the retention window only', async () => {
  let t = 1_000;
  const now = () => t;
  const { alice, bob } = await members(1, { now });
  const old1 = await alice.encrypt(frame(400, 'video', false, 1));
  const old2 = await alice.encrypt(frame(400, 'video', false, 2));
  await alice.setEpoch(2, secret(2), 2);
  const fresh = await alice.encrypt(frame(400, 'video', false, 3));
  assert.equal(parseSFramePayload(fresh!, 'video')!.epochBits, 2, 'sender switched immediately');
  assert.equal(alice.stats().epoch, 2);

  // Bob has not applied the commit yet: the new-epoch frame has no key.
  assert.equal(await bob.decrypt({ data: fresh!, kind: 'video', keyFrame: false }), null);
  assert.equal(bob.stats().noKey, 1);
  await bob.setEpoch(2, secret(2), 5);
  assert.equal((await bob.decrypt({ data: fresh!, kind: 'video', keyFrame: false }))?.epoch, 2);
  t += 2_999;
  assert.equal((await bob.decrypt({ data: old1!, kind: 'video', keyFrame: false }))?.epoch, 1, 'in-flight frame of epoch 1');
  assert.deepEqual(bob.stats().lastDecryptEpochBySender, { 2: 1 });
  t += 2;
  assert.equal(await bob.decrypt({ data: old2!, kind: 'video', keyFrame: false }), null, 'epoch 1 keys dropped after 3 s');
  assert.equal(bob.stats().noKey, 2);
  assert.equal((await bob.decrypt({ data: fresh!, kind: 'video', keyFrame: false }))?.epoch, 2);
});

test('an epoch whose low 8 bits repeat replaces the old one (RFC 9605 §5.2)', async () => {
  const { alice, bob } = await members(1);
  const e1 = await alice.encrypt(frame(200, 'audio', false));
  await bob.setEpoch(257, secret(2), 5); // another secret (secret(257) would equal secret(1))
  assert.equal(await bob.decrypt({ data: e1!, kind: 'audio', keyFrame: false }), null);
});

test('clear() forgets every key; CTR never repeats across streams, epochs or clear()', async () => {
  const c = new FrameCryptor();
  await c.setEpoch(4, secret(4), 1);
  const ctrs: number[] = [];
  for (const [kind, kf] of [['audio', false], ['video', true], ['video', false]] as const) {
    ctrs.push(parseSFramePayload((await c.encrypt(frame(50, kind, kf)))!, kind, kf)!.ctr);
  }
  c.clear();
  assert.equal(c.stats().epoch, null);
  assert.equal(await c.encrypt(frame(50, 'audio', false)), null);
  await c.setEpoch(4, secret(4), 1); // the same secret again must not reuse a nonce
  ctrs.push(parseSFramePayload((await c.encrypt(frame(50, 'audio', false)))!, 'audio')!.ctr);
  assert.deepEqual(ctrs, [0, 1, 2, 3]);
});

test('clear() during a pending setEpoch wins; the secret is zeroed right away', async () => {
  const c = new FrameCryptor();
  const s = secret(9);
  const p = c.setEpoch(9, s, 0);
  assert.ok(s.every((b) => b === 0), 'caller copy zeroed synchronously');
  c.clear();
  await p;
  assert.equal(c.stats().epoch, null);
  await assert.rejects(c.setEpoch(1, new Uint8Array(8), 0), /16 bytes/);
});

test('parseSFramePayload reads KID/CTR from the frame start alone; VP8 key frames detected from the tag', async () => {
  const c = new FrameCryptor();
  await c.setEpoch(300, secret(3), 0x1234);
  for (let i = 0; i < 9; i++) await c.encrypt(frame(40, 'audio', false));
  const key = (await c.encrypt(frame(5000, 'video', true)))!;
  const info = parseSFramePayload(new Uint8Array(key).subarray(0, 40), 'video')!; // first packet only
  assert.deepEqual(info, {
    kid: (0x1234 << 8) | (300 % 256),
    ctr: 9,
    epochBits: 300 % 256,
    senderIndex: 0x1234,
    prefixLength: 10,
    headerLength: 1 + 3 + 1, // config, KID 0x12342c, CTR 0x09
  });
  assert.equal(parseSFramePayload(new Uint8Array([0x50, 1, 2]), 'video'), null, 'truncated');
});

test('decryptSFrame: a Node test holding the exporter secret decrypts a forwarded frame', async () => {
  const c = new FrameCryptor();
  const s = secret(11);
  const keep = s.slice();
  await c.setEpoch(11, s, 3);
  const f = frame(2000, 'video', true);
  const plain = bytes(f.data).slice();
  const enc = await c.encrypt(f);
  const r = await decryptSFrame(keep, 11, enc!, 'video');
  assert.deepEqual(bytes(r!.data), plain);
  assert.equal(r!.senderIndex, 3);
  assert.ok(keep.some((b) => b !== 0), "the helper does not zero the caller's secret");
  assert.equal(await decryptSFrame(secret(12), 11, enc!, 'video'), null);
});

test('KeyFrameRequestLimiter: at most one request per 500 ms', () => {
  let t = 0;
  const l = new KeyFrameRequestLimiter(500, () => t);
  assert.equal(l.tryAcquire(), true);
  assert.equal(l.tryAcquire(), false);
  t = 499;
  assert.equal(l.tryAcquire(), false);
  t = 500;
  assert.equal(l.tryAcquire(), true);
  t = 900;
  assert.equal(l.tryAcquire(), false);
});
