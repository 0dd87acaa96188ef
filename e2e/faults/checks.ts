// After each SIGKILL and restart (E3, H2, B6): nothing acknowledged is lost, nothing deleted is
// back, bans and locks hold, the audit chain verifies. Returns what is wrong, one line each.
// A fact left uncertain by the kill ('maybe', 'deleting') may have gone either way, but whole:
// the first check that sees it settles it, and later checks hold the server to what it showed.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readCertificatePublicKey, verifyCertificate } from '@kaigi/server/security/CertificateSigner';
import type { HttpClient } from '../support/http.js';
import type { RunningServer } from '../support/server.js';
import { download, tryJoin } from './clients.js';
import type { FileFact, Ledger, MeetingFact } from './ledger.js';

interface DbView {
  objects: Map<string, { wrapped_key: string | null; meeting_id: string }>;
  certificates: Map<string, string>;
}

function readDb(dataDir: string): DbView {
  const db = new Database(path.join(dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const objects = db.prepare('select id, meeting_id, wrapped_key from objects').all() as { id: string; meeting_id: string; wrapped_key: string | null }[];
    const certs = db.prepare('select object_id, certificate from deletion_certificates').all() as { object_id: string; certificate: string }[];
    return { objects: new Map(objects.map((o) => [o.id, o])), certificates: new Map(certs.map((c) => [c.object_id, c.certificate])) };
  } finally {
    db.close();
  }
}

/** The wrapped keys of acknowledged uploads, read once their rows exist (for the byte scans). */
export function fillWrappedKeys(ledger: Ledger, dataDir: string): void {
  const missing = [...ledger.files.values()].filter((f) => f.wrappedKey === '');
  if (!missing.length) return;
  const { objects } = readDb(dataDir);
  for (const f of missing) f.wrappedKey = objects.get(f.id)?.wrapped_key ?? '';
}

/** Every file under the data folder (database, its WAL, keys, objects) as bytes. */
function scan(dir: string): Buffer[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)));
}

export interface CheckScope {
  /** Meetings whose bans and locks are tried by joining (slow: a password hash each); all: every one. */
  joins: Set<string> | 'all';
}

export async function checkAll(server: RunningServer, host: HttpClient, ledger: Ledger, scope: CheckScope): Promise<string[]> {
  const bad: string[] = [];
  const db = readDb(server.dataDir);
  const bytes = scan(server.dataDir);
  const publicKey = readCertificatePublicKey(server.dataDir) ?? undefined;
  for (const m of ledger.meetings.values()) await checkMeeting(server, host, m, bad);
  for (const f of ledger.files.values()) await checkFile(server, host, ledger, f, db, bytes, publicKey, bad);
  const tried = (id: string) => scope.joins === 'all' || scope.joins.has(id);
  for (const b of ledger.bans) {
    if (ledger.meeting(b.meetingId).deleted !== false || !tried(b.meetingId)) continue;
    const m = ledger.meeting(b.meetingId);
    const r = await tryJoin(server, m.id, m.password, b.cookie);
    if (r?.code !== 'BANNED') bad.push(`ban lost: a removed guest's browser joining ${m.id} got ${JSON.stringify(r)}`);
  }
  for (const m of ledger.meetings.values()) {
    if (m.deleted !== false || m.locked !== true || !tried(m.id)) continue;
    const r = await tryJoin(server, m.id, m.password);
    if (r?.code !== 'LOCKED') bad.push(`lock lost: a newcomer joining locked meeting ${m.id} got ${JSON.stringify(r)}`);
  }
  const audit = await server.cli(['audit', 'verify']);
  if (audit.code !== 0) bad.push(`audit verify failed: ${audit.stdout.trim()} ${audit.stderr.trim()}`);
  return bad;
}

async function checkMeeting(server: RunningServer, host: HttpClient, m: MeetingFact, bad: string[]): Promise<void> {
  const r = await host.request('GET', `/api/meetings/${m.id}`);
  if (m.deleted === 'maybe') m.deleted = r.status === 404;
  if (m.deleted) {
    if (r.status !== 404) bad.push(`deleted meeting ${m.id} is back: ${r.status}`);
    const dir = path.join(server.dataDir, 'objects', m.id);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length) bad.push(`deleted meeting ${m.id} still has files in ${dir}: ${fs.readdirSync(dir).join(', ')}`);
    return;
  }
  if (r.status !== 200) return void bad.push(`meeting ${m.id} lost: ${r.status} ${JSON.stringify(r.json)}`);
  if (r.json.title !== m.title || r.json.password !== m.password) bad.push(`meeting ${m.id} changed: ${JSON.stringify(r.json)}`);
  if (m.locked === 'maybe') m.locked = r.json.locked === true;
  if (r.json.locked !== m.locked) bad.push(`meeting ${m.id}: locked ${r.json.locked}, acknowledged ${m.locked}`);
}

async function checkFile(
  server: RunningServer,
  host: HttpClient,
  ledger: Ledger,
  f: FileFact,
  db: DbView,
  bytes: Buffer[],
  publicKey: string | undefined,
  bad: string[],
): Promise<void> {
  const m = ledger.meeting(f.meetingId);
  const row = db.objects.get(f.id);
  const cert = db.certificates.get(f.id);
  // A meeting that keeps no files, cut by the kill, counts as ended at the restart: its files
  // are purged then, with certificates (E4). A deleted meeting's files go with it.
  if (f.state === 'live' && !row && cert && (!m.keepsFiles || m.deleted === true)) f.state = 'deleting';
  if (f.state === 'deleting') {
    if (row) {
      // Not deleted after all: then it must still be whole.
      const got = await download(server, host, f.meetingId, f.id);
      if (got.status !== 200 || got.sha256 !== f.sha256) bad.push(`file ${f.id}: delete cut by the kill left it half done (row and key kept, download ${got.status})`);
      return;
    }
    f.state = 'deleted';
  }
  if (f.state === 'live') {
    if (!row) return void bad.push(`acknowledged file ${f.id} lost (no row${cert ? ', but a deletion certificate' : ''})`);
    const got = await download(server, host, f.meetingId, f.id);
    if (got.status !== 200 || got.sha256 !== f.sha256) bad.push(`acknowledged file ${f.id} unreadable: ${got.status}${got.status === 200 ? ' (other bytes)' : ''}`);
    return;
  }
  // Deleted: no row (so no key), no file, the wrapped key nowhere on disk, its certificate kept.
  if (row) bad.push(`deleted file ${f.id} is back in the database${row.wrapped_key ? ' with its key' : ''}`);
  if (fs.existsSync(path.join(server.dataDir, f.path))) bad.push(`deleted file ${f.id}: its bytes are back at ${f.path}`);
  if (f.wrappedKey && bytes.some((b) => b.includes(f.wrappedKey))) bad.push(`deleted file ${f.id}: its wrapped key is still on disk`);
  if (!cert) return void bad.push(`deleted file ${f.id}: certificate lost`);
  const stored = JSON.parse(cert) as unknown;
  if (f.certificate && JSON.stringify(stored) !== JSON.stringify(f.certificate)) bad.push(`deleted file ${f.id}: certificate differs from the one acknowledged`);
  f.certificate ??= stored as FileFact['certificate'];
  const v = verifyCertificate(stored, publicKey);
  if (!v.valid) bad.push(`deleted file ${f.id}: certificate does not verify: ${v.reason}`);
}

/**
 * Files under objects/ that no row describes: bytes written by an upload the kill cut before its
 * row was stored (their key was never stored either, so they cannot be read), or temporary files.
 * Not listed in any data map and never purged (E1, E4): reported, not counted as a violation.
 */
export function orphanFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'objects');
  if (!fs.existsSync(root)) return [];
  const { objects } = readDb(dataDir);
  return fs
    .readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !objects.has(e.name))
    .map((e) => path.relative(dataDir, path.join(e.parentPath, e.name)));
}
