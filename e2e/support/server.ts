import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'packages/server/dist/main.js');
const CLI = path.join(ROOT, 'packages/server/dist/cli/main.js');
/** The server with a tap on its SFU (tests only; see tapServer.ts). */
const TAP_SERVER = path.join(ROOT, 'e2e/support/tapServer.ts');
/** The server whose media workers SIGUSR2 kills (tests only; see workerKillServer.ts). */
const WORKER_KILL_SERVER = path.join(ROOT, 'e2e/support/workerKillServer.ts');
/**
 * The e2e test build of the client (`vite build --mode e2e`, part of `npm run -s build`): the app
 * with the test hooks (window.__kaigi, the E2EE plaintext marker) that the production bundle in
 * packages/client/dist does not have.
 */
export const TEST_CLIENT_DIR = path.join(ROOT, 'packages/client/dist-test');

// Self-signed certificate: the test clients accept it, nothing else.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.emitWarning = (() => undefined) as typeof process.emitWarning;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  log: () => string;
  cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** A file that receives every RTP payload the SFU forwards (read it with tap.ts's readTap). */
  tap?: string;
  /** SIGUSR2 terminates the media workers hosting meetings (workerKillServer.ts). */
  killableWorkers?: boolean;
}

/**
 * Starts a real Kaigi process on 127.0.0.1 with a fresh data folder; it stops with the test. It
 * serves the client's test build (TEST_CLIENT_DIR) unless `env` names another KAIGI_CLIENT_DIR.
 */
export async function startServer(env: Record<string, string> = {}, dataDir?: string, opts: StartOptions = {}): Promise<RunningServer> {
  if (!env.KAIGI_CLIENT_DIR && !fs.existsSync(path.join(TEST_CLIENT_DIR, 'index.html'))) {
    throw new Error(`no client test build in ${TEST_CLIENT_DIR}: run \`npm run -s build\` first`);
  }
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-test-'));
  const port = await freePort();
  const fullEnv = {
    ...process.env,
    KAIGI_CLIENT_DIR: TEST_CLIENT_DIR,
    KAIGI_HOST: '127.0.0.1',
    KAIGI_PORT: String(port),
    KAIGI_DATA_DIR: dir,
    KAIGI_LOG_LEVEL: 'warn',
    KAIGI_ALLOW_ROOT: '1',
    ...env,
  };
  // KAIGI_TEST_NODE_ARGS passes flags to the server's node (e.g. --cpu-prof for profiling).
  const nodeArgs = (process.env.KAIGI_TEST_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const tsx = import.meta.resolve('tsx');
  const entry = opts.tap ? ['--import', tsx, TAP_SERVER, opts.tap] : opts.killableWorkers ? ['--import', tsx, WORKER_KILL_SERVER] : [MAIN];
  const proc = spawn(process.execPath, [...nodeArgs, ...entry], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test process that ends without stopping its server (a failed assertion before the
  // after-hook, an interrupted run) takes the server with it rather than leave it listening.
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  proc.once('exit', () => process.off('exit', reap));
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      if (output.includes('KAIGI_LISTENING')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const cli = (args: string[], stdin = '') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [CLI, ...args], { env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      c.stdin.end(stdin);
    });
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    dataDir: dir,
    proc,
    log: () => output,
    cli,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        proc.kill(signal);
      }),
  };
}
