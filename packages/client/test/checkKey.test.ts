// A verifier's check's own keys (B7): the two sides of one ECDH exchange reach the same SFrame
// keys and the same safety code; anything else (another check, a key swapped in between, a
// second key, a bad point) does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckKey, CheckKeyError, type CheckContext } from '../src/e2ee/CheckKey.js';
import { CHECK_KID, FrameCryptor, parseSFramePayload, type FrameKind } from '../src/e2ee/FrameCryptor.js';

const ctx: CheckContext = { meetingId: 'm_1', newcomerId: 'p_newt', verifierId: 'p_vera' };
const secret = (seed: number): Uint8Array => new Uint8Array(16).map((_, i) => (seed * 31 + i * 7) & 0xff);

function frame(len: number, kind: FrameKind = 'video', keyFrame = true, seed = 1) {
  const b = new Uint8Array(len).map((_, i) => (i * 13 + seed) & 0xff);
  if (kind === 'video') b[0] = keyFrame ? 0x50 : 0x51;
  return { data: b.buffer, kind, keyFrame };
}

async function exchange(newcomerCtx = ctx, verifierCtx = ctx) {
  const newt = await CheckKey.create('newcomer', newcomerCtx);
  const vera = await CheckKey.create('verifier', verifierCtx);
  const [n, v] = await Promise.all([newt.derive(vera.publicKey), vera.derive(newt.publicKey)]);
  return { newt, vera, n, v };
}

test('both sides derive the same base key and safety code; public keys are uncompressed P-256 points', async () => {
  const { newt, n, v } = await exchange();
  assert.equal(newt.publicKey.length, 65);
  assert.equal(newt.publicKey[0], 0x04);
  assert.deepEqual(n.baseKey, v.baseKey);
  assert.equal(n.baseKey.length, 16);
  assert.equal(n.safetyCode, v.safetyCode);
  assert.match(n.safetyCode, /^\d{4}( \d{4}){4}$/);
  // A fresh check between the same two people has fresh keys.
  const again = await exchange();
  assert.notEqual(again.n.safetyCode, n.safetyCode);
});

test('a different context (another meeting or person) or a key swapped in between gives another code', async () => {
  const other = await exchange(ctx, { ...ctx, verifierId: 'p_mallory' });
  assert.notEqual(other.n.safetyCode, other.v.safetyCode);
  assert.notDeepEqual(other.n.baseKey, other.v.baseKey);
  // A server in the middle: two exchanges, one with each side. Each is consistent, the codes differ.
  const newt = await CheckKey.create('newcomer', ctx);
  const vera = await CheckKey.create('verifier', ctx);
  const mToNewt = await CheckKey.create('verifier', ctx);
  const mToVera = await CheckKey.create('newcomer', ctx);
  const codeAtNewt = (await newt.derive(mToNewt.publicKey)).safetyCode;
  const codeAtVera = (await vera.derive(mToVera.publicKey)).safetyCode;
  assert.notEqual(codeAtNewt, codeAtVera);
});

test('refused: a second key, our own key echoed, a point off the curve, a compressed or short key, an empty context', async () => {
  const newt = await CheckKey.create('newcomer', ctx);
  const vera = await CheckKey.create('verifier', ctx);
  await assert.rejects(newt.derive(newt.publicKey), CheckKeyError);
  const offCurve = new Uint8Array(65);
  offCurve[0] = 0x04;
  offCurve[64] = 1;
  await assert.rejects(newt.derive(offCurve), CheckKeyError);
  await assert.rejects(newt.derive(vera.publicKey.subarray(0, 33)), CheckKeyError);
  const compressedTag = new Uint8Array(vera.publicKey);
  compressedTag[0] = 0x02;
  await assert.rejects(newt.derive(compressedTag), CheckKeyError);
  await newt.derive(vera.publicKey);
  await assert.rejects(newt.derive((await CheckKey.create('verifier', ctx)).publicKey), /already/);
  await assert.rejects(CheckKey.create('newcomer', { ...ctx, verifierId: ctx.newcomerId }), CheckKeyError);
  await assert.rejects(CheckKey.create('newcomer', { ...ctx, meetingId: '' }), CheckKeyError);
});

test("a check's frames: the newcomer (no epoch) and the verifier (in the meeting's epoch) exchange media nobody else opens", async () => {
  const { n, v } = await exchange();
  const newcomer = new FrameCryptor();
  const verifier = new FrameCryptor();
  const member = new FrameCryptor();
  await verifier.setEpoch(3, secret(3), 1);
  await member.setEpoch(3, secret(3), 2);
  // Before the check's keys, a newcomer sends nothing at all.
  assert.equal(await newcomer.encrypt(frame(500)), null);
  await newcomer.setCheckKey(n.baseKey, 'newcomer');
  await verifier.setCheckKey(v.baseKey, 'verifier');
  assert.ok(n.baseKey.every((b) => b === 0) && v.baseKey.every((b) => b === 0), 'the cryptor zeroes the base key it was given');

  const fromNewt = await newcomer.encrypt(frame(800));
  assert.ok(fromNewt);
  assert.equal(BigInt(parseSFramePayload(fromNewt, 'video')?.kid ?? -1), CHECK_KID.newcomer);
  const atVera = await verifier.decrypt({ data: fromNewt, kind: 'video', keyFrame: true });
  assert.deepEqual(new Uint8Array(atVera?.data ?? new ArrayBuffer(0)), new Uint8Array(frame(800).data));
  assert.equal(atVera?.epoch, null);
  // A member of the meeting holds the epoch but not the check's keys.
  assert.equal(await member.decrypt({ data: fromNewt, kind: 'video', keyFrame: true }), null);

  // The verifier sends with the check's key while it is open; the newcomer opens it.
  const fromVera = await verifier.encrypt(frame(600, 'audio', false, 7));
  assert.ok(fromVera);
  assert.equal(BigInt(parseSFramePayload(fromVera, 'audio')?.kid ?? -1), CHECK_KID.verifier);
  assert.ok(await newcomer.decrypt({ data: fromVera, kind: 'audio', keyFrame: false }));
  assert.equal(await member.decrypt({ data: fromVera, kind: 'audio', keyFrame: false }), null);
  // A frame claiming to be the verifier's own KID does not open at the verifier (only the other side's does).
  assert.equal(await verifier.decrypt({ data: fromVera, kind: 'audio', keyFrame: false }), null);
  // The meeting's frames still open at the verifier during the check.
  const fromMember = await member.encrypt(frame(300, 'video', false, 9));
  assert.ok(fromMember && (await verifier.decrypt({ data: fromMember, kind: 'video', keyFrame: false })));
  assert.equal(await newcomer.decrypt({ data: fromMember, kind: 'video', keyFrame: false }), null);

  // The check ends: the verifier sends under the epoch again, the newcomer has nothing.
  verifier.clearCheck();
  newcomer.clearCheck();
  const after = await verifier.encrypt(frame(400));
  assert.ok(after && (await member.decrypt({ data: after, kind: 'video', keyFrame: true })));
  assert.equal(await newcomer.decrypt({ data: after, kind: 'video', keyFrame: true }), null);
  assert.equal(await verifier.decrypt({ data: fromNewt, kind: 'video', keyFrame: true }), null);
  assert.equal(await newcomer.encrypt(frame(500)), null);
  const stats = verifier.stats();
  assert.equal(stats.checkEncrypted, 1);
  assert.equal(stats.checkDecrypted, 1);
});

test('a tampered check frame fails to authenticate', async () => {
  const { n, v } = await exchange();
  const newcomer = new FrameCryptor();
  const verifier = new FrameCryptor();
  await newcomer.setCheckKey(n.baseKey, 'newcomer');
  await verifier.setCheckKey(v.baseKey, 'verifier');
  const enc = new Uint8Array((await newcomer.encrypt(frame(200, 'audio', false)))!);
  enc[enc.length - 1]! ^= 1;
  assert.equal(await verifier.decrypt({ data: enc.buffer, kind: 'audio', keyFrame: false }), null);
  assert.equal(verifier.stats().failed, 1);
});

test('B7: while a check is being keyed, the verifier sends nothing, not even under the meeting epoch', async () => {
  const { v } = await exchange();
  const verifier = new FrameCryptor();
  await verifier.setEpoch(3, secret(3), 1);
  assert.ok(await verifier.encrypt(frame(300)), 'in the meeting, frames go out under the epoch');
  verifier.holdForCheck();
  assert.equal(await verifier.encrypt(frame(300)), null, 'the check opened, its key not yet there: dropped');
  await verifier.setCheckKey(v.baseKey, 'verifier');
  const sent = await verifier.encrypt(frame(300, 'audio', false, 5));
  assert.equal(BigInt(parseSFramePayload(sent!, 'audio')?.kid ?? -1), CHECK_KID.verifier);
  verifier.clearCheck();
  const after = await verifier.encrypt(frame(300));
  assert.ok(after && BigInt(parseSFramePayload(after, 'video')?.kid ?? -1) !== CHECK_KID.verifier, 'after the check, the epoch again');
});
