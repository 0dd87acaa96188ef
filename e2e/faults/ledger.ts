// What the clients were told succeeded (E3, H2, B6): every operation whose success answer arrived
// is written here, and only those. After each SIGKILL and restart the checks hold the server to it.
import type { DeletionCertificate } from '@kaigi/server/security/CertificateSigner';

export interface MeetingFact {
  id: string;
  title: string;
  password: string;
  /** Files are kept an hour after the end, or purged at once (retention 0). */
  keepsFiles: boolean;
  /** The lock was acknowledged; 'maybe' while a lock request was cut by the kill. */
  locked: boolean | 'maybe';
  deleted: boolean | 'maybe';
  /** The lifecycle that created it (for sampling the slower checks). */
  lifecycle: number;
}

export interface FileFact {
  id: string;
  meetingId: string;
  sha256: string;
  /** The wrapped object key as the database held it after the upload (base64 text). */
  wrappedKey: string;
  path: string;
  /** 'deleting': a delete or purge was in flight when the server died, without an answer. */
  state: 'live' | 'deleting' | 'deleted';
  certificate?: DeletionCertificate;
}

export interface BanFact {
  meetingId: string;
  /** The removed guest's browser: its cookies (device key). */
  cookie: string;
}

export class Ledger {
  readonly meetings = new Map<string, MeetingFact>();
  readonly files = new Map<string, FileFact>();
  readonly bans: BanFact[] = [];

  meeting(id: string): MeetingFact {
    const m = this.meetings.get(id);
    if (!m) throw new Error(`no acknowledged meeting ${id}`);
    return m;
  }

  file(id: string): FileFact {
    const f = this.files.get(id);
    if (!f) throw new Error(`no acknowledged file ${id}`);
    return f;
  }

  counts(): Record<string, number> {
    const ms = [...this.meetings.values()];
    const fs = [...this.files.values()];
    return {
      meetings: ms.filter((m) => m.deleted === false).length,
      meetingsDeleted: ms.filter((m) => m.deleted === true).length,
      locked: ms.filter((m) => m.locked === true).length,
      bans: this.bans.length,
      filesLive: fs.filter((f) => f.state === 'live').length,
      filesDeleted: fs.filter((f) => f.state === 'deleted').length,
    };
  }
}
