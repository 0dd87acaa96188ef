// Loaded into the Kaigi server under soak (`node --expose-gc --import <this file> main.js`); not
// part of the server. On SIGUSR2 it runs a full garbage collection (so the heap figure is what is
// really retained, not garbage waiting for collection) and writes process.memoryUsage() as JSON
// to KAIGI_MEM_PROBE_FILE (written to a temporary name and renamed: never read half-written).
import fs from 'node:fs';
import process from 'node:process';

const out = process.env.KAIGI_MEM_PROBE_FILE;
if (out) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    fs.writeFileSync(`${out}.tmp`, JSON.stringify({ t: Date.now(), ...process.memoryUsage() }));
    fs.renameSync(`${out}.tmp`, out);
  });
}
