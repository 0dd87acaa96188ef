// Loopback-only isolation for bench programs: everything binds 127.0.0.1, and WebRTC must not
// find the machine's other addresses. A program calls isolateOrReexec(its own file) first: when
// `ip -o addr` shows more than `lo`, it re-executes itself under `unshare -n` (root) and exits
// with the child's status.
import { spawnSync } from 'node:child_process';

function isolated(): boolean {
  const r = spawnSync('ip', ['-o', 'addr'], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  const ifaces = new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[1]));
  return ifaces.size === 1 && ifaces.has('lo');
}

export function isolateOrReexec(self: string): void {
  if (isolated()) return;
  if (process.env.KAIGI_BENCH_UNSHARED) {
    console.error('bench: still not in a loopback-only namespace after unshare; refusing to run');
    process.exit(2);
  }
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...process.execArgv, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, KAIGI_BENCH_UNSHARED: '1' },
  });
  process.exit(r.status ?? 1);
}
