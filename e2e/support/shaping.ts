import { execFileSync } from 'node:child_process';

// Limits the bandwidth towards one UDP port on loopback with an HTB class and a short queue, as
// a congested downlink would: only inside the test's own network namespace.
export function limitPort(port: number, kbit: number): () => void {
  const tc = (...args: string[]) => execFileSync('tc', args, { stdio: 'pipe' });
  tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '1', 'r2q', '100');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${kbit}kbit`, 'ceil', `${kbit}kbit`);
  tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '40');
  tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dport', String(port), '0xffff', 'flowid', '1:10');
  return () => {
    try {
      tc('qdisc', 'del', 'dev', 'lo', 'root');
    } catch {
      // already gone
    }
  };
}

/** Whether this process may shape loopback (root, or CAP_NET_ADMIN in its namespace). */
export function canShape(): boolean {
  try {
    execFileSync('tc', ['qdisc', 'show', 'dev', 'lo'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
