import type { OrganisationPolicy } from '@kaigi/protocol';
import { loadEscrowKey, type EscrowKey } from './recording/EscrowKey.js';
import { loadOrganisationPolicy } from './policy/OrganisationPolicyFile.js';
import type { Config } from './config.js';
import { AuditLog } from './audit/AuditLog.js';
import { configuredCheckpointer } from './audit/Checkpointer.js';
import { Admission } from './rooms/Admission.js';
import { RoomRegistry } from './rooms/RoomRegistry.js';
import { Sealer } from './security/Sealer.js';
import { serverKey } from './security/serverKey.js';
import { openDatabase, type Database } from './storage/Database.js';
import { MeetingStore } from './storage/MeetingStore.js';
import { UserStore } from './storage/UserStore.js';
import { RegistrationStore } from './storage/RegistrationStore.js';
import { ObjectStore } from './storage/ObjectStore.js';
import { CertificateSigner } from './security/CertificateSigner.js';
import { Purger } from './retention/Purger.js';
import { ServerRecorder } from './recording/ServerRecorder.js';
import { ChatTranscripts } from './retention/ChatTranscripts.js';
import { MediaNet } from './sfu/net/MediaNet.js';
import { MediaWorkers } from './sfu/worker/MediaWorkers.js';
import { spawnMediaWorker } from './sfu/worker/spawn.js';

/** Errors of background work (purge), before and beside Fastify's logger; never secrets. */
const log = {
  error(o: { err?: unknown; [k: string]: unknown }, msg: string): void {
    process.stderr.write(`${JSON.stringify({ level: 'error', msg, ...o, err: o.err instanceof Error ? o.err.message : String(o.err) })}\n`);
  },
};

/** Everything the HTTP routes, the signalling and the CLI share; built once per process. */
export interface Services {
  config: Config;
  db: Database;
  users: UserStore;
  meetings: MeetingStore;
  audit: AuditLog;
  /** The live rooms (one per meeting someone is in): the runtime the API and the signalling act on. */
  rooms: RoomRegistry;
  /** The node's one UDP media port (KAIGI_MEDIA_PORT): every Transport's ICE, DTLS and SRTP (A1). */
  mediaNet: MediaNet;
  /** The media worker threads meetings are placed on (KAIGI_MEDIA_WORKERS); null: Routers in this thread. */
  mediaWorkers: MediaWorkers | null;
  /** Joins and resumes: passwords, rate limits, entry rules, waiting room (B1–B6). */
  admission: Admission;
  sealer: Sealer;
  /** Meeting data at rest: files and recordings, each under its own key (E1, E3). */
  objects: ObjectStore;
  /** Retention: purges what falls due, with certificates (E4). */
  purger: Purger;
  /** The organisation's policy (F2): levels, password length, retention, regions. */
  policy: OrganisationPolicy;
  /** Chat written down in meetings whose host keeps it (E4). */
  chat: ChatTranscripts;
  /** Pre-registrations (B3): the entry gate, the registration routes and the data map share it. */
  registrations: RegistrationStore;
  /** The organisation's key every browser recording must also be encrypted to, if configured. */
  escrow: EscrowKey | null;
  close(): Promise<void>;
}

export async function openServices(config: Config): Promise<Services> {
  // A misconfigured escrow key stops the start, before anything is opened.
  const escrow = config.recordingEscrowKeyPath ? loadEscrowKey(config.recordingEscrowKeyPath) : null;
  const policy = loadOrganisationPolicy({ file: config.policyFile, region: config.region, retentionMaxDays: config.retentionMaxDays });
  // The media port first: a port that cannot be bound stops the start before storage opens.
  const mediaNet = await MediaNet.open({ ip: config.mediaIp, port: config.mediaPort });
  const stored = await openStorage(config).catch((err: unknown) => {
    mediaNet.close();
    throw err;
  });
  const { db, meetings, audit, objects, registrations } = stored;
  const chat = new ChatTranscripts(objects, audit, log);
  const mediaWorkers = openMediaWorkers(config, mediaNet);
  const { rooms, admission } = openRuntime(config, policy, stored, mediaNet, mediaWorkers);
  const purger = new Purger(objects, meetings, audit, log, (id) => rooms.isLive(id));
  await purger.start();
  // The last participant left and the room's last recording part is stored: chat is written
  // down, then the meeting's data starts its retention (E4). Deletion and shutdown start none.
  rooms.observer.on('roomClosed', (id, reason) => {
    if (reason !== 'empty') return;
    chat
      .flush(id)
      .then(() => purger.meetingEnded(id))
      .catch((err: unknown) => log.error({ err, meetingId: id }, 'retention failed'));
  });
  let closed = false;
  return {
    config,
    ...stored,
    users: new UserStore(db),
    rooms,
    mediaNet,
    mediaWorkers,
    admission,
    registrations,
    purger,
    escrow,
    chat,
    policy,
    async close() {
      if (closed) return;
      closed = true;
      purger.stop();
      admission.close();
      // Every room closes; the last part of each server recording is stored before the database closes.
      await rooms.close();
      // After the rooms: their proxies have closed their Routers in the workers.
      await mediaWorkers?.close();
      // After the rooms: their Transports have left the port; nothing is left to cascade to.
      mediaNet.close();
      await chat.flushAll();
      await audit.close();
      await db.destroy();
    },
  };
}

type Storage = Pick<Services, 'db' | 'meetings' | 'sealer' | 'registrations' | 'audit' | 'objects'>;

/** The database, the audit log and the object store, each checked before anything serves (H2, E3). */
async function openStorage(config: Config): Promise<Storage> {
  const db = await openDatabase(config.dataDir);
  const meetings = new MeetingStore(db);
  const sealer = Sealer.open(config.dataDir);
  const registrations = new RegistrationStore(db, sealer);
  // One ECDSA key signs deletion certificates and audit checkpoints (E3, H2).
  const signer = CertificateSigner.open(config.dataDir);
  const auditProblem = (msg: string) => log.error({ err: msg }, 'audit checkpoint');
  const checkpointer = configuredCheckpointer(config.auditCheckpoints, signer, auditProblem);
  const audit = new AuditLog(db, serverKey(config.dataDir, 'audit'), checkpointer, (err) => log.error({ err }, 'audit write failed'));
  // Anchors the head at start (H2); a checkpoint file that cannot be written stops the start.
  await audit.checkpoint('start');
  const objects = new ObjectStore(db, config.dataDir, {
    kek: serverKey(config.dataDir, 'objects'),
    signer,
    node: config.node,
    region: config.region,
  });
  // Names stored in clear before migration 0016 are sealed before anything serves them (D2, E3).
  await objects.sealLegacyNames();
  return { db, meetings, sealer, registrations, audit, objects };
}

/** The live runtime: the rooms of this process and the door into them. */
/**
 * The media workers (issue 15 item 3), started with the media port known. A worker that dies is
 * replaced and its meetings rebuilt on another (MediaWorkers); it is logged, never fatal.
 */
function openMediaWorkers(config: Config, mediaNet: MediaNet): MediaWorkers | null {
  if (config.mediaWorkers === 0) return null;
  return new MediaWorkers(config.mediaWorkers, () => spawnMediaWorker(config.mediaIp, mediaNet.port), mediaNet, {
    died: (index, moved, err) => log.error({ err, worker: index, meetings: moved.length }, 'a media worker died; its meetings were moved'),
    malformed: (index) => log.error({ worker: index }, 'a malformed message from a media worker was dropped'),
  });
}

function openRuntime(
  config: Config,
  policy: OrganisationPolicy,
  s: Storage,
  mediaNet: MediaNet,
  mediaWorkers: MediaWorkers | null,
): Pick<Services, 'rooms' | 'admission'> {
  const shredded = ServerRecorder.shredLeftovers(config.dataDir);
  if (shredded) log.error({ shredded }, 'destroyed the plaintext of recordings interrupted by a crash');
  const rooms = new RoomRegistry(s.meetings, {
    organisation: policy,
    waiting: { maxGuests: config.waitingRoomMax, perSource: config.waitingPerAddress },
    e2eeUpdateIntervalMs: config.e2eeUpdateSeconds * 1000,
    resumeGraceMs: config.resumeGraceSeconds * 1000,
    media: { ip: config.mediaIp, net: mediaNet },
    mediaWorkers,
    objects: s.objects,
    dataDir: config.dataDir,
    audit: s.audit,
    log,
  });
  const admission = new Admission(rooms, s.meetings, s.audit, s.registrations, {
    failuresPerAddress: config.joinFailuresPerAddress,
    refusalWindowMs: config.refusalAuditWindowSeconds * 1000,
    organisation: policy,
    region: config.region,
    waitingMax: config.waitingRoomMax,
  });
  return { rooms, admission };
}
