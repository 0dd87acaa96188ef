// The fast path's header rewrite (issue 15, item 2): the bytes RFC 3550 and RFC 8285 prescribe,
// sequence and timestamp continuity across layer switches and across 65535 and 2^32, and no
// publisher extension ever copied through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import { OutboundStream, type OutboundParams } from '../../../src/sfu/forward/OutboundStream.js';
import { PacketHistory } from '../../../src/sfu/forward/PacketHistory.js';

const PARAMS: OutboundParams = { ssrc: 0xcafebabe, payloadType: 96, rtxSsrc: 0x0badf00d, rtxPayloadType: -1, midExtensionId: 1, mid: '2', clockRate: 90_000 };

function packet(seq: number, ts: number, payload = Buffer.from([0x10, 0x00, 0xaa, 0xbb]), marker = false): RtpPacket {
  const header = new RtpHeader({
    sequenceNumber: seq,
    timestamp: ts,
    payloadType: 100,
    ssrc: 0x11111111,
    marker,
    extension: true,
    // The publisher's own extensions (audio level on 1, transport-cc on 3): never to be forwarded.
    extensions: [
      { id: 1, payload: Buffer.from([0x7f]) },
      { id: 3, payload: Buffer.from([0x12, 0x34]) },
    ],
  });
  return new RtpPacket(header, payload);
}

function stream(params: Partial<OutboundParams> = {}): OutboundStream {
  const s = new OutboundStream();
  s.configure({ ...PARAMS, ...params });
  return s;
}

/** Accepts and writes one packet; returns the bytes as they go out (before SRTP). */
function forward(s: OutboundStream, rtp: RtpPacket, now: number): Buffer {
  const buf = Buffer.alloc(1500);
  assert.ok(s.accept(rtp, now));
  const n = s.write(rtp, buf, buf.length);
  assert.ok(n > 0);
  return buf.subarray(0, n);
}

describe('OutboundStream: the header rewrite', () => {
  it('writes RFC 3550 fixed header + one RFC 8285 one-byte extension (sdes:mid only) + the payload', () => {
    const s = stream();
    const rtp = packet(1000, 5000, Buffer.from([1, 2, 3, 4, 5]), true);
    s.switchLayer(rtp, 0);
    const out = forward(s, rtp, 0);
    assert.deepEqual(
      [...out],
      [
        0x90, 0x80 | 96, 0x03, 0xe8, 0x00, 0x00, 0x13, 0x88, 0xca, 0xfe, 0xba, 0xbe, // V=2 X=1, M PT, seq, ts, ssrc
        0xbe, 0xde, 0x00, 0x01, // one-byte profile, 1 word
        0x10, 0x32, 0x00, 0x00, // id 1, len-1 = 0, "2", padding
        1, 2, 3, 4, 5,
      ],
    );
    // werift parses it back: the publisher's audio-level and transport-cc extensions are gone.
    const parsed = RtpPacket.deSerialize(out);
    assert.deepEqual(parsed.header.extensions.map((e) => [e.id, [...e.payload]]), [[1, [0x32]]]);
  });

  it('without a negotiated mid writes no extension block at all', () => {
    const s = stream({ midExtensionId: 0 });
    const rtp = packet(1, 2);
    s.switchLayer(rtp, 0);
    const out = forward(s, rtp, 0);
    assert.equal(out[0], 0x80);
    assert.equal(out.length, 12 + 4);
  });

  it('pads a longer mid to 32 bits', () => {
    const s = stream({ mid: 'abcd', midExtensionId: 9 });
    const rtp = packet(1, 2);
    s.switchLayer(rtp, 0);
    const out = forward(s, rtp, 0);
    assert.equal(out.readUInt16BE(14), 2, 'two words: element header + 4 bytes + 3 bytes padding');
    assert.deepEqual([...out.subarray(16, 24)], [0x93, 0x61, 0x62, 0x63, 0x64, 0, 0, 0]);
  });

  it('continues sequence and timestamp across a layer switch', () => {
    const s = stream();
    let now = 1_000;
    const low = packet(100, 90_000);
    s.switchLayer(low, now);
    forward(s, low, now);
    forward(s, packet(101, 93_000), now);
    now += 40; // 40 ms later, the high layer's keyframe: its own numbers, far away
    const high = packet(40_000, 3_000_000);
    s.switchLayer(high, now);
    const out = forward(s, high, now);
    assert.equal(out.readUInt16BE(2), 102, 'one after the last sequence number sent');
    assert.equal(out.readUInt32BE(4), 93_000 + 40 * 90, 'the last timestamp plus the wall time elapsed');
    const next = forward(s, packet(40_001, 3_003_000), now + 33);
    assert.equal(next.readUInt16BE(2), 103);
    assert.equal(next.readUInt32BE(4), 93_000 + 40 * 90 + 3_000);
  });

  it('wraps the sequence at 65535 and the timestamp at 2^32', () => {
    const s = stream();
    const first = packet(65_534, 0xffff_f000);
    s.switchLayer(first, 0);
    const seqs: number[] = [];
    const tss: number[] = [];
    for (let i = 0; i < 4; i++) {
      const out = forward(s, packet((65_534 + i) & 0xffff, (0xffff_f000 + i * 3000) >>> 0), i);
      seqs.push(out.readUInt16BE(2));
      tss.push(out.readUInt32BE(4));
    }
    assert.deepEqual(seqs, [65_534, 65_535, 0, 1]);
    assert.deepEqual(tss, [0xffff_f000, 0xffff_fbb8, 0x0000_0770, 0x0000_1328]);
    // A switch right after the wrap continues from 1.
    const other = packet(7, 123);
    s.switchLayer(other, 10);
    assert.equal(forward(s, other, 10).readUInt16BE(2), 2);
  });

  it('refuses a late packet from before the current run or from before a sequence wrap (GCM IV reuse)', () => {
    const s = stream();
    const key = packet(500, 1000);
    s.switchLayer(key, 0);
    forward(s, key, 0);
    forward(s, packet(501, 1000), 0);
    assert.equal(s.accept(packet(499, 1000), 0), false, 'its number would be the previous run’s');
    assert.equal(s.accept(packet(501, 1000), 0), true, 'a duplicate inside the run is the same bytes again');

    const w = stream();
    const a = packet(65_535, 0);
    w.switchLayer(a, 0);
    forward(w, packet(65_533, 0), 0);
    forward(w, packet(0, 0), 0);
    forward(w, packet(1, 0), 0);
    assert.equal(w.accept(packet(65_534, 0), 0), false, 'from before the wrap');
  });
});

describe('OutboundStream: retransmissions', () => {
  function withHistory(params: Partial<OutboundParams>) {
    const s = stream(params);
    const history = new PacketHistory(64);
    const buf = Buffer.alloc(1500);
    const first = packet(1000, 10_000, Buffer.from([0x10, 0, 1]));
    s.switchLayer(first, 0);
    for (let i = 0; i < 10; i++) {
      const p = packet(1000 + i, 10_000 + i * 3000, Buffer.from([0x10, 0, i]));
      history.put(p);
      assert.ok(s.accept(p, 0));
      s.write(p, buf, buf.length);
    }
    return { s, history, buf };
  }

  it('answers a NACK as RTX (RFC 4588): RTX SSRC and PT, its own increasing sequence, OSN first', () => {
    const { s, history, buf } = withHistory({ rtxPayloadType: 97 });
    // The subscriber saw 1000 … 1009 as 1000 … 1009 (first run, offset 0); it lost 1003 and 1005.
    const outs: Buffer[] = [];
    for (const lost of [1003, 1005]) {
      const original = s.lookup(lost, history);
      assert.ok(original);
      const n = s.writeRetransmission(original, lost, buf, buf.length);
      outs.push(Buffer.from(buf.subarray(0, n)));
    }
    const [a, b] = outs as [Buffer, Buffer];
    for (const o of outs) {
      assert.equal(o[1]! & 0x7f, 97);
      assert.equal(o.readUInt32BE(8), 0x0badf00d);
    }
    assert.equal(b.readUInt16BE(2), (a.readUInt16BE(2) + 1) & 0xffff, 'RTX sequence increments');
    assert.equal(a.readUInt16BE(20), 1003, 'OSN');
    assert.equal(b.readUInt16BE(20), 1005);
    assert.equal(a.readUInt32BE(4), 10_000 + 3 * 3000, 'the original timestamp');
    assert.deepEqual([...a.subarray(22)], [0x10, 0, 3], 'the original payload after the OSN');
  });

  it('without RTX resends the packet exactly as first sent', () => {
    const s = stream();
    const history = new PacketHistory(64);
    const buf = Buffer.alloc(1500);
    const first = packet(7, 70);
    s.switchLayer(first, 0);
    const sent: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const p = packet(7 + i, 70 + i, Buffer.from([0x10, 0, i]), i === 2);
      history.put(p);
      s.accept(p, 0);
      sent.push(Buffer.from(buf.subarray(0, s.write(p, buf, buf.length))));
    }
    const original = s.lookup(8, history);
    assert.ok(original);
    const n = s.writeRetransmission(original, 8, buf, buf.length);
    assert.deepEqual(buf.subarray(0, n), sent[1]);
  });

  it('ignores unknown, too old and other runs’ sequence numbers', () => {
    const { s, history } = withHistory({ rtxPayloadType: 97 });
    assert.equal(s.lookup(1010, history), null, 'never sent');
    assert.equal(s.lookup(999, history), null, 'before the run');
    assert.equal(s.lookup(40_000, history), null, 'far away');
    // The history forgets: 64 slots, 100 newer packets later 1003 is gone.
    for (let i = 10; i < 110; i++) {
      const p = packet(1000 + i, 0);
      history.put(p);
      s.accept(p, 0);
    }
    assert.equal(s.lookup(1003, history), null, 'too old for the history');
    // A switch to another layer starts a new run: the old run's numbers map to nothing.
    const key = packet(9000, 0);
    s.switchLayer(key, 0);
    s.accept(key, 0);
    assert.equal(s.lookup(1105, history), null, 'a packet of the layer the subscriber left');
  });
});
