import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOidcConfig, type OidcConfig } from './sso/oidcConfig.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Origin used in join and host links, e.g. https://meet.example.org */
  publicUrl: string;
  tlsCertPath: string | null;
  tlsKeyPath: string | null;
  clientDir: string;
  region: string;
  /** This server node's name, shown in the data map (E1). */
  node: string;
  logLevel: string;
  /** Join attempts: wrong passwords allowed per address (per account when signed in) before waits grow (B1). */
  joinFailuresPerAddress: number;
  /** Seconds a disconnected participant keeps its place for a resume. */
  resumeGraceSeconds: number;
  /** The address the SFU binds and announces (its only ICE candidate). */
  mediaIp: string;
  /** The node's one UDP media port for every transport (0: any free port, chosen at start). */
  mediaPort: number;
  /**
   * Media worker threads meetings are placed on (KAIGI_MEDIA_WORKERS; issue 15 item 3): one per
   * core by default; 0 keeps every Router in the main thread.
   */
  mediaWorkers: number;
  /** E2EE: seconds between requested MLS key updates, which bound how long a stolen epoch key works. */
  e2eeUpdateSeconds: number;
  /** Organisation limit on how long meeting data may be kept after a meeting ends (E4), in days. */
  retentionMaxDays: number;
  /** The organisation's policy file (F2), JSON; null: the built-in policy. */
  policyFile: string | null;
  /** A P-256 public key (PEM file) every browser recording must also be encrypted to, or null. */
  recordingEscrowKeyPath: string | null;
  /** Single sign-on through an OpenID Connect provider (B5, KAIGI_OIDC_*), or null. */
  oidc: OidcConfig | null;
  /** Guests waiting at once in one meeting's waiting room (B2). */
  waitingRoomMax: number;
  /** People waiting at once in one meeting from one address (or account, or personal link) (B2). */
  waitingPerAddress: number;
  /** Refused attempts of one kind from one address are audited as one row per this many seconds (H2). */
  refusalAuditWindowSeconds: number;
  /** Seconds a WebSocket may stay open without joining a meeting. */
  unjoinedSocketSeconds: number;
  /** Audit checkpoints (H2): where they are appended, how often, and whether a copy goes to syslog. */
  auditCheckpoints: { file: string; entries: number; seconds: number; syslog: boolean };
  /** HTTP timeouts (H4), so that slow or stalled clients cannot hold connections forever. */
  http: HttpTimeouts;
}

/** Milliseconds; KAIGI_HTTP_*_SECONDS in the environment. */
export interface HttpTimeouts {
  /** To receive a request's headers. */
  headersMs: number;
  /** To receive the body of a JSON request (at most 64 KiB). */
  bodyMs: number;
  /** To receive an upload's body (a file of 25 MiB, a recording part of 128 MiB). */
  uploadMs: number;
  /** A connection with nothing sent either way is closed. */
  idleMs: number;
  /** A kept-alive connection waits this long for its next request. */
  keepAliveMs: number;
}

function httpTimeouts(env: NodeJS.ProcessEnv): HttpTimeouts {
  const s = (name: string, fallback: number) => intEnv(env, `KAIGI_HTTP_${name}_SECONDS`, fallback, 1, 86400) * 1000;
  // A 128 MiB recording part takes 30 minutes at 0.6 Mbit/s upstream.
  return { headersMs: s('HEADERS_TIMEOUT', 20), bodyMs: s('BODY_TIMEOUT', 20), uploadMs: s('UPLOAD_TIMEOUT', 1800), idleMs: s('IDLE_TIMEOUT', 120), keepAliveMs: s('KEEP_ALIVE_TIMEOUT', 5) };
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function boolEnv(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new Error(`${name} must be 1 or 0, got ${JSON.stringify(raw)}`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = env.KAIGI_HOST || '127.0.0.1';
  const port = intEnv(env, 'KAIGI_PORT', 8443, 0, 65535);
  const dataDir = path.resolve(env.KAIGI_DATA_DIR || './data');
  const certPath = env.KAIGI_TLS_CERT || null;
  const keyPath = env.KAIGI_TLS_KEY || null;
  if ((certPath === null) !== (keyPath === null)) {
    throw new Error('KAIGI_TLS_CERT and KAIGI_TLS_KEY must be given together');
  }
  const linkHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const publicUrl = (env.KAIGI_PUBLIC_URL || `https://${linkHost}:${port}`).replace(/\/+$/, '');
  if (!/^https:\/\/[^/]+$/.test(publicUrl)) {
    throw new Error('KAIGI_PUBLIC_URL must be an https origin without a path, e.g. https://meet.example.org');
  }
  const mediaIp = env.KAIGI_MEDIA_IP || (/^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== '0.0.0.0' ? host : '127.0.0.1');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(mediaIp) || mediaIp === '0.0.0.0') {
    throw new Error('KAIGI_MEDIA_IP must be one IPv4 address of this machine that browsers can reach');
  }
  // Issue 15: one media port for every transport; an old range setting would silently mean
  // something else, so it stops the start with the name of the setting that replaced it.
  if (env.KAIGI_MEDIA_PORTS !== undefined) {
    throw new Error('KAIGI_MEDIA_PORTS is gone: all media now uses one UDP port, set it with KAIGI_MEDIA_PORT (e.g. 40000)');
  }
  const mediaPort = intEnv(env, 'KAIGI_MEDIA_PORT', 0, 0, 65535);
  const here = path.dirname(fileURLToPath(import.meta.url));
  return {
    host,
    port,
    dataDir,
    publicUrl,
    tlsCertPath: certPath,
    tlsKeyPath: keyPath,
    clientDir: path.resolve(env.KAIGI_CLIENT_DIR || path.join(here, '../../client/dist')),
    region: env.KAIGI_REGION || 'local',
    node: env.KAIGI_NODE || os.hostname() || 'node-1',
    logLevel: env.KAIGI_LOG_LEVEL || 'info',
    joinFailuresPerAddress: intEnv(env, 'KAIGI_JOIN_FAILURES_PER_ADDRESS', 5, 1, 1000),
    resumeGraceSeconds: intEnv(env, 'KAIGI_RESUME_GRACE_SECONDS', 30, 0, 3600),
    mediaIp,
    mediaPort,
    mediaWorkers: intEnv(env, 'KAIGI_MEDIA_WORKERS', os.availableParallelism(), 0, 256),
    e2eeUpdateSeconds: intEnv(env, 'KAIGI_E2EE_UPDATE_SECONDS', 600, 10, 86400),
    retentionMaxDays: intEnv(env, 'KAIGI_RETENTION_MAX_DAYS', 90, 0, 3650),
    policyFile: env.KAIGI_POLICY_FILE ? path.resolve(env.KAIGI_POLICY_FILE) : null,
    recordingEscrowKeyPath: env.KAIGI_RECORDING_ESCROW_KEY ? path.resolve(env.KAIGI_RECORDING_ESCROW_KEY) : null,
    oidc: loadOidcConfig(env),
    http: httpTimeouts(env),
    auditCheckpoints: {
      file: env.KAIGI_AUDIT_CHECKPOINT_FILE ? path.resolve(env.KAIGI_AUDIT_CHECKPOINT_FILE) : path.join(dataDir, 'audit', 'checkpoints.log'),
      entries: intEnv(env, 'KAIGI_AUDIT_CHECKPOINT_ENTRIES', 20, 1, 100000),
      seconds: intEnv(env, 'KAIGI_AUDIT_CHECKPOINT_SECONDS', 30, 1, 3600),
      syslog: boolEnv(env, 'KAIGI_AUDIT_SYSLOG'),
    },
    waitingRoomMax: intEnv(env, 'KAIGI_WAITING_ROOM_MAX', 50, 1, 10000),
    waitingPerAddress: intEnv(env, 'KAIGI_WAITING_PER_ADDRESS', 10, 1, 10000),
    refusalAuditWindowSeconds: intEnv(env, 'KAIGI_REFUSAL_AUDIT_WINDOW_SECONDS', 60, 1, 3600),
    unjoinedSocketSeconds: intEnv(env, 'KAIGI_UNJOINED_SOCKET_SECONDS', 10, 1, 600),
  };
}
