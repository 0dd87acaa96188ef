// A6: however many subscribers ask, a publisher gets at most one keyframe request per layer per
// half second (a receiver without keys, or a lossy one, would otherwise flood it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer } from '../src/sfu/Producer.js';
import type { Transport } from '../src/sfu/Transport.js';

function fakes() {
  const plis: number[] = [];
  const transport = { participantId: 'p', on: () => () => undefined } as unknown as Transport;
  const transceiver = { receiver: { sendRtcpPLI: (ssrc: number) => (plis.push(ssrc), Promise.resolve()) } };
  const listeners: ((rtp: unknown) => void)[] = [];
  const track = (rid: string, ssrc: number) => ({
    rid,
    ssrc,
    onReceiveRtp: { subscribe: (fn: (rtp: unknown) => void) => (listeners.push(fn), { unSubscribe: () => undefined }) },
  });
  return { plis, transport, transceiver, track, listeners };
}

describe('Producer keyframe requests', () => {
  it('sends at most one PLI per layer per 500 ms', async () => {
    const f = fakes();
    const p = new Producer(f.transport, f.transceiver as never, 'camera');
    p.attach(f.track('q', 111) as never);
    p.attach(f.track('f', 333) as never);
    const before = f.plis.length;
    for (let i = 0; i < 50; i++) p.requestKeyframe(0);
    assert.equal(f.plis.filter((s) => s === 111).length, 1, 'the attach request and nothing more within 500 ms');
    await new Promise((r) => setTimeout(r, 550));
    for (let i = 0; i < 50; i++) p.requestKeyframe(0);
    assert.equal(f.plis.filter((s) => s === 111).length, 2);
    assert.ok(f.plis.length - before <= 1, 'other layers are not asked');
    p.close();
    p.requestKeyframe();
    assert.equal(f.plis.filter((s) => s === 111).length, 2, 'a closed producer asks nothing');
  });

  it('never asks an audio track for keyframes', () => {
    const f = fakes();
    const p = new Producer(f.transport, f.transceiver as never, 'microphone');
    p.attach(f.track('', 5) as never);
    p.requestKeyframe();
    assert.equal(f.plis.length, 0);
  });
});
