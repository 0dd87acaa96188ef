// Worker thread body for worker.test.ts: loads aesGcm.ts in its own thread and seals packets.
import { parentPort, workerData } from 'node:worker_threads';
import { aesGcmImplementation, createAesGcm } from '../../../src/sfu/srtp/aesGcm.js';

const { count } = workerData as { count: number };
const gcm = createAesGcm(Buffer.alloc(16, 9));
const iv = Buffer.alloc(12, 4);
const buf = Buffer.alloc(1216);
for (let i = 0; i < count; i++) {
  buf.fill(i & 0xff, 0, 1200);
  gcm.seal(iv, buf, 12, 1200);
}
parentPort?.postMessage({ implementation: aesGcmImplementation(), last: buf.toString('hex') });
