// The server's memory as the soak reads it: RSS and V8 heap after a full GC, from the probe
// (mem-probe.mjs) loaded into the server process, asked with SIGUSR2.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../lib/proc.js';

export interface MemSample {
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mem-probe.mjs');

/** The server's extra node flags and environment that load the probe, and a reader for it. */
export function memoryProbe(): { nodeArgs: string[]; env: Record<string, string>; read(pid: number, snapshotDir?: string): Promise<MemSample> } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-soak-')), 'mem.json');
  return {
    nodeArgs: ['--expose-gc', '--import', PROBE],
    env: { KAIGI_MEM_PROBE_FILE: file },
    /** With snapshotDir, the server also writes a heap snapshot there (slow: seconds). */
    async read(pid, snapshotDir) {
      if (snapshotDir) fs.writeFileSync(`${file}.snap`, snapshotDir);
      const asked = Date.now();
      process.kill(pid, 'SIGUSR2');
      // Waits for the answer to this request (a busy server may take a moment), never a fixed time.
      for (let i = 0; i < 1200; i++) {
        try {
          const m = JSON.parse(fs.readFileSync(file, 'utf8')) as MemSample;
          if (m.t >= asked) return m;
        } catch {
          // not written yet
        }
        await sleep(50);
      }
      throw new Error('the server did not answer the memory probe in 60 s');
    },
  };
}

export const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
export const growthPct = (from: number, to: number): number => Math.round((1000 * (to - from)) / from) / 10;
