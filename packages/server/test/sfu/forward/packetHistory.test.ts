// One retransmission history per publisher layer (issue 15): bounded, indexed by the publisher's
// sequence number, filled by the Producer before its fan-out, none for audio.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import { historyPackets, PacketHistory } from '../../../src/sfu/forward/PacketHistory.js';
import { Producer } from '../../../src/sfu/Producer.js';
import type { Transport } from '../../../src/sfu/Transport.js';

const rtp = (seq: number, ssrc = 7) => new RtpPacket(new RtpHeader({ sequenceNumber: seq, ssrc }), Buffer.from([seq & 0xff]));

describe('PacketHistory', () => {
  it('holds the last `capacity` packets by sequence number, across the wrap', () => {
    const h = new PacketHistory(100);
    assert.equal(h.capacity, 128, 'rounded up to a power of two');
    for (let i = 0; i < 300; i++) h.put(rtp((65_400 + i) & 0xffff));
    const newest = (65_400 + 299) & 0xffff;
    assert.equal(h.get(newest)?.header.sequenceNumber, newest);
    assert.equal(h.get((newest - 127) & 0xffff)?.header.sequenceNumber, (newest - 127) & 0xffff);
    assert.equal(h.get((newest - 128) & 0xffff), null, 'overwritten');
    assert.equal(h.get((newest + 1) & 0xffff), null, 'never seen');
    h.clear();
    assert.equal(h.get(newest), null);
  });
});

describe('Producer: one history per video layer', () => {
  function fakes() {
    const transport = { participantId: 'p', on: () => () => undefined } as unknown as Transport;
    const transceiver = { receiver: { sendRtcpPLI: () => Promise.resolve() } };
    const listeners = new Map<string, (rtp: RtpPacket) => void>();
    const track = (rid: string, ssrc: number) => ({
      rid,
      ssrc,
      onReceiveRtp: { subscribe: (fn: (rtp: RtpPacket) => void) => (listeners.set(rid, fn), { unSubscribe: () => undefined }) },
    });
    return { transport, transceiver, track, listeners };
  }

  it('keeps each layer’s packets in its own bounded history, before the subscribers see them', () => {
    const f = fakes();
    const p = new Producer(f.transport, f.transceiver as never, 'camera');
    p.attach(f.track('q', 111) as never);
    p.attach(f.track('f', 333) as never);
    const seenInHistory: boolean[] = [];
    p.addSink({ send: (packet, layer) => seenInHistory.push(p.history(layer)?.get(packet.header.sequenceNumber) === packet) });
    f.listeners.get('q')!(rtp(10, 111));
    f.listeners.get('f')!(rtp(10, 333));
    assert.deepEqual(seenInHistory, [true, true]);
    assert.equal(p.history(0)?.get(10)?.header.ssrc, 111);
    assert.equal(p.history(2)?.get(10)?.header.ssrc, 333);
    assert.equal(p.history(0)?.capacity, historyPackets(0));
    assert.equal(p.history(2)?.capacity, historyPackets(2));
    // A new source on a layer (another SSRC): the old numbers answer nothing any more.
    f.listeners.get('q')!(rtp(11, 999));
    assert.equal(p.history(0)?.get(10), null);
    assert.equal(p.history(0)?.get(11)?.header.ssrc, 999);
    p.close();
    assert.equal(p.history(0), null, 'a closed producer keeps nothing');
  });

  it('keeps no history for audio (no NACK negotiated for Opus)', () => {
    const f = fakes();
    const p = new Producer(f.transport, f.transceiver as never, 'microphone');
    p.attach(f.track('', 5) as never);
    assert.equal(p.history(0), null);
    p.close();
  });
});
