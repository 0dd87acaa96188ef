// Child processes of the bench and the counters read from /proc. Every child the bench starts is
// tracked here, so one call can end them all (by pid, never by name) on success, error or timeout.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '../..');
export const LOG_DIR = path.join(BENCH_DIR, 'logs');
const TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const children = new Set<ChildProcess>();

function logStream(name: string): number {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  return fs.openSync(path.join(LOG_DIR, `${name}.log`), 'w');
}

/** Starts a TypeScript module of the bench as a child with an IPC channel (stderr to logs/NAME.log). */
export function forkTs(file: string, args: string[], name: string, env: Record<string, string> = {}): ChildProcess {
  const p = fork(path.join(BENCH_DIR, file), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', logStream(name), logStream(`${name}.err`), 'ipc'],
  });
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
}

/** Starts any command as a tracked child; output goes to logs/NAME.log. */
export function spawnLogged(cmd: string, args: string[], name: string, env: Record<string, string> = {}): ChildProcess {
  const out = logStream(name);
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', out, out], cwd: ROOT });
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
}

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

/** SIGTERM, a short grace period, then SIGKILL for whatever is left. */
export async function stopChild(p: ChildProcess | undefined, graceMs = 2000): Promise<void> {
  if (!p || !alive(p)) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  await Promise.race([gone, sleep(graceMs)]);
  if (alive(p)) {
    p.kill('SIGKILL');
    await Promise.race([gone, sleep(1000)]);
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((p) => stopChild(p)));
}

/** Synchronous last resort (process 'exit' handler): SIGKILL each tracked child by its pid. */
export function killAllNow(): void {
  for (const p of children) if (alive(p)) try { p.kill('SIGKILL'); } catch { /* already gone */ }
}

/** Fields of /proc/PID/stat after the command name (index 0 = field 3, state), or null if gone. */
function statFields(pid: number): string[] | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * A process and all its descendants (children, grandchildren ...), from the ppid field of every
 * /proc/PID/stat. An SFU may run its media in child processes (issue 15: media workers, one per
 * core); the bench counts the CPU and memory of the whole tree, so that no work is left unseen.
 */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const ppid = Number(statFields(Number(d))?.[1]);
    if (!ppid) continue;
    const kids = parent.get(ppid) ?? [];
    kids.push(Number(d));
    parent.set(ppid, kids);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(parent.get(p) ?? []));
  }
  return out;
}

/**
 * CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat; with `tree`,
 * its descendants' too (live ones, plus what finished children left in cutime/cstime).
 */
export function cpuSeconds(pid: number | undefined, tree = false): number {
  if (!pid) return 0;
  let ticks = 0;
  for (const p of tree ? processTree(pid) : [pid]) {
    const f = statFields(p);
    if (!f) continue;
    ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15: utime, stime
    if (tree && p === pid) ticks += Number(f[13]) + Number(f[14]); // cutime, cstime: reaped children
  }
  return ticks / TCK;
}

/** CPU seconds per thread (pid/tid -> {name, seconds}) of a process tree, from /proc/PID/task/TID/stat. */
function threadSeconds(pid: number): Map<string, { name: string; s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  for (const p of processTree(pid)) {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tids) {
      try {
        const st = fs.readFileSync(`/proc/${p}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out.set(`${p}/${tid}`, { name, s: (Number(f[11]) + Number(f[12])) / TCK });
      } catch {
        /* thread ended */
      }
    }
  }
  return out;
}

/**
 * Per-thread CPU of a process tree over a window: the busiest threads, "% of a core" each. Shows
 * whether an SFU spreads its work over the cores (media workers) whatever the load.
 */
export function threadMeter(pid: number, top = 4) {
  const t0 = performance.now();
  const a = threadSeconds(pid);
  return () => {
    const dt = (performance.now() - t0) / 1000;
    const rows = [...threadSeconds(pid)].map(([k, v]) => ({ thread: `${v.name}[${k}]`, pct: round((100 * (v.s - (a.get(k)?.s ?? 0))) / dt, 1) }));
    return rows.sort((x, y) => y.pct - x.pct).slice(0, top);
  };
}

/** Resident memory (bytes) of a process and its descendants, from /proc/PID/status VmRSS. */
export function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return kb * 1024;
}

/** Whole-machine busy/total jiffies from /proc/stat (both cores). */
export function hostTicks(): { busy: number; total: number } {
  const a = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = a.reduce((x, y) => x + y, 0);
  return { busy: total - (a[3] ?? 0) - (a[4] ?? 0), total };
}

/** A CPU meter over a window: percent of one core per named pid, and host busy % (2 cores = 100). */
export function cpuMeter(pids: Record<string, number | undefined>, trees: string[] = []) {
  const cpu = (k: string, pid: number | undefined) => cpuSeconds(pid, trees.includes(k));
  const t0 = performance.now();
  const c0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpu(k, pid)]));
  const h0 = hostTicks();
  return () => {
    const dt = (performance.now() - t0) / 1000;
    const h1 = hostTicks();
    const pct: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids)) pct[k] = round((100 * (cpu(k, pid) - (c0[k] ?? 0))) / dt, 1);
    return { seconds: dt, pct, hostBusyPct: round((100 * (h1.busy - h0.busy)) / Math.max(1, h1.total - h0.total), 1) };
  };
}

export const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

/** Sends an IPC request to a bench child and waits for its reply (matched by id). */
let nextReq = 1;
export function ask<T>(p: ChildProcess, msg: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
  const id = nextReq++;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => (cleanup(), reject(new Error(`no reply to ${String(msg.cmd)} in ${timeoutMs} ms`))), timeoutMs);
    const onMsg = (m: { id?: number; error?: string; result?: T }) => {
      if (m.id !== id) return;
      cleanup();
      if (m.error) reject(new Error(m.error));
      else resolve(m.result as T);
    };
    const onExit = () => (cleanup(), reject(new Error(`child exited during ${String(msg.cmd)}`)));
    const cleanup = () => (clearTimeout(t), p.off('message', onMsg), p.off('exit', onExit));
    p.on('message', onMsg);
    p.once('exit', onExit);
    p.send({ ...msg, id });
  });
}

/** Child side of ask(): serves commands; exits when the parent goes away (IPC closed). */
export function serve(handlers: Record<string, (m: any) => unknown>, onExit: () => void = () => undefined): void {
  process.on('message', async (m: { id: number; cmd: string }) => {
    try {
      const h = handlers[m.cmd];
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      process.send?.({ id: m.id, result: await h(m) });
    } catch (e) {
      process.send?.({ id: m.id, error: String((e as Error)?.stack ?? e) });
    }
  });
  const quit = () => {
    try { onExit(); } finally { process.exit(0); }
  };
  process.on('disconnect', quit);
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
}
