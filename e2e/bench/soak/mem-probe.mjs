// Loaded into the Kaigi server under soak (`node --expose-gc --import <this file> main.js`); not
// part of the server. On SIGUSR2 it runs a full garbage collection (so the heap figure is what is
// really retained, not garbage waiting for collection) and writes process.memoryUsage() as JSON
// to KAIGI_MEM_PROBE_FILE (written to a temporary name and renamed: never read half-written).
// When the file KAIGI_MEM_PROBE_FILE.snap exists, it also writes a heap snapshot into the folder
// that file names (KAIGI_SOAK_SNAPSHOTS: to see what a growing heap holds).
import fs from 'node:fs';
import process from 'node:process';
import v8 from 'node:v8';

const out = process.env.KAIGI_MEM_PROBE_FILE;
if (out) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    // Measured before a snapshot, which itself takes much memory.
    const usage = JSON.stringify({ t: Date.now(), ...process.memoryUsage() });
    if (fs.existsSync(`${out}.snap`)) {
      const dir = fs.readFileSync(`${out}.snap`, 'utf8');
      fs.rmSync(`${out}.snap`);
      v8.writeHeapSnapshot(`${dir}/kaigi-${Date.now()}.heapsnapshot`);
    }
    fs.writeFileSync(`${out}.tmp`, usage);
    fs.renameSync(`${out}.tmp`, out);
  });
}
