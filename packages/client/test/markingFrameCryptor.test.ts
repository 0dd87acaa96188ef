// MarkingFrameCryptor: the e2e test build's cryptor (src/testing/), which appends a plaintext
// marker for the known-plaintext check in e2e/tests/e2ee.browser.test.ts. The marker travels
// inside the ciphertext, and cryptors without it (the production one) see it as plaintext.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameCryptor, parseSFramePayload, type FrameKind } from '../src/e2ee/FrameCryptor.js';
import { SET_MARKER, MarkingFrameCryptor, handleTestMessage } from '../src/testing/MarkingFrameCryptor.js';

const secret = (seed: number): Uint8Array => new Uint8Array(16).map((_, i) => (seed * 31 + i * 7) & 0xff);

function frame(len: number, kind: FrameKind, keyFrame: boolean): { data: ArrayBuffer; kind: FrameKind; keyFrame: boolean } {
  const b = new Uint8Array(len).map((_, i) => (i * 13 + 1) & 0xff);
  if (kind === 'video') b[0] = keyFrame ? 0x50 : 0x51;
  return { data: b.buffer, kind, keyFrame };
}

const bytes = (b: ArrayBuffer) => new Uint8Array(b);

async function member<T extends FrameCryptor>(c: T, index: number): Promise<T> {
  await c.setEpoch(1, secret(1), index);
  return c;
}

test('the marker is appended by the sender, stripped and counted by the receiver', async () => {
  const alice = await member(new MarkingFrameCryptor(), 2);
  const bob = await member(new MarkingFrameCryptor(), 5);
  const marker = new TextEncoder().encode('KAIGI-E2EE-MARK');
  alice.setMarker(marker);
  bob.setMarker(marker);
  for (const [kind, keyFrame, hidden] of [['video', false, 3], ['video', true, 3], ['audio', false, 0]] as const) {
    const f = frame(300, kind, keyFrame);
    const plain = bytes(f.data).slice();
    const enc = await alice.encrypt(f);
    assert.ok(enc);
    assert.equal(enc.byteLength, 300 + hidden + marker.length + parseSFramePayload(enc, kind, keyFrame)!.headerLength + 16);
    const dec = await bob.decrypt({ data: enc, kind, keyFrame });
    assert.deepEqual(bytes(dec!.data), plain, `${kind} ${keyFrame ? 'key' : 'delta'} frame comes out as sent`);
  }
  assert.equal(bob.stats().markerSeen, 3);
  assert.equal(bob.stats().decrypted, 3);
});

test('a cryptor without the marker finds it at the end of the plaintext, inside the ciphertext', async () => {
  const alice = await member(new MarkingFrameCryptor(), 2);
  const carol = await member(new FrameCryptor(), 9);
  const marker = new TextEncoder().encode('KAIGI-E2EE-MARK');
  alice.setMarker(marker);
  const enc = await alice.encrypt(frame(300, 'video', false));
  assert.equal(Buffer.from(enc!).includes(Buffer.from(marker)), false, 'not in clear on the wire');
  const raw = await carol.decrypt({ data: enc!, kind: 'video', keyFrame: false });
  assert.deepEqual(bytes(raw!.data).subarray(300), marker);
});

test('unmarked frames are not counted; a frame no longer than its clear prefix is still dropped', async () => {
  const alice = await member(new MarkingFrameCryptor(), 2);
  const bob = await member(new MarkingFrameCryptor(), 5);
  const marker = new Uint8Array([1, 2, 3, 4]);
  bob.setMarker(marker);
  await bob.decrypt({ data: (await alice.encrypt(frame(300, 'video', false)))!, kind: 'video', keyFrame: false });
  assert.equal(bob.stats().markerSeen, 0);
  assert.equal(bob.stats().decrypted, 1);
  alice.setMarker(marker);
  assert.equal(await alice.encrypt(frame(3, 'video', false)), null, 'the marker does not make a prefix-only frame sendable');
  assert.equal(alice.stats().tooShort, 1);
});

test('the worker message sets and clears the marker; anything else is left to the worker', async () => {
  const alice = await member(new MarkingFrameCryptor(), 2);
  const marker = new Uint8Array([9, 9, 9]);
  assert.equal(handleTestMessage(alice, { type: SET_MARKER, marker }), true);
  const enc = await alice.encrypt(frame(100, 'audio', false));
  assert.equal(enc!.byteLength, 100 + marker.length + parseSFramePayload(enc!, 'audio')!.headerLength + 16);
  assert.equal(handleTestMessage(alice, { type: SET_MARKER, marker: null }), true);
  const plain = await alice.encrypt(frame(100, 'audio', false));
  assert.equal(plain!.byteLength, enc!.byteLength - marker.length);
  for (const other of [{ type: 'stats', id: 1 }, { type: SET_MARKER, marker: new Uint8Array(65) }, { type: SET_MARKER, marker: 'ab' }, null]) {
    assert.equal(handleTestMessage(alice, other), false, JSON.stringify(other));
  }
  // The production cryptor takes no marker, even when the message reaches it.
  assert.equal(handleTestMessage(new FrameCryptor(), { type: SET_MARKER, marker }), false);
});
