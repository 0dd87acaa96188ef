import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KeyManager, KeyManagerError, type EpochInfo } from '../src/e2ee/KeyManager.ts';

// A stand-in for the delivery service: it names a committer, accepts that commit and echoes it
// to every member (the committer included), and hands the Welcome to the newcomers.

const pid = (): string => 'p_' + randomBytes(16).toString('base64url');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const timings: Record<string, number[]> = {};
async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  (timings[name] ??= []).push(performance.now() - t0);
  return r;
}

async function newMember(): Promise<KeyManager> {
  return KeyManager.create({ participantId: pid() });
}

async function commitAndApply(
  committer: KeyManager,
  members: KeyManager[],
  change: { adds?: KeyManager[]; removes?: KeyManager[] },
): Promise<EpochInfo[]> {
  const epoch = committer.epoch!;
  const adds = await Promise.all(
    (change.adds ?? []).map(async (m) => ({ participantId: m.participantId, keyPackage: await m.keyPackage() })),
  );
  const kind = adds.length ? 'add' : change.removes?.length ? 'remove' : 'update';
  const { commit, welcome } = await timed(`${kind} commit`, () =>
    committer.commit({ epoch, adds, removes: (change.removes ?? []).map((m) => m.participantId) }),
  );
  const infos: EpochInfo[] = [];
  for (const m of members) infos.push(await timed('apply commit', () => m.applyCommit(epoch, commit, committer.participantId)));
  for (const m of change.adds ?? []) {
    assert.ok(welcome, 'an add commit comes with a Welcome');
    infos.push(await timed('join from welcome', () => m.joinFromWelcome(welcome)));
  }
  return infos;
}

function assertAgree(infos: EpochInfo[], epoch: number): void {
  const [first, ...rest] = infos;
  assert.ok(first);
  assert.equal(first.epoch, epoch);
  assert.equal(first.epochSecret.length, 16);
  assert.match(first.safetyCode, /^\d{4}( \d{4}){4}$/);
  for (const info of rest) {
    assert.equal(info.epoch, epoch);
    assert.equal(hex(info.epochSecret), hex(first.epochSecret));
    assert.equal(info.safetyCode, first.safetyCode);
    assert.deepEqual(info.members, first.members);
  }
  assert.equal(new Set(infos.map((i) => i.selfIndex)).size, infos.length, 'each member has its own leaf');
}

async function threeMembers(): Promise<{ a: KeyManager; b: KeyManager; c: KeyManager; info: EpochInfo }> {
  const [a, b, c] = await Promise.all([newMember(), newMember(), newMember()]);
  await a.createGroup(randomBytes(16));
  await commitAndApply(a, [a], { adds: [b] });
  const infos = await commitAndApply(a, [a, b], { adds: [c] });
  assertAgree(infos, 2);
  return { a, b, c, info: infos[0]! };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof KeyManagerError && e.code === code);
}

test('three members agree on the SFrame key and safety code in every epoch; each add changes both', async () => {
  const [a, b, c] = await Promise.all([newMember(), newMember(), newMember()]);
  const e0 = await timed('create group', () => a.createGroup(randomBytes(16)));
  assert.equal(e0.epoch, 0);
  assert.deepEqual(e0.members, [{ participantId: a.participantId, leafIndex: 0 }]);
  const e1 = await commitAndApply(a, [a], { adds: [b] });
  assertAgree(e1, 1);
  const e2 = await commitAndApply(a, [a, b], { adds: [c] });
  assertAgree(e2, 2);
  const secrets = [e0, e1[0]!, e2[0]!].map((i) => hex(i.epochSecret));
  const codes = [e0, e1[0]!, e2[0]!].map((i) => i.safetyCode);
  assert.equal(new Set(secrets).size, 3, 'every epoch has its own secret');
  assert.equal(new Set(codes).size, 3, 'every epoch has its own safety code');
  assert.deepEqual(
    e2[0]!.members.map((m) => m.participantId).sort(),
    [a.participantId, b.participantId, c.participantId].sort(),
  );
  assert.deepEqual([a.epoch, b.epoch, c.epoch], [2, 2, 2]);
});

test('a remove advances the epoch, changes the key, and the removed member cannot read the new epoch', async () => {
  const { a, b, c, info } = await threeMembers();
  const before = await c.encryptApplication(text('still here'));
  const { commit } = await a.commit({ epoch: 2, adds: [], removes: [c.participantId, pid()] }); // unknown id ignored
  const infos = [await a.applyCommit(2, commit, a.participantId), await b.applyCommit(2, commit, a.participantId)];
  assertAgree(infos, 3);
  assert.notEqual(hex(infos[0]!.epochSecret), hex(info.epochSecret));
  assert.notEqual(infos[0]!.safetyCode, info.safetyCode);
  assert.deepEqual(infos[0]!.members.map((m) => m.participantId).sort(), [a.participantId, b.participantId].sort());
  // The removed member learns it was removed, and holds no state for the new epoch.
  await rejects(c.applyCommit(2, commit, a.participantId), 'removed');
  assert.equal(c.epoch, null);
  const secret = await b.encryptApplication(text('after C left'));
  await rejects(c.decryptApplication(secret), 'no-group');
  // Even a copy of C kept from before the commit cannot open the new epoch's message.
  const { a: a2, c: c2 } = await threeMembers();
  const { commit: commit2 } = await a2.commit({ epoch: 2, adds: [], removes: [c2.participantId] });
  await a2.applyCommit(2, commit2, a2.participantId);
  await rejects(c2.decryptApplication(await a2.encryptApplication(text('secret'))), 'future-epoch');
  // Messages from before the removal still open for those who remain (two past epochs are kept).
  const opened = await a.decryptApplication(before);
  assert.equal(new TextDecoder().decode(opened.plaintext), 'still here');
  assert.equal(opened.senderId, c.participantId);
  const read = await a.decryptApplication(secret);
  assert.equal(new TextDecoder().decode(read.plaintext), 'after C left');
  assert.equal(read.senderId, b.participantId);
});

test('a key-update commit (no adds, no removes) moves everyone to a new secret', async () => {
  const { a, b, c, info } = await threeMembers();
  const { commit, welcome } = await b.commit({ epoch: 2, adds: [], removes: [] });
  assert.equal(welcome, undefined);
  const infos = [];
  for (const m of [a, b, c]) infos.push(await m.applyCommit(2, commit, b.participantId));
  assertAgree(infos, 3);
  assert.notEqual(hex(infos[0]!.epochSecret), hex(info.epochSecret));
  assert.notEqual(infos[0]!.safetyCode, info.safetyCode);
});

test('two commits for one epoch: the one the server accepts wins and the loser follows it', async () => {
  const { a, b, c } = await threeMembers();
  const fromA = await a.commit({ epoch: 2, adds: [], removes: [] });
  const fromB = await b.commit({ epoch: 2, adds: [], removes: [] });
  // The server accepted B's. A was told its own commit was rejected; C never saw A's.
  a.rejectPending();
  const infos = [
    await a.applyCommit(2, fromB.commit, b.participantId),
    await b.applyCommit(2, fromB.commit, b.participantId),
    await c.applyCommit(2, fromB.commit, b.participantId),
  ];
  assertAgree(infos, 3);
  // The loser's commit can no longer be applied by anyone.
  await rejects(c.applyCommit(2, fromA.commit, a.participantId), 'wrong-epoch');
  // Without rejectPending, applying the winner discards the pending commit as well.
  const fromC = await c.commit({ epoch: 3, adds: [], removes: [] });
  const fromA2 = await a.commit({ epoch: 3, adds: [], removes: [] });
  const next = [
    await a.applyCommit(3, fromA2.commit, a.participantId),
    await b.applyCommit(3, fromA2.commit, a.participantId),
    await c.applyCommit(3, fromA2.commit, a.participantId),
  ];
  assertAgree(next, 4);
  assert.ok(fromC.commit.length > 0);
  // Asked twice before an answer, a member adopts whichever of its commits the server accepted.
  const firstTry = await b.commit({ epoch: 4, adds: [], removes: [] });
  const secondTry = await b.commit({ epoch: 4, adds: [], removes: [] });
  assert.notEqual(hex(firstTry.commit), hex(secondTry.commit));
  assertAgree([
    await a.applyCommit(4, firstTry.commit, b.participantId),
    await b.applyCommit(4, firstTry.commit, b.participantId),
    await c.applyCommit(4, firstTry.commit, b.participantId),
  ], 5);
  // And the group keeps working afterwards.
  const msg = await c.encryptApplication(text('ok'));
  assert.equal((await b.decryptApplication(msg)).senderId, c.participantId);
});

test('a commit whose KeyPackage belongs to someone other than the named participant is refused', async () => {
  const { a, b, c } = await threeMembers();
  const [d, mallory] = await Promise.all([newMember(), newMember()]);
  const forged = { participantId: d.participantId, keyPackage: await mallory.keyPackage() };
  await rejects(a.commit({ epoch: 2, adds: [forged], removes: [] }), 'identity-mismatch');
  await rejects(a.commit({ epoch: 2, adds: [{ participantId: d.participantId, keyPackage: randomBytes(64) }], removes: [] }), 'invalid-message');
  await rejects(a.commit({ epoch: 2, adds: [{ participantId: b.participantId, keyPackage: await b.keyPackage() }], removes: [] }), 'rejected');
  assert.equal(a.epoch, 2);
  const infos = await commitAndApply(a, [a, b, c], { adds: [d] });
  assertAgree(infos, 3);
});

test('a commit for the wrong epoch throws and leaves the member able to apply the right ones', async () => {
  const { a, b, c } = await threeMembers();
  const first = await a.commit({ epoch: 2, adds: [], removes: [] });
  await a.applyCommit(2, first.commit, a.participantId);
  await b.applyCommit(2, first.commit, a.participantId);
  const second = await b.commit({ epoch: 3, adds: [], removes: [] });
  const infos = [await a.applyCommit(3, second.commit, b.participantId), await b.applyCommit(3, second.commit, b.participantId)];
  // C missed the first commit.
  await rejects(c.applyCommit(3, second.commit, b.participantId), 'wrong-epoch');
  await rejects(c.commit({ epoch: 3, adds: [], removes: [] }), 'wrong-epoch');
  // A commit labelled with C's epoch but carrying another epoch's bytes is refused too.
  await rejects(c.applyCommit(2, second.commit, b.participantId), 'invalid-message');
  await rejects(c.applyCommit(2, randomBytes(200), a.participantId), 'invalid-message');
  // The server lying about who committed is caught.
  await rejects(c.applyCommit(2, first.commit, b.participantId), 'identity-mismatch');
  assert.equal(c.epoch, 2);
  await c.applyCommit(2, first.commit, a.participantId);
  infos.push(await c.applyCommit(3, second.commit, b.participantId));
  assertAgree(infos, 4);
  // A stale repeat of an applied commit is refused without harm.
  await rejects(a.applyCommit(3, second.commit, b.participantId), 'wrong-epoch');
  const msg = await a.encryptApplication(text('hello'));
  assert.equal(new TextDecoder().decode((await c.decryptApplication(msg)).plaintext), 'hello');
});

test('the group survives the committer leaving: another member commits its removal', async () => {
  const { a, b, c } = await threeMembers();
  const { commit } = await b.commit({ epoch: 2, adds: [], removes: [a.participantId] });
  const infos = [await b.applyCommit(2, commit, b.participantId), await c.applyCommit(2, commit, b.participantId)];
  assertAgree(infos, 3);
  assert.ok(!infos[0]!.members.some((m) => m.participantId === a.participantId));
  await rejects(a.applyCommit(2, commit, b.participantId), 'removed');
  await rejects(b.commit({ epoch: 3, adds: [], removes: [b.participantId] }), 'rejected');
  const e = await newMember();
  assertAgree(await commitAndApply(c, [b, c], { adds: [e] }), 4);
  assertAgree(await commitAndApply(e, [b, c, e], {}), 5);
});

test('chat messages built before a commit still open after it, even when our own commit was pending', async () => {
  const { a, b, c } = await threeMembers();
  const pending = await a.commit({ epoch: 2, adds: [], removes: [] });
  const m1 = await b.encryptApplication(text('one'));
  const m2 = await b.encryptApplication(text('two'));
  assert.equal(new TextDecoder().decode((await a.decryptApplication(m1)).plaintext), 'one');
  for (const m of [a, b, c]) await m.applyCommit(2, pending.commit, a.participantId);
  // m2 is from epoch 2 and arrives late: A adopted a state built before it read m1.
  assert.equal(new TextDecoder().decode((await a.decryptApplication(m2)).plaintext), 'two');
  assert.equal(new TextDecoder().decode((await c.decryptApplication(m2)).plaintext), 'two');
  // Replays and one's own messages are refused.
  await rejects(a.decryptApplication(m2), 'invalid-message');
  const own = await a.encryptApplication(text('mine'));
  await rejects(a.decryptApplication(own), 'invalid-message');
  assert.equal((await b.decryptApplication(own)).senderId, a.participantId);
});

test('concurrent calls are serialised and do not lose state', async () => {
  const { a, b } = await threeMembers();
  const msgs = await Promise.all([1, 2, 3, 4].map((i) => b.encryptApplication(text(`m${i}`))));
  const { commit } = await a.commit({ epoch: 2, adds: [], removes: [] });
  const results = await Promise.all([
    ...msgs.map((m) => a.decryptApplication(m)),
    a.applyCommit(2, commit, a.participantId),
    b.applyCommit(2, commit, a.participantId),
  ]);
  assert.equal(results.length, 6);
  assert.deepEqual([a.epoch, b.epoch], [3, 3]);
});

test('timings', () => {
  for (const [name, list] of Object.entries(timings)) {
    const avg = list.reduce((s, x) => s + x, 0) / list.length;
    console.log(`${name}: n=${list.length} avg ${avg.toFixed(1)} ms, max ${Math.max(...list).toFixed(1)} ms`);
  }
});
