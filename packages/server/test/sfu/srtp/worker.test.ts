// The native AES-GCM addon in media worker threads (issue 15 item 3 places meetings on
// worker_threads): it is context-aware, so each thread loads its own instance, and two threads
// sealing at once get the same bytes as the main thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createNativeAesGcm } from '../../../src/sfu/srtp/aesGcm.js';

const WORKER = new URL('./sealWorker.ts', import.meta.url).href;
/** Resolved here, so the worker finds tsx whatever the current directory. */
const TSX_API = import.meta.resolve('tsx/esm/api');

/** A worker thread (sealWorker.ts, through tsx as this test runs) that seals `count` packets. */
function sealInWorker(count: number): Promise<{ implementation: string; last: string }> {
  return new Promise((resolve, reject) => {
    // Node 20 does not hand the main thread's --import hooks to a worker: register tsx there first.
    const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { count } });
    worker.once('message', (m: { implementation: string; last: string }) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

test('two worker threads load the native addon and seal the same bytes as the main thread', async () => {
  const [a, b] = await Promise.all([sealInWorker(20_000), sealInWorker(20_000)]);
  const gcm = createNativeAesGcm(Buffer.alloc(16, 9));
  assert.ok(gcm, 'native addon not loaded');
  const buf = Buffer.alloc(1216);
  buf.fill(19_999 & 0xff, 0, 1200);
  gcm.seal(Buffer.alloc(12, 4), buf, 12, 1200);
  for (const w of [a, b]) {
    assert.equal(w.implementation, 'native');
    assert.equal(w.last, buf.toString('hex'));
  }
});
