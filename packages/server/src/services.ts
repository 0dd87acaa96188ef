import type { Config } from './config.js';
import { AuditLog } from './audit/AuditLog.js';
import { MeetingHub } from './signaling/MeetingHub.js';
import { Sealer } from './security/Sealer.js';
import { serverKey } from './security/serverKey.js';
import { openDatabase, type Database } from './storage/Database.js';
import { MeetingStore } from './storage/MeetingStore.js';
import { UserStore } from './storage/UserStore.js';

/** Everything the HTTP routes, the signalling and the CLI share; built once per process. */
export interface Services {
  config: Config;
  db: Database;
  users: UserStore;
  meetings: MeetingStore;
  audit: AuditLog;
  hub: MeetingHub;
  sealer: Sealer;
  close(): Promise<void>;
}

export async function openServices(config: Config): Promise<Services> {
  const db = await openDatabase(config.dataDir);
  const meetings = new MeetingStore(db);
  const audit = new AuditLog(db, serverKey(config.dataDir, 'audit'));
  const hub = new MeetingHub(meetings, audit, {
    failuresPerAddress: config.joinFailuresPerAddress,
    failuresPerMeeting: config.joinFailuresPerMeeting,
    e2eeUpdateIntervalMs: config.e2eeUpdateSeconds * 1000,
    resumeGraceMs: config.resumeGraceSeconds * 1000,
    media: { ip: config.mediaIp, ...(config.mediaPorts && { portRange: config.mediaPorts }) },
  });
  let closed = false;
  return {
    config,
    db,
    users: new UserStore(db),
    meetings,
    audit,
    hub,
    sealer: Sealer.open(config.dataDir),
    async close() {
      if (closed) return;
      closed = true;
      hub.close();
      await audit.flush();
      await db.destroy();
    },
  };
}
