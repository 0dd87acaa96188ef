// Object names at rest (D2, E3): a 'server' object's name is sealed under its own key, so
// destroying the key destroys the name; an 'e2ee' object has no name on the server at all; a
// deletion certificate names the object by ID and ciphertext hash, never by its name.
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomBytes, sign as ecdsaSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { canonicalJson, certificateKeyPath, CertificateSigner, verifyCertificate } from '../src/security/CertificateSigner.js';
import { serverKey } from '../src/security/serverKey.js';
import { openDatabase, type Database } from '../src/storage/Database.js';
import { migrationProvider } from '../src/storage/migrations.js';
import { ObjectStore, ObjectStoreError, wrapObjectKey, type PutMeta } from '../src/storage/ObjectStore.js';

/** Every file under dir whose bytes contain needle (the database, its WAL, the object files). */
function filesContaining(dir: string, needle: Buffer): string[] {
  const all = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(d, e.name)) : [path.join(d, e.name)]));
  return all(dir).filter((f) => fs.readFileSync(f).includes(needle));
}

/** A file name no other bytes in the data folder can contain by chance. */
const uniqueName = (label: string) => `${label}-${randomBytes(12).toString('hex')}.pdf`;

describe('object names (D2, E3)', () => {
  let dataDir: string;
  let db: Database;
  let store: ObjectStore;
  let signer: CertificateSigner;
  const meta = (over: Partial<PutMeta> = {}): PutMeta => ({
    meetingId: 'NAMES',
    kind: 'file',
    name: uniqueName('board-minutes'),
    createdBy: 'p_someone',
    purgeAt: null,
    protection: 'server',
    ...over,
  });

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-names-'));
    db = await openDatabase(dataDir);
    signer = CertificateSigner.open(dataDir);
    store = new ObjectStore(db, dataDir, { kek: serverKey(dataDir, 'objects'), signer, node: 'node-a', region: 'jp-east' });
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('D2/E3: stores a server object’s name only sealed under the object key, and opens it for readers', async () => {
    const m = meta();
    const obj = await store.put(m, Buffer.from('contents'));
    assert.ok(m.name);
    assert.deepEqual(filesContaining(dataDir, Buffer.from(m.name)), [], 'the name is in the data folder in clear');
    const row = await db.selectFrom('objects').selectAll().where('id', '=', obj.id).executeTakeFirstOrThrow();
    assert.equal(JSON.stringify(row).includes(m.name), false);
    assert.ok(row.sealed_name);
    assert.equal((await store.get(obj.id))?.name, m.name);
    assert.equal((await store.list('NAMES')).find((o) => o.id === obj.id)?.name, m.name);
  });

  it('D2: an e2ee object has no name on the server, and one given is refused', async () => {
    const obj = await store.put(meta({ protection: 'e2ee', name: null }), randomBytes(64));
    const row = await db.selectFrom('objects').selectAll().where('id', '=', obj.id).executeTakeFirstOrThrow();
    assert.equal(row.sealed_name, null);
    assert.equal((await store.get(obj.id))?.name, null);
    const named = await store.put(meta({ protection: 'e2ee' }), randomBytes(64)).catch((e: unknown) => e);
    assert.ok(named instanceof ObjectStoreError && named.code === 'invalid');
    const unnamed = await store.put(meta({ name: null }), randomBytes(64)).catch((e: unknown) => e);
    assert.ok(unnamed instanceof ObjectStoreError && unnamed.code === 'invalid');
  });

  it('E3: after deletion the name is gone with the key; the certificate has the ID and ciphertext hash, no name', async () => {
    const m = meta({ meetingId: 'NAMESDEL' });
    assert.ok(m.name);
    const obj = await store.put(m, randomBytes(300));
    const onDisk = fs.readFileSync(path.join(dataDir, obj.path));
    const sealed = (await db.selectFrom('objects').select('sealed_name').where('id', '=', obj.id).executeTakeFirstOrThrow()).sealed_name;
    assert.ok(sealed);
    assert.notDeepEqual(filesContaining(dataDir, Buffer.from(sealed)), [], 'the scan must find the sealed name before deletion');
    const cert = await store.delete(obj.id, { by: 'u_host', reason: 'test' });
    assert.deepEqual(filesContaining(dataDir, Buffer.from(sealed)), [], 'the sealed name outlived the object');
    assert.deepEqual(filesContaining(dataDir, Buffer.from(sealed, 'base64')), [], 'the sealed name bytes outlived the object');
    assert.deepEqual(filesContaining(dataDir, Buffer.from(m.name)), [], 'the name is in the data folder in clear');
    assert.equal(cert.version, 2);
    assert.equal('name' in cert, false);
    assert.equal(JSON.stringify(cert).includes(m.name), false);
    assert.equal(cert.objectId, obj.id);
    assert.equal(cert.ciphertextSha256, createHash('sha256').update(onDisk).digest('hex'));
    assert.equal(verifyCertificate(cert, signer.publicKeyPem).valid, true);
  });

  it('E3: a version 1 certificate, whose signature covers a name, still verifies; edited, it does not', () => {
    const key = createPrivateKey(fs.readFileSync(certificateKeyPath(dataDir)));
    const unsigned = {
      type: 'kaigi-deletion-certificate',
      version: 1,
      objectId: 'obj_old',
      meetingId: 'OLD',
      kind: 'file',
      name: 'old-report.pdf',
      size: 10,
      ciphertextSha256: '0'.repeat(64),
      protection: 'server',
      deletedAt: '2026-01-01T00:00:00.000Z',
      deletedBy: 'retention',
      reason: 'retention period ended',
      node: 'node-a',
      region: 'jp-east',
      keyDestroyed: true,
      bytesDestroyed: true,
      publicKey: signer.publicKeyPem,
    };
    const v1 = { ...unsigned, signature: ecdsaSign('sha256', Buffer.from(canonicalJson(unsigned)), key).toString('base64') };
    assert.equal(verifyCertificate(v1, signer.publicKeyPem).valid, true);
    assert.equal(verifyCertificate({ ...v1, name: 'other.pdf' }, signer.publicKeyPem).valid, false);
    const { name: _dropped, ...nameless } = v1;
    assert.equal(verifyCertificate(nameless, signer.publicKeyPem).valid, false, 'a version 1 certificate without its name');
    assert.equal(verifyCertificate({ ...v1, version: 2 }, signer.publicKeyPem).valid, false, 'a version 2 certificate with a name');
  });
});

describe('names stored in clear before migration 0016 (D2, E3)', () => {
  it('moves them aside in the migration and seals them (server) or drops them (e2ee) at start', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-legacy-names-'));
    try {
      // As a server before 0016 left it: WAL mode, secure_delete on (see openDatabase).
      const sqlite = new SQLite(path.join(dataDir, 'kaigi.sqlite'));
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('secure_delete = ON');
      const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
      const migrated = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0014_oidc_next_path');
      assert.equal(migrated.error, undefined);
      const kek = serverKey(dataDir, 'objects');
      const serverName = uniqueName('legacy-server');
      const e2eeName = uniqueName('legacy-e2ee');
      const wrapped = wrapObjectKey(kek, 'obj_legacy_s', randomBytes(32));
      const insert = (id: string, name: string, protection: string, wrappedKey: string | null) =>
        sql`INSERT INTO objects (id, meeting_id, kind, name, size, ciphertext_sha256, protection, wrapped_key, path, node, region, created_by, created_at, purge_at)
            VALUES (${id}, 'LEGACY', 'file', ${name}, 1, ${'0'.repeat(64)}, ${protection}, ${wrappedKey}, ${`objects/LEGACY/${id}`}, 'n', 'r', 'p_x', '2026-01-01T00:00:00.000Z', NULL)`.execute(old);
      await insert('obj_legacy_s', serverName, 'server', wrapped);
      await insert('obj_legacy_e', e2eeName, 'e2ee', null);
      await old.destroy();

      const db = await openDatabase(dataDir);
      try {
        const store = new ObjectStore(db, dataDir, { kek, signer: CertificateSigner.open(dataDir), node: 'n', region: 'r' });
        assert.notDeepEqual(filesContaining(dataDir, Buffer.from(serverName)), [], 'the scan finds the legacy name before sealing');
        assert.equal((await store.get('obj_legacy_s'))?.name, null, 'before sealing, a legacy name is not served');
        assert.equal(await store.sealLegacyNames(), 2);
        assert.equal((await store.get('obj_legacy_s'))?.name, serverName);
        assert.equal((await store.get('obj_legacy_e'))?.name, null);
        assert.equal(await store.sealLegacyNames(), 0);
        for (const n of [serverName, e2eeName]) assert.deepEqual(filesContaining(dataDir, Buffer.from(n)), [], `${n} left in clear`);
      } finally {
        await db.destroy();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
