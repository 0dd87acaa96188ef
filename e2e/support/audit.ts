import path from 'node:path';
import Database from 'better-sqlite3';

/** A meeting's audit entries, oldest first, read from a server's database (WAL allows it while it runs). */
export function auditRows(dataDir: string, meetingId: string): { kind: string; data: Record<string, any> }[] {
  const db = new Database(path.join(dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select kind, data from audit_log where meeting_id = ? order by seq').all(meetingId) as { kind: string; data: string }[];
    return rows.map((r) => ({ kind: r.kind, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}
