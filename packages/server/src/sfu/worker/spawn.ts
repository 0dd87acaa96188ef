import { Worker } from 'node:worker_threads';
import type { WorkerLike } from './MediaWorkers.js';

/**
 * Starts one media worker thread (workerMain). The built server runs the .js next to this file.
 * Under tsx (tests run the sources) Node 20 does not apply the parent's --import tsx to a
 * worker's entry, so a small eval'd entry loads workerMain.ts through tsx's tsImport.
 */
export function spawnMediaWorker(ip: string, port: number): WorkerLike {
  const workerData = { ip, port };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./workerMain.js', import.meta.url), { workerData });
  const entry = JSON.stringify(new URL('./workerMain.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${entry}, ${entry}))`, { eval: true, workerData, execArgv: [] });
}
