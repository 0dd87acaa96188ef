// The media port builds werift's P-256 tables while it opens (dtlsWarmup.ts): otherwise the first
// DTLS handshake of a process builds them on the event loop, which under load outlasted the peer's
// 500 ms ClientHello retransmit and made werift's DTLS client fail on the repeated
// HelloVerifyRequest. Each measurement is the first key pair of a fresh process, so nothing else
// in this file can have warmed it; compared with a cold process on the same machine (a ratio, not
// a fixed time, so a busy machine does not decide it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { weriftP256 } from '../../../src/sfu/net/dtlsWarmup.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./firstKeyPair.ts', import.meta.url));

async function firstKeyPairMs(mode: 'open' | 'cold'): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, mode]);
  return Number(stdout.trim());
}

describe("the media port warms werift's DTLS key exchange (issue 15 item 1)", () => {
  it("finds werift's own @noble/curves P-256", async () => {
    const p256 = await weriftP256();
    assert.ok(p256, 'found');
    assert.equal(p256.getPublicKey(p256.utils.randomPrivateKey(), false).length, 65);
  });

  it('after MediaNet.open the first key pair costs a fraction of a cold one', async () => {
    const cold = await firstKeyPairMs('cold');
    const warm = await firstKeyPairMs('open');
    assert.ok(Number.isFinite(cold) && Number.isFinite(warm), `${cold} / ${warm}`);
    assert.ok(warm * 4 < cold, `first key pair after MediaNet.open ${warm.toFixed(1)} ms, cold ${cold.toFixed(1)} ms`);
  });
});
