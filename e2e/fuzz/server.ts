import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@kaigi/server/config';
import { openServices, type Services } from '@kaigi/server/services';
import { buildApp } from '@kaigi/server/http/app';
import { loadOrCreateCertificate } from '@kaigi/server/http/certificate';

// The server under fuzzing, built in this process as packages/server/src/main.ts builds it, so
// that a crash or an unhandled rejection in it ends the run, and its memory is ours to sample.

export interface FuzzMeeting {
  id: string;
  password: string;
}

export interface InProcessServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  port: number;
  dataDir: string;
  /** The host's bearer API token (no CSRF token needed). */
  token: string;
  /** A signed-in session cookie of the host, for requests that forget their CSRF token. */
  cookie: string;
  /** Meetings the WebSocket lanes join: their passwords never change during a run. */
  wsMeetings: FuzzMeeting[];
  /** Meetings the HTTP fuzz may patch, lock, export and register for. */
  httpMeetings: FuzzMeeting[];
  close(): Promise<void>;
}

export const HOST_USER = 'fuzzhost';
const HOST_PASSWORD = 'fuzz host password 1';

/**
 * The shipped limits: guesses are limited per address (there is no per-meeting limit, B1), the
 * per-connection message bucket and the connection cap apply, and the lanes come from many
 * loopback addresses.
 */
const FUZZ_ENV = {
  KAIGI_HOST: '127.0.0.1',
  KAIGI_PORT: '0',
  KAIGI_LOG_LEVEL: 'fatal',
  // Short grace, so that the waiting rooms do not fill with the ghosts of closed lanes.
  KAIGI_RESUME_GRACE_SECONDS: '2',
  KAIGI_RETENTION_MAX_DAYS: '30',
};

async function createMeeting(app: FastifyInstance, token: string, body: Record<string, unknown>): Promise<FuzzMeeting> {
  const r = await app.inject({ method: 'POST', url: '/api/meetings', headers: { authorization: `Bearer ${token}` }, payload: body });
  if (r.statusCode !== 201) throw new Error(`fuzz setup: creating a meeting failed: ${r.statusCode} ${r.body}`);
  const m = r.json<{ id: string; password: string }>();
  return { id: m.id, password: m.password };
}

/**
 * The data folder: in memory where the machine has /dev/shm. Every audited rejection is a
 * synchronous SQLite commit (synchronous = FULL, for the audit log's durability), and on a busy
 * disk the fsyncs, not the handlers, would bound the run (KAIGI_FUZZ_DATA_DIR overrides).
 */
function dataFolder(): string {
  const base = process.env.KAIGI_FUZZ_DATA_DIR ?? (fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  return fs.mkdtempSync(path.join(base, 'kaigi-fuzz-'));
}

export async function startInProcessServer(): Promise<InProcessServer> {
  const dataDir = dataFolder();
  const config = loadConfig({ ...FUZZ_ENV, KAIGI_DATA_DIR: dataDir });
  const services = await openServices(config);
  const cert = await loadOrCreateCertificate({ dataDir, certPath: null, keyPath: null, hostNames: ['127.0.0.1'] });
  const app = await buildApp(services, cert);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  await services.users.add(HOST_USER, HOST_PASSWORD, true);
  const { token } = await services.users.createToken(HOST_USER, 'fuzz');
  const signIn = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { username: HOST_USER, password: HOST_PASSWORD } });
  const cookie = (signIn.cookies as { name: string; value: string }[]).map((c) => `${c.name}=${c.value}`).join('; ');

  // Every level, joins before the host allowed in some, E2EE in the High one (F1, D3).
  const shapes: Record<string, unknown>[] = [
    { title: 'fuzz low', level: 'low', joinBeforeHost: true, muteOnEntry: false },
    { title: 'fuzz low 2', level: 'low' },
    { title: 'fuzz medium', level: 'medium', joinBeforeHost: true },
    { title: 'fuzz medium e2ee', level: 'medium', e2ee: true, joinBeforeHost: true },
    { title: 'fuzz high', level: 'high' },
  ];
  const wsMeetings: FuzzMeeting[] = [];
  for (const s of shapes) wsMeetings.push(await createMeeting(app, token, s));
  const httpMeetings: FuzzMeeting[] = [];
  for (const s of shapes.slice(0, 3)) httpMeetings.push(await createMeeting(app, token, { ...s, title: `${String(s.title)} (http)` }));

  return {
    app,
    services,
    url: `https://127.0.0.1:${port}`,
    port,
    dataDir,
    token,
    cookie,
    wsMeetings,
    httpMeetings,
    async close() {
      void services.rooms.close();
      await app.close();
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
