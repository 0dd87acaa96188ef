import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { CertificateSigner, DeletionCertificate, DeletionFacts } from '../security/CertificateSigner.js';
import { newId } from '../security/random.js';
import type { Database } from './Database.js';
import { nowIso } from './Database.js';
import type { ObjectKind, ObjectProtection, ObjectsTable } from './schema.js';
import { fsyncDir, shredFile } from '../security/shred.js';

export type { ObjectKind, ObjectProtection };
export const OBJECT_KINDS: readonly ObjectKind[] = ['file', 'recording', 'chat', 'waiting', 'export'];

export interface StoredObject {
  id: string;
  meetingId: string;
  kind: ObjectKind;
  /**
   * The name, opened from its seal for the API's authorised readers; null for 'e2ee' objects (the
   * server never learns it: D2) and when the seal cannot be opened. Never goes into a certificate.
   */
  name: string | null;
  /** Bytes on disk (for 'server' objects: 12-byte nonce + ciphertext + 16-byte tag). */
  size: number;
  ciphertextSha256: string;
  protection: ObjectProtection;
  /** Relative to the data folder. */
  path: string;
  node: string;
  region: string;
  createdBy: string;
  createdAt: string;
  purgeAt: string | null;
}

/** name: required for 'server' objects (sealed under the object key), null for 'e2ee' ones. */
export type PutMeta = Pick<StoredObject, 'meetingId' | 'kind' | 'name' | 'createdBy' | 'purgeAt' | 'protection'>;

export interface ObjectStoreOptions {
  /** 32 bytes from serverKey(dataDir, 'objects'): kept in data/keys, apart from the database. */
  kek: Buffer;
  signer: CertificateSigner;
  node: string;
  region: string;
}

export type ObjectStoreErrorCode = 'not-found' | 'already-deleted' | 'damaged' | 'invalid' | 'wal-busy';

export class ObjectStoreError extends Error {
  override name = 'ObjectStoreError';
  /** certificate: for 'already-deleted' and 'wal-busy', the stored one. */
  constructor(readonly code: ObjectStoreErrorCode, message: string, readonly certificate?: DeletionCertificate) {
    super(message);
  }
}

/** The purge time a delete sets before destroying the bytes: due at once, whenever read. */
const INTERRUPTED = new Date(0).toISOString();

const NONCE = 12;
const TAG = 16;

/** The plaintext size of an object: what the person who shared it sees. */
export const contentSize = (o: Pick<StoredObject, 'size' | 'protection'>): number =>
  o.protection === 'server' ? Math.max(0, o.size - NONCE - TAG) : o.size;
const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
}

/** Throws when the tag does not match: wrong key, wrong AAD, or altered bytes. */
function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < NONCE + TAG) throw new Error('too short');
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([d.update(sealed.subarray(NONCE, sealed.length - TAG)), d.final()]);
}

/** The object key, AES-256-GCM under the KEK with the object ID as AAD, base64. */
export const wrapObjectKey = (kek: Buffer, objectId: string, key: Buffer): string => seal(kek, key, objectId).toString('base64');
export const unwrapObjectKey = (kek: Buffer, objectId: string, wrapped: string): Buffer =>
  open(kek, Buffer.from(wrapped, 'base64'), objectId);

/** The name's AAD: the object ID and a label, so a sealed name never opens as the object's bytes. */
const nameAad = (objectId: string): string => `${objectId}/name`;
const sealName = (key: Buffer, objectId: string, name: string): string => seal(key, Buffer.from(name, 'utf8'), nameAad(objectId)).toString('base64');

const toObject = (r: ObjectsTable, name: string | null): StoredObject => ({
  id: r.id,
  meetingId: r.meeting_id,
  kind: r.kind,
  name,
  size: r.size,
  ciphertextSha256: r.ciphertext_sha256,
  protection: r.protection,
  path: r.path,
  node: r.node,
  region: r.region,
  createdBy: r.created_by,
  createdAt: r.created_at,
  purgeAt: r.purge_at,
});

/**
 * Meeting data at rest (E1, E3). Each 'server' object is AES-256-GCM under its own random key,
 * which is stored only wrapped under the objects KEK, and its name is sealed under the same key;
 * 'e2ee' objects are stored as the client encrypted them, with no name (D2). Deleting zeroes and
 * unlinks the file, deletes the row (and so the wrapped key and sealed name, with secure_delete
 * on), truncates the WAL that may still hold them, and signs a certificate without the name.
 */
export class ObjectStore {
  private deletes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly dataDir: string,
    private readonly opts: ObjectStoreOptions,
  ) {
    if (opts.kek.length !== 32) throw new Error('the objects KEK must be 32 bytes');
  }

  async put(meta: PutMeta, data: Buffer): Promise<StoredObject> {
    if (!SAFE_SEGMENT.test(meta.meetingId) || !OBJECT_KINDS.includes(meta.kind) || !['server', 'e2ee'].includes(meta.protection)) {
      throw new ObjectStoreError('invalid', 'invalid meeting ID, object kind or protection');
    }
    // The server learns no name of an e2ee object (D2); a server object's name is sealed with it (E3).
    if ((meta.protection === 'e2ee') !== (meta.name === null)) {
      throw new ObjectStoreError('invalid', 'a server-protected object needs a name; an e2ee object must not have one');
    }
    const id = newId('obj');
    let wrapped: string | null = null;
    let sealedName: string | null = null;
    let stored = data;
    if (meta.protection === 'server' && meta.name !== null) {
      const key = randomBytes(32);
      stored = seal(key, data, id);
      sealedName = sealName(key, id, meta.name);
      wrapped = wrapObjectKey(this.opts.kek, id, key);
      key.fill(0);
    }
    const rel = path.posix.join('objects', meta.meetingId, id);
    const file = path.join(this.dataDir, rel);
    this.writeFile(file, stored);
    const row: ObjectsTable = {
      id,
      meeting_id: meta.meetingId,
      kind: meta.kind,
      sealed_name: sealedName,
      legacy_name: null,
      size: stored.length,
      ciphertext_sha256: createHash('sha256').update(stored).digest('hex'),
      protection: meta.protection,
      wrapped_key: wrapped,
      path: rel,
      node: this.opts.node,
      region: this.opts.region,
      created_by: meta.createdBy,
      created_at: nowIso(),
      purge_at: meta.purgeAt,
    };
    try {
      await this.db.insertInto('objects').values(row).execute();
    } catch (err) {
      shredFile(file);
      throw err;
    }
    return toObject(row, meta.name);
  }

  /** The row with its name opened: null when it has none or the seal does not open (damaged). */
  private withName(r: ObjectsTable): StoredObject {
    if (r.sealed_name === null || r.wrapped_key === null) return toObject(r, null);
    let key: Buffer | undefined;
    try {
      key = unwrapObjectKey(this.opts.kek, r.id, r.wrapped_key);
      return toObject(r, open(key, Buffer.from(r.sealed_name, 'base64'), nameAad(r.id)).toString('utf8'));
    } catch {
      return toObject(r, null);
    } finally {
      key?.fill(0);
    }
  }

  /**
   * Seals the names stored in clear before migration 0016 (D2, E3): under the object key for
   * 'server' objects, dropped for 'e2ee' ones (the server should never have had them). Then
   * truncates the WAL, as secure_delete only zeroes the database file. Returns how many rows.
   */
  async sealLegacyNames(): Promise<number> {
    const rows = await this.db.selectFrom('objects').selectAll().where('legacy_name', 'is not', null).execute();
    for (const r of rows) {
      let sealedName: string | null = null;
      if (r.protection === 'server' && r.wrapped_key !== null && r.legacy_name !== null) {
        let key: Buffer | undefined;
        try {
          key = unwrapObjectKey(this.opts.kek, r.id, r.wrapped_key);
          sealedName = sealName(key, r.id, r.legacy_name);
        } catch {
          // A key that does not unwrap leaves an object no one can read: its name goes, not the start.
        } finally {
          key?.fill(0);
        }
      }
      await this.db.updateTable('objects').set({ sealed_name: sealedName, legacy_name: null }).where('id', '=', r.id).execute();
    }
    if (rows.length > 0) await this.truncateWal();
    return rows.length;
  }

  /** Writes to a temporary name, fsyncs and renames, so a crash never leaves half an object. */
  private writeFile(file: string, bytes: Buffer): void {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      try {
        for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (err) {
      shredFile(tmp);
      throw err;
    }
    fsyncDir(dir);
  }

  async get(id: string): Promise<StoredObject | undefined> {
    const r = await this.db.selectFrom('objects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && this.withName(r);
  }

  async list(meetingId: string): Promise<StoredObject[]> {
    const rows = await this.db.selectFrom('objects').selectAll().where('meeting_id', '=', meetingId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => this.withName(r));
  }

  /** Sets when an object is purged (when its meeting ends: end + retention). */
  async setPurgeAt(id: string, purgeAt: string): Promise<void> {
    await this.db.updateTable('objects').set({ purge_at: purgeAt }).where('id', '=', id).execute();
  }

  /** Meetings holding objects without a purge time: running, or running when the process died. */
  async meetingsWithoutPurgeTime(): Promise<string[]> {
    const rows = await this.db.selectFrom('objects').select('meeting_id').distinct().where('purge_at', 'is', null).execute();
    return rows.map((r) => r.meeting_id);
  }

  /** Objects whose purge time has come (purge_at <= now). */
  async due(now: string): Promise<StoredObject[]> {
    const rows = await this.db.selectFrom('objects').selectAll().where('purge_at', '<=', now).orderBy('purge_at').execute();
    return rows.map((r) => this.withName(r));
  }

  /** The plaintext of a 'server' object, or the bytes of an 'e2ee' one as the client sent them. */
  async read(id: string): Promise<{ object: StoredObject; data: Buffer }> {
    const row = await this.db.selectFrom('objects').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ObjectStoreError('not-found', `no object ${id}`);
    const object = this.withName(row);
    const damaged = () => new ObjectStoreError('damaged', `object ${id} is damaged, missing or was altered on disk`);
    let stored: Buffer;
    try {
      stored = fs.readFileSync(path.join(this.dataDir, row.path));
    } catch {
      throw damaged();
    }
    if (createHash('sha256').update(stored).digest('hex') !== row.ciphertext_sha256) throw damaged();
    if (row.protection === 'e2ee') return { object, data: stored };
    if (row.wrapped_key === null) throw damaged();
    let key: Buffer | undefined;
    try {
      key = unwrapObjectKey(this.opts.kek, id, row.wrapped_key);
      return { object, data: open(key, stored, id) };
    } catch {
      throw damaged();
    } finally {
      key?.fill(0);
    }
  }

  /**
   * Destroys an object beyond recovery and returns its signed certificate. Deletes run one at a
   * time. Unknown IDs throw 'not-found'; an object deleted before throws 'already-deleted' with
   * its certificate attached (also available from certificate(id)).
   */
  delete(id: string, who: { by: string; reason: string }): Promise<DeletionCertificate> {
    const run = this.deletes.then(() => this.destroy(id, who));
    this.deletes = run.catch(() => undefined);
    return run;
  }

  private async destroy(id: string, who: { by: string; reason: string }): Promise<DeletionCertificate> {
    const row = await this.db.selectFrom('objects').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) {
      const earlier = await this.certificate(id);
      if (earlier) throw new ObjectStoreError('already-deleted', `object ${id} was already deleted at ${earlier.deletedAt}`, earlier);
      throw new ObjectStoreError('not-found', `no object ${id}`);
    }
    // Due before the bytes go: a crash between the shredding and the row's deletion leaves a row
    // the purge at the next start finishes (key destroyed, certificate, audit), not an object
    // still listed, unreadable, with its key kept until someone deletes it again (E3).
    if (row.purge_at === null || row.purge_at > INTERRUPTED) {
      await this.db.updateTable('objects').set({ purge_at: INTERRUPTED }).where('id', '=', id).execute();
    }
    // Bytes next: a crash after this leaves the row, and deleting again finishes the job.
    shredFile(path.join(this.dataDir, row.path));
    try {
      fs.rmdirSync(path.dirname(path.join(this.dataDir, row.path)));
    } catch {
      // other objects of the meeting are still there
    }
    const certificate = this.opts.signer.sign({
      objectId: row.id,
      meetingId: row.meeting_id,
      kind: row.kind,
      size: row.size,
      ciphertextSha256: row.ciphertext_sha256,
      protection: row.protection,
      deletedAt: nowIso(),
      deletedBy: who.by,
      reason: who.reason,
      node: this.opts.node,
      region: this.opts.region,
      keyDestroyed: row.wrapped_key !== null,
      bytesDestroyed: true,
    });
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('objects').where('id', '=', id).execute();
      await trx
        .insertInto('deletion_certificates')
        .values({ object_id: id, meeting_id: row.meeting_id, created_at: certificate.deletedAt, certificate: JSON.stringify(certificate) })
        .execute();
    });
    // secure_delete zeroes the row in the database file, but older WAL frames can still hold the
    // wrapped key until a checkpoint copies them back and the WAL is truncated.
    if (!(await this.truncateWal())) {
      const why = 'another reader kept the database log (which may still hold its wrapped key) from being truncated';
      throw new ObjectStoreError('wal-busy', `object ${id} is deleted and its certificate stored, but ${why}`, certificate);
    }
    return certificate;
  }

  /**
   * Signs and stores the certificate for records destroyed in the database itself (not an
   * object's file): the personal data of waiting-room records in the audit log (E4). Runs in
   * `trx` when given, so the certificate is stored together with the redaction it proves. The
   * caller picks a unique objectId; one already certified throws 'already-deleted'.
   */
  async certifyRecords(facts: Omit<DeletionFacts, 'node' | 'region' | 'deletedAt'>, trx: Database = this.db): Promise<DeletionCertificate> {
    const earlier = await trx.selectFrom('deletion_certificates').select('certificate').where('object_id', '=', facts.objectId).executeTakeFirst();
    if (earlier) {
      throw new ObjectStoreError('already-deleted', `${facts.objectId} is already certified`, JSON.parse(earlier.certificate) as DeletionCertificate);
    }
    const certificate = this.opts.signer.sign({ ...facts, deletedAt: nowIso(), node: this.opts.node, region: this.opts.region });
    await trx
      .insertInto('deletion_certificates')
      .values({ object_id: facts.objectId, meeting_id: facts.meetingId, created_at: certificate.deletedAt, certificate: JSON.stringify(certificate) })
      .execute();
    return certificate;
  }

  /** Whether a certificate with this object ID exists (inside trx when given). */
  async certified(objectId: string, trx: Database = this.db): Promise<boolean> {
    return (await trx.selectFrom('deletion_certificates').select('object_id').where('object_id', '=', objectId).executeTakeFirst()) !== undefined;
  }

  /**
   * PRAGMA wal_checkpoint(TRUNCATE); false when a reader kept it from completing. After a
   * delete or redaction, so that older WAL frames holding the removed data do not linger.
   */
  async truncateWal(): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(this.db);
      if (rows[0]?.busy === 0) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  async certificate(objectId: string): Promise<DeletionCertificate | undefined> {
    const r = await this.db.selectFrom('deletion_certificates').select('certificate').where('object_id', '=', objectId).executeTakeFirst();
    return r && (JSON.parse(r.certificate) as DeletionCertificate);
  }

  async certificates(meetingId: string): Promise<DeletionCertificate[]> {
    const rows = await this.db.selectFrom('deletion_certificates').select('certificate').where('meeting_id', '=', meetingId).orderBy('created_at').execute();
    return rows.map((r) => JSON.parse(r.certificate) as DeletionCertificate);
  }
}
