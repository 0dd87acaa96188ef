// Real Services and the real Fastify app, in the test process, on a fresh data folder: the
// middle of the house tested without spawning a server (design review §3 problem 9). Nothing
// here listens on a port: HTTP goes through app.inject(); the SFU binds 127.0.0.1 only, so the
// tests run the same inside a network namespace with only loopback up (CI's `unshare -n`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CSRF_HEADER } from '@kaigi/protocol';
import { loadConfig, type Config } from '../../src/config.js';
import { openServices, type Services } from '../../src/services.js';
import { buildApp } from '../../src/http/app.js';
import { loadOrCreateCertificate } from '../../src/http/certificate.js';

export const TEST_PASSWORD = 'correct horse battery staple';
/** The origin every test server announces (KAIGI_PUBLIC_URL). */
export const TEST_ORIGIN = 'https://kaigi.test';

export interface TestServices {
  services: Services;
  dir: string;
  /** Closes the services and removes the data folder; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A test configuration through the real loader, so every default is the production one.
 * `env` adds or replaces KAIGI_* variables (KAIGI_POLICY_FILE, KAIGI_RESUME_GRACE_SECONDS …).
 */
export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    KAIGI_DATA_DIR: dataDir,
    KAIGI_HOST: '127.0.0.1',
    KAIGI_PORT: '0',
    KAIGI_PUBLIC_URL: TEST_ORIGIN,
    // The SFU binds and announces loopback only (no other interface exists in CI's namespace).
    KAIGI_MEDIA_IP: '127.0.0.1',
    KAIGI_LOG_LEVEL: 'silent',
    KAIGI_NODE: 'test-node',
    // No client build is served: pages answer 503, the API is all there is.
    KAIGI_CLIENT_DIR: path.join(dataDir, 'no-client'),
    ...env,
  });
}

/** Opens real Services (SQLite, audit log, object store, hub) on a new temporary data folder. */
export async function openTestServices(env: Record<string, string> = {}): Promise<TestServices> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-test-'));
  let services: Services;
  try {
    services = await openServices(testConfig(dir, env));
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    services,
    dir,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await services.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface TestApp extends TestServices {
  app: FastifyInstance;
}

/**
 * Services plus the Fastify app built on them, ready for app.inject() (no listen). close()
 * closes the app, then the services, then removes the folder. Use with node:test as
 * `const t = await openTestApp(); after(() => t.close());`.
 */
export async function openTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const base = await openTestServices(env);
  try {
    const cert = await loadOrCreateCertificate({ dataDir: base.dir, certPath: null, keyPath: null, hostNames: [] });
    const app = await buildApp(base.services, cert);
    await app.ready();
    let closed = false;
    return {
      ...base,
      app,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await app.close();
        } finally {
          await base.close();
        }
      },
    };
  } catch (err) {
    await base.close();
    throw err;
  }
}

/**
 * One browser's view of the app: a cookie jar and the CSRF token of its session, sent with
 * every injected request the way the client does it. Requests carry our own Origin by
 * default (a browser's same-origin fetch); pass `origin: null` for a non-browser client.
 */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(readonly app: FastifyInstance) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The value of one cookie the server set (e.g. the device cookie), if any. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(
    method: NonNullable<InjectOptions['method']>,
    url: string,
    body?: unknown,
    opts: { headers?: Record<string, string>; origin?: string | null } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {};
    if (opts.origin !== null) headers.origin = opts.origin ?? TEST_ORIGIN;
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    if (this.csrf && method !== 'GET' && method !== 'HEAD') headers[CSRF_HEADER] = this.csrf;
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
    const res = await this.app.inject({ method, url, headers: { ...headers, ...opts.headers }, ...(payload !== undefined && { payload }) });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  /** Signs in through POST /api/auth/signin and keeps the session cookie and its CSRF token. */
  async signIn(username: string, password = TEST_PASSWORD): Promise<{ id: string; username: string }> {
    const res = await this.request('POST', '/api/auth/signin', { username, password });
    if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    const json = res.json<{ user: { id: string; username: string } | null; csrfToken: string | null }>();
    if (!json.user || !json.csrfToken) throw new Error(`sign-in needs a second factor: ${res.body}`);
    this.csrf = json.csrfToken;
    return json.user;
  }
}

/**
 * An account (created in the store, as `kaigi user add` does: there is no sign-up route) and a
 * browser signed in to it through the sign-in route.
 */
export async function signedIn(t: TestApp, username: string, opts: { admin?: boolean; password?: string } = {}): Promise<TestBrowser & { userId: string }> {
  const password = opts.password ?? TEST_PASSWORD;
  await t.services.users.add(username, password, opts.admin ?? false);
  const browser = new TestBrowser(t.app);
  const user = await browser.signIn(username, password);
  return Object.assign(browser, { userId: user.id });
}

/** What POST /api/meetings answers (the parts tests use). */
export interface CreatedMeeting {
  id: string;
  password: string;
  joinUrl: string;
  hostUrl: string;
  [k: string]: unknown;
}

/** Creates a meeting through POST /api/meetings; `extra` is more of CreateMeetingRequest. */
export async function createMeeting(host: TestBrowser, title = 'Quarterly results', extra: Record<string, unknown> = {}): Promise<CreatedMeeting> {
  const res = await host.request('POST', '/api/meetings', { title, ...extra });
  if (res.statusCode !== 201) throw new Error(`create meeting failed: ${res.statusCode} ${res.body}`);
  return res.json<CreatedMeeting>();
}
