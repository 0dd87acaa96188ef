// Meeting data at rest (E3): per-object encryption, crypto-shred deletion, signed certificates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CertificateSigner, verifyCertificate, type DeletionCertificate } from '../src/security/CertificateSigner.js';
import { serverKey } from '../src/security/serverKey.js';
import { openDatabase, type Database } from '../src/storage/Database.js';
import { ObjectStore, ObjectStoreError, unwrapObjectKey, type PutMeta } from '../src/storage/ObjectStore.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every file under dir, recursively. */
function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p) : [p];
  });
}

/** The files under dir whose bytes contain needle. */
function filesContaining(dir: string, needle: Buffer): string[] {
  return allFiles(dir).filter((f) => fs.readFileSync(f).includes(needle));
}

const errorCode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof ObjectStoreError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('ObjectStore', () => {
  let dataDir: string;
  let db: Database;
  let kek: Buffer;
  let signer: CertificateSigner;
  let store: ObjectStore;
  const meta = (over: Partial<PutMeta> = {}): PutMeta => ({
    meetingId: 'MEETING123',
    kind: 'file',
    name: 'notes.txt',
    createdBy: 'u_host',
    purgeAt: null,
    protection: 'server',
    ...over,
  });
  const wrappedKey = async (id: string) =>
    (await db.selectFrom('objects').select('wrapped_key').where('id', '=', id).executeTakeFirstOrThrow()).wrapped_key;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-objects-'));
    db = await openDatabase(dataDir);
    kek = serverKey(dataDir, 'objects');
    signer = CertificateSigner.open(dataDir);
    store = new ObjectStore(db, dataDir, { kek, signer, node: 'node-a', region: 'jp-east' });
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('round-trips a server-protected object, encrypted on disk under its own key', async () => {
    const marker = Buffer.from(`MARKER-${randomBytes(16).toString('hex')}`);
    const plain = Buffer.concat([randomBytes(1000), marker, randomBytes(1000)]);
    const obj = await store.put(meta(), plain);
    const onDisk = fs.readFileSync(path.join(dataDir, obj.path));
    assert.equal(onDisk.includes(marker), false, 'the file holds the plaintext');
    assert.equal(obj.size, onDisk.length);
    assert.equal(obj.size, plain.length + 12 + 16);
    assert.equal(obj.path, `objects/MEETING123/${obj.id}`);
    assert.equal(fs.statSync(path.join(dataDir, obj.path)).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dataDir, 'objects', 'MEETING123')).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dataDir, 'keys', 'certificates.pem')).mode & 0o777, 0o600);
    assert.deepEqual((await store.read(obj.id)).data, plain);
    // Each object has its own key.
    const other = await store.put(meta(), plain);
    const w1 = (await wrappedKey(obj.id))!;
    const k1 = unwrapObjectKey(kek, obj.id, w1);
    const k2 = unwrapObjectKey(kek, other.id, (await wrappedKey(other.id))!);
    assert.equal(k1.length, 32);
    assert.notDeepEqual(k1, k2);
    // A wrapped key moved to another object does not unwrap (AAD = object ID).
    assert.throws(() => unwrapObjectKey(kek, other.id, w1));
  });

  it('stores an e2ee object as given, with no key', async () => {
    const bytes = randomBytes(500);
    const obj = await store.put(meta({ protection: 'e2ee', kind: 'recording', name: null }), bytes);
    assert.equal(await wrappedKey(obj.id), null);
    assert.deepEqual(fs.readFileSync(path.join(dataDir, obj.path)), bytes);
    assert.deepEqual((await store.read(obj.id)).data, bytes);
    assert.deepEqual((await store.get(obj.id))?.protection, 'e2ee');
  });

  it('refuses to read a tampered object file', async () => {
    const obj = await store.put(meta(), Buffer.from('hello, tamper me'));
    const file = path.join(dataDir, obj.path);
    const bytes = fs.readFileSync(file);
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    fs.writeFileSync(file, bytes);
    assert.equal(await errorCode(store.read(obj.id)), 'damaged');
    // Even with the recorded hash updated to match, the GCM tag catches it.
    await db.updateTable('objects').set({ ciphertext_sha256: createHash('sha256').update(bytes).digest('hex') }).where('id', '=', obj.id).execute();
    assert.equal(await errorCode(store.read(obj.id)), 'damaged');
  });

  it('lists by meeting and finds what is due', async () => {
    const a = await store.put(meta({ meetingId: 'LISTME', purgeAt: '2030-01-01T00:00:00.000Z' }), Buffer.from('a'));
    const b = await store.put(meta({ meetingId: 'LISTME', purgeAt: '2020-01-01T00:00:00.000Z', kind: 'chat' }), Buffer.from('b'));
    assert.deepEqual((await store.list('LISTME')).map((o) => o.id).sort(), [a.id, b.id].sort());
    const due = (await store.due('2025-01-01T00:00:00.000Z')).map((o) => o.id);
    assert.ok(due.includes(b.id) && !due.includes(a.id));
    assert.equal(await errorCode(store.put(meta({ meetingId: '../escape' }), Buffer.from('x'))), 'invalid');
  });

  for (const protection of ['server', 'e2ee'] as const) {
    it(`deletes a ${protection} object beyond recovery, leaving a certificate that verifies`, async () => {
      const marker = Buffer.from(`MARKER-${randomBytes(16).toString('hex')}`);
      const obj = await store.put(meta({ protection, meetingId: `DEL${protection}`, name: protection === 'e2ee' ? null : 'notes.txt' }), Buffer.concat([marker, randomBytes(64)]));
      const wrapped = await wrappedKey(obj.id);
      const key = wrapped === null ? null : unwrapObjectKey(kek, obj.id, wrapped);
      // The scan works: before deletion it finds the wrapped key (database/WAL) or, for e2ee, the bytes.
      if (wrapped) assert.notDeepEqual(filesContaining(dataDir, Buffer.from(wrapped)), []);
      else assert.notDeepEqual(filesContaining(dataDir, marker), []);

      // A second name for the file's inode shows its bytes were overwritten, not just unlinked.
      const link = path.join(dataDir, `inode-${obj.id}`);
      fs.linkSync(path.join(dataDir, obj.path), link);

      const cert = await store.delete(obj.id, { by: 'u_host', reason: 'test' });
      assert.equal(await store.get(obj.id), undefined);
      assert.equal(fs.existsSync(path.join(dataDir, obj.path)), false);
      assert.deepEqual(fs.readFileSync(link), Buffer.alloc(obj.size), 'the bytes were not zeroed');
      fs.rmSync(link);
      assert.ok(fs.existsSync(path.join(dataDir, 'kaigi.sqlite-wal')), 'the scan must cover the WAL');
      assert.deepEqual(filesContaining(dataDir, marker), [], 'plaintext marker left behind');
      if (wrapped && key) {
        assert.deepEqual(filesContaining(dataDir, Buffer.from(wrapped)), [], 'wrapped key left behind');
        assert.deepEqual(filesContaining(dataDir, Buffer.from(wrapped, 'base64')), [], 'wrapped key bytes left behind');
        for (const form of [key, Buffer.from(key.toString('base64')), Buffer.from(key.toString('hex'))]) {
          assert.deepEqual(filesContaining(dataDir, form), [], 'object key left behind');
        }
      }

      assert.equal(cert.objectId, obj.id);
      assert.equal(cert.ciphertextSha256, obj.ciphertextSha256);
      assert.equal(cert.keyDestroyed, protection === 'server');
      assert.equal(cert.bytesDestroyed, true);
      assert.equal(cert.node, 'node-a');
      assert.equal(cert.region, 'jp-east');
      assert.equal(verifyCertificate(cert, signer.publicKeyPem).valid, true);
      assert.deepEqual(await store.certificate(obj.id), cert);
      assert.deepEqual(await store.certificates(`DEL${protection}`), [cert]);

      // Deleting again refuses but hands back the certificate; an unknown ID is 'not-found'.
      const again = await store.delete(obj.id, { by: 'u_host', reason: 'again' }).catch((e: unknown) => e);
      assert.ok(again instanceof ObjectStoreError && again.code === 'already-deleted');
      assert.deepEqual(again.certificate, cert);
      assert.equal(await errorCode(store.delete('obj_nope', { by: 'x', reason: 'y' })), 'not-found');
    });
  }

  it('rejects an edited certificate, whichever field or the signature', async () => {
    const obj = await store.put(meta({ meetingId: 'EDITS' }), Buffer.from('edit me'));
    const cert = await store.delete(obj.id, { by: 'u_host', reason: 'test' });
    assert.equal(verifyCertificate(cert).valid, true);
    const edits: Record<string, unknown> = { signature: Buffer.from(randomBytes(70)).toString('base64') };
    for (const [k, v] of Object.entries(cert)) {
      if (k === 'signature' || k === 'publicKey') continue;
      edits[k] = typeof v === 'string' ? `${v}x` : typeof v === 'number' ? v + 1 : !v;
    }
    for (const [k, v] of Object.entries(edits)) {
      const edited = { ...cert, [k]: v };
      assert.equal(verifyCertificate(edited).valid, false, `edited ${k} passes (embedded key)`);
      assert.equal(verifyCertificate(edited, signer.publicKeyPem).valid, false, `edited ${k} passes (server key)`);
    }
    assert.equal(verifyCertificate({ ...cert, extra: 1 }).valid, false);
    const { deletedBy: _gone, ...missing } = cert;
    assert.equal(verifyCertificate(missing).valid, false);
    // Re-signed by someone else's key, with their key embedded: fine on its own, not against ours.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-othersigner-'));
    try {
      const forged = CertificateSigner.open(otherDir).sign({ ...cert, reason: 'forged' });
      assert.equal(verifyCertificate(forged).valid, true);
      assert.equal(verifyCertificate(forged, signer.publicKeyPem).valid, false);
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('`kaigi certificate verify FILE` accepts a valid certificate and rejects an edited one', async () => {
    const obj = await store.put(meta({ meetingId: 'CLI' }), Buffer.from('cli'));
    const cert: DeletionCertificate = await store.delete(obj.id, { by: 'u_admin', reason: 'cli test' });
    const good = path.join(dataDir, 'cert.json');
    const bad = path.join(dataDir, 'cert-edited.json');
    fs.writeFileSync(good, JSON.stringify(cert, null, 2));
    fs.writeFileSync(bad, JSON.stringify({ ...cert, deletedBy: 'someone-else' }));
    const cli = (file: string, dir: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'certificate', 'verify', file], {
        cwd: repoRoot,
        env: { ...process.env, KAIGI_DATA_DIR: dir },
        encoding: 'utf8',
      });
    const ok = cli(good, dataDir);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), `valid: ${cert.objectId} deleted ${cert.deletedAt} by u_admin`);
    const no = cli(bad, dataDir);
    assert.equal(no.status, 1, no.stderr);
    assert.match(no.stdout, /^INVALID: /);
    // Elsewhere, with no certificates.pub.pem: checked against the embedded key, and it says so.
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-nokey-'));
    try {
      const embedded = cli(good, emptyDir);
      assert.equal(embedded.status, 0, embedded.stderr);
      assert.match(embedded.stdout, /valid: .*\nnote: .*key inside the certificate/);
      assert.equal(cli(bad, emptyDir).status, 1);
    } finally {
      fs.rmSync(emptyDir, { recursive: true, force: true });
    }
  });
  it('makes an object due before destroying its bytes, so a crash in between is finished by the purge', async () => {
    const o = await store.put(meta(), randomBytes(64));
    // Shredding fails here as a SIGKILL would stop it: after the bytes' turn began, before the row went.
    const file = path.join(dataDir, o.path);
    fs.rmSync(file);
    fs.mkdirSync(file);
    await assert.rejects(store.delete(o.id, { by: 'u_host', reason: 'test' }));
    fs.rmdirSync(file);
    const left = await store.get(o.id);
    assert.ok(left, 'the row is still there');
    assert.ok((await store.due(new Date().toISOString())).some((d) => d.id === o.id), 'and due: the next purge pass destroys its key');
    const cert = await store.delete(o.id, { by: 'retention', reason: 'retention period ended' });
    assert.equal(cert.keyDestroyed, true);
    assert.equal(await store.get(o.id), undefined);
  });
});
