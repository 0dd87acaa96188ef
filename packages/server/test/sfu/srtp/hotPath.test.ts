// The SRTP hot path allocates nothing per packet on the native AES-GCM (issue 15 item 2; common
// rules: no object per packet per subscriber). Measured as garbage collections during a
// synchronous loop: no allocation means the young generation never fills. The node:crypto
// fallback, which allocates a cipher per packet, is the control that shows the probe works.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SrtpReceiveContext, SrtpSendContext } from '../../../src/sfu/srtp/SrtpContext.js';
import { createNativeAesGcm, createNodeAesGcm } from '../../../src/sfu/srtp/aesGcm.js';
import type { AesGcmFactory } from '../../../src/sfu/srtp/types.js';

/** A full collection before measuring, so the young generation starts empty. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Young-generation collections (scavenges) while `loop` runs; gc entries are delivered after it
 * returns. Only scavenges count: an idle-time full collection says nothing about the loop.
 */
async function gcsDuring(loop: () => void): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) count++;
    }
  });
  collectGarbage();
  observer.observe({ entryTypes: ['gc'] });
  loop();
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  return count;
}

function roundTrips(factory: AesGcmFactory, packets: number): () => void {
  const keys = { key: randomBytes(16), salt: randomBytes(12) };
  const tx = new SrtpSendContext(keys, factory);
  const rx = new SrtpReceiveContext(keys, factory);
  const buf = Buffer.alloc(1216);
  buf.set([0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 1, 0x10, 1, 0, 0]);
  // SSRCs are random 32-bit values in practice: most do not fit a V8 small integer, which is what
  // would make a careless hot path box them. Three streams, each passing the 65535 -> 0 rollover.
  // (Written as 16-bit halves so that the test loop itself boxes nothing.)
  const ssrcHi = [0xdead, 0x8000, 0x0bad];
  const ssrcLo = [0xbeef, 0x0001, 0xf00d];
  const loop = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      buf.writeUInt16BE(i & 0xffff, 2);
      buf.writeUInt16BE(ssrcHi[i % 3]!, 8);
      buf.writeUInt16BE(ssrcLo[i % 3]!, 10);
      const n = tx.protectRtp(buf, 1200);
      if (rx.unprotectRtp(buf, n) !== 1200) throw new Error(`packet ${i} did not round-trip`);
    }
  };
  // The streams' states are made here (a new SSRC allocates, once), not in the measured loop.
  loop(0, 3);
  return () => loop(3, packets);
}

test('protectRtp + unprotectRtp on the native AES-GCM cause no young-generation collection', async () => {
  const native: AesGcmFactory = (key) => {
    const gcm = createNativeAesGcm(key);
    assert.ok(gcm, 'native addon not loaded');
    return gcm;
  };
  roundTrips(native, 5_000)(); // warm-up: JIT, the SSRC state, OpenSSL
  // 600k round trips: even 16 bytes per call would fill the young generation several times.
  assert.equal(await gcsDuring(roundTrips(native, 600_000)), 0);
  assert.ok((await gcsDuring(roundTrips(createNodeAesGcm, 20_000))) > 0, 'control: node:crypto allocates');
});
