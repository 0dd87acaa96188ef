import path from 'node:path';
import Database from 'better-sqlite3';

export interface AuditRow {
  kind: string;
  actor: string;
  /** ISO time the server wrote the entry. */
  at: string;
  data: Record<string, any>;
}

/** A meeting's audit entries, oldest first, read from a server's database (WAL allows it while it runs). */
export function auditRows(dataDir: string, meetingId: string): AuditRow[] {
  const db = new Database(path.join(dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select kind, actor, at, data from audit_log where meeting_id = ? order by seq').all(meetingId) as (Omit<AuditRow, 'data'> & { data: string })[];
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}
