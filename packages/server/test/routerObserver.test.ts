// The Router's observer replaces the e2e tests' RTP tap (issue 14): a Consumer tells it of each
// packet it forwards, but only while someone listens, so the forwarding path builds nothing for
// an observer nobody watches (the shipped server never listens).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import { Consumer } from '../src/sfu/Consumer.js';
import { Observer } from '../src/sfu/Emitter.js';
import type { Producer } from '../src/sfu/Producer.js';
import type { ForwardedPacket, RouterObserverEvents } from '../src/sfu/RouterObserver.js';

function fakes() {
  const sent: RtpPacket[] = [];
  const reads = { participantId: 0 };
  const producer = {
    kind: 'audio',
    source: 'microphone',
    get participantId() {
      reads.participantId++;
      return 'p_alice';
    },
    addSink: () => undefined,
    removeSink: () => undefined,
    on: () => () => undefined,
    requestKeyframe: () => undefined,
  } as unknown as Producer;
  const subscription = { subscribe: () => ({ unSubscribe: () => undefined }) };
  const transceiver = {
    sender: {
      senderBWE: { sentInfos: {}, rtpPacketSent: () => undefined },
      onPictureLossIndication: subscription,
      onRtcp: subscription,
      sendRtp: (p: RtpPacket) => (sent.push(p), Promise.resolve()),
    },
  };
  return { producer, transceiver, sent, reads };
}

const packet = (seq: number) => new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq * 960, payloadType: 111 }), Buffer.from([0xf8, seq & 0xff, 1, 2, 3]));

describe('Router observer: forwarded packets', () => {
  it('reports each packet forwarded, as sent, while someone listens', () => {
    const f = fakes();
    const observer = new Observer<RouterObserverEvents>();
    const c = new Consumer(f.producer, f.transceiver as never, 'p_bob', false, observer);
    const seen: ForwardedPacket[] = [];
    const off = observer.on('forwarded', (p) => seen.push({ ...p, payload: Buffer.from(p.payload) }));
    c.send(packet(100), 0);
    c.send(packet(101), 0);
    assert.equal(f.sent.length, 2);
    assert.deepEqual(
      seen.map(({ from, to, source, kind, seq }) => ({ from, to, source, kind, seq })),
      f.sent.map((p) => ({ from: 'p_alice', to: 'p_bob', source: 'microphone', kind: 'audio', seq: p.header.sequenceNumber })),
    );
    assert.deepEqual(seen.map((p) => p.payload), f.sent.map((p) => p.payload), 'the payload as forwarded');
    off();
    c.send(packet(102), 0);
    assert.equal(f.sent.length, 3);
    assert.equal(seen.length, 2, 'nothing after the listener left');
    c.close();
  });

  it('builds no event when nobody listens', () => {
    const f = fakes();
    const c = new Consumer(f.producer, f.transceiver as never, 'p_bob', false, new Observer<RouterObserverEvents>());
    const before = f.reads.participantId;
    for (let i = 0; i < 100; i++) c.send(packet(200 + i), 0);
    assert.equal(f.sent.length, 100);
    assert.equal(f.reads.participantId, before, 'the forwarding path did not gather a record');
    c.close();
  });
});
