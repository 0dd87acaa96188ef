import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createCommit,
  createGroup,
  createGroupInfoWithExternalPub,
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';
import { keyPackageIdentity, readFraming } from '../src/e2ee/MlsFraming.ts';
import { KeyManager } from '../../client/src/e2ee/KeyManager.ts';

const pid = (): string => 'p_' + randomBytes(16).toString('base64url');

async function group(): Promise<{ a: KeyManager; b: KeyManager; groupId: Uint8Array; kp: Uint8Array; commit: Uint8Array; welcome: Uint8Array }> {
  const [a, b] = await Promise.all([KeyManager.create({ participantId: pid() }), KeyManager.create({ participantId: pid() })]);
  const groupId = randomBytes(16);
  await a.createGroup(groupId);
  const kp = await b.keyPackage();
  const { commit, welcome } = await a.commit({ epoch: 0, adds: [{ participantId: b.participantId, keyPackage: kp }], removes: [] });
  assert.ok(welcome);
  await a.applyCommit(0, commit, a.participantId);
  await b.joinFromWelcome(welcome);
  return { a, b, groupId, kp, commit, welcome };
}

test('reads the framing of real Kaigi messages: KeyPackage, commit, Welcome, chat', async () => {
  const { a, b, groupId, kp, commit, welcome } = await group();
  assert.deepEqual(readFraming(kp), { wireformat: 'mls_key_package' });
  assert.equal(keyPackageIdentity(kp), b.participantId);
  assert.equal(keyPackageIdentity(Buffer.from(kp)), b.participantId, 'a Buffer works as well');

  const c = readFraming(Buffer.from(commit));
  assert.equal(c?.wireformat, 'mls_private_message');
  assert.equal(c?.contentType, 'commit');
  assert.equal(c?.epoch, 0);
  assert.deepEqual(Buffer.from(c!.groupId!), Buffer.from(groupId));
  assert.deepEqual(readFraming(welcome), { wireformat: 'mls_welcome' });

  const chat = readFraming(await b.encryptApplication(new TextEncoder().encode('hi')));
  assert.equal(chat?.wireformat, 'mls_private_message');
  assert.equal(chat?.contentType, 'application');
  assert.equal(chat?.epoch, 1);

  const update = await a.commit({ epoch: 1, adds: [], removes: [] });
  assert.equal(readFraming(update.commit)?.epoch, 1);
  assert.equal(keyPackageIdentity(update.commit), null, 'a commit is not a KeyPackage');
});

test('reads public-message commits and GroupInfo built with ts-mls directly', async () => {
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMP256_AES128GCM_SHA256_P256'));
  const kp = await generateKeyPackage(
    { credentialType: 'basic', identity: new TextEncoder().encode('p_x') },
    defaultCapabilities(),
    defaultLifetime,
    [],
    cs,
  );
  const groupId = randomBytes(8);
  const state = await createGroup(groupId, kp.publicPackage, kp.privatePackage, [], cs);
  const { commit, newState } = await createCommit({ state, cipherSuite: cs }, { wireAsPublicMessage: true });
  const f = readFraming(encodeMlsMessage(commit));
  assert.equal(f?.wireformat, 'mls_public_message');
  assert.equal(f?.contentType, 'commit');
  assert.equal(f?.epoch, 0);
  assert.deepEqual(Buffer.from(f!.groupId!), groupId);

  const gi = await createGroupInfoWithExternalPub(newState, [], cs);
  const g = readFraming(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: gi }));
  assert.equal(g?.wireformat, 'mls_group_info');
  assert.equal(g?.epoch, 1);
});

test('keyPackageIdentity refuses non-UTF-8 identities and other cipher suites', async () => {
  const p256 = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMP256_AES128GCM_SHA256_P256'));
  const bad = await generateKeyPackage({ credentialType: 'basic', identity: new Uint8Array([0x70, 0xff]) }, defaultCapabilities(), defaultLifetime, [], p256);
  assert.equal(keyPackageIdentity(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: bad.publicPackage })), null);
  const x25519 = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'));
  const other = await generateKeyPackage({ credentialType: 'basic', identity: new TextEncoder().encode('p_y') }, defaultCapabilities(), defaultLifetime, [], x25519);
  const bytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: other.publicPackage });
  assert.equal(readFraming(bytes)?.wireformat, 'mls_key_package');
  assert.equal(keyPackageIdentity(bytes), null);
});

test('garbage, truncated and extended messages give null and never throw', async () => {
  const { kp, commit, welcome } = await group();
  for (const bytes of [new Uint8Array(0), new Uint8Array([0, 1]), randomBytes(3), randomBytes(500)]) {
    assert.equal(readFraming(bytes), null);
    assert.equal(keyPackageIdentity(bytes), null);
  }
  for (const good of [kp, commit, welcome]) {
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    assert.equal(readFraming(longer), null, 'trailing bytes');
    assert.equal(readFraming(good.subarray(0, good.length - 1)), null, 'truncated');
    const wrongVersion = new Uint8Array(good);
    wrongVersion[1] = 2;
    assert.equal(readFraming(wrongVersion), null, 'not MLS 1.0');
  }
  assert.equal(keyPackageIdentity(kp.subarray(0, kp.length - 1)), null);
  // Random mutations of valid messages: whatever the decoder makes of them, it must not throw.
  for (let i = 0; i < 300; i++) {
    const good = [kp, commit, welcome][i % 3]!;
    const m = new Uint8Array(good);
    for (let j = 0; j < 1 + (i % 4); j++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
    assert.doesNotThrow(() => readFraming(m));
    assert.doesNotThrow(() => keyPackageIdentity(m));
  }
});
