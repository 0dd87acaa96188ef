// Transport-wide congestion-control feedback: bytes checked against hand-computed encodings
// (draft-holmer-rmcat-transport-wide-cc-extensions-01), plus a decode round trip.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TwccFeedback } from '../src/sfu/congestion/TwccFeedback.js';
import { LARGE_DELTA, NOT_RECEIVED, SMALL_DELTA, StatusChunkEncoder } from '../src/sfu/congestion/twccPacket.js';

const hex = (b: Buffer): string => b.toString('hex');
const SENDER = 0x01020304;
const MEDIA = 0x0a0b0c0d;

function feedback(): TwccFeedback {
  return new TwccFeedback({ senderSsrc: SENDER });
}

/** header (V=2, P?, FMT=15, PT=205, length), sender SSRC, media SSRC */
function head(padded: boolean, words: number): string {
  return (padded ? 'af' : '8f') + 'cd' + words.toString(16).padStart(4, '0') + '01020304' + '0a0b0c0d';
}

describe('TwccFeedback encoding', () => {
  it('one packet: reference time in 64 ms units, first delta relative to it, padded to 32 bits', () => {
    const f = feedback();
    f.onPacket(100, 1_000_000, MEDIA); // 15 * 64 ms + 40 ms -> reference 15, delta 160 ticks
    const [p, ...rest] = f.buildFeedback();
    assert.equal(rest.length, 0);
    // base 100, count 1, ref 15, fb count 0 | run-length (received small, 1) | delta 0xa0 | pad 1
    assert.equal(hex(p!), head(true, 5) + '0064' + '0001' + '00000f' + '00' + '2001' + 'a0' + '01');
    assert.deepEqual(f.buildFeedback(), [], 'nothing new, nothing sent');
  });

  it('loss, large, negative (reordered) deltas: a two-bit status vector', () => {
    const f = feedback();
    // arrival order 10, 14, 12, 13; 11 is lost
    f.onPacket(10, 64_000, MEDIA); //  ticks 256 = reference 1 * 256 -> delta 0
    f.onPacket(14, 64_500, MEDIA); //  ticks 258
    f.onPacket(12, 65_000, MEDIA); //  ticks 260 -> delta 4
    f.onPacket(13, 165_000, MEDIA); // ticks 660 -> delta 400 (large)
    // seq 14: 258 - 660 = -402 (large, negative)
    const [p] = f.buildFeedback();
    // statuses 1,0,1,2,2 -> 11 01 | 00 01 01 10 | 10 00 00 00 with 0b11 prefix = 0xd1a0
    assert.equal(hex(p!), head(false, 6) + '000a' + '0005' + '000001' + '00' + 'd1a0' + '00' + '04' + '0190' + 'fe6e');
  });

  it('long runs are run-length chunks; mixed small/lost runs a one-bit vector', () => {
    const f = feedback();
    for (let i = 0; i < 20; i++) f.onPacket(i, 1000 * i, MEDIA); // deltas 0, 4, 4, ...
    const [p] = f.buildFeedback();
    assert.equal(hex(p!), head(true, 10) + '0000' + '0014' + '000000' + '00' + '2014' + '00' + '04'.repeat(19) + '0002');
    const g = feedback();
    const lost = new Set([2]);
    for (let i = 0; i < 14; i++) if (!lost.has(i)) g.onPacket(i, 250 * i, MEDIA);
    const [q] = g.buildFeedback();
    // 1 1 0 1 1 1 1 1 1 1 1 1 1 1 -> 0b10 11011111111111 = 0xb7ff; deltas 0,1,2 (over the loss),1 x10; pad 1
    assert.equal(hex(q!), head(true, 8) + '0000' + '000e' + '000000' + '00' + 'b7ff' + '0001' + '02' + '01'.repeat(10) + '01');
  });

  it('wraps the 16-bit sequence number', () => {
    const f = feedback();
    for (const [i, seq] of [65534, 65535, 0, 1].entries()) f.onPacket(seq, 250 * i, MEDIA);
    const [p] = f.buildFeedback();
    assert.equal(hex(p!), head(true, 6) + 'fffe' + '0004' + '000000' + '00' + '2004' + '00010101' + '0002');
  });

  it('a large gap of losses costs a few run-length chunks', () => {
    const f = feedback();
    f.onPacket(0, 0, MEDIA);
    f.onPacket(10_000, 2_000_000, MEDIA); // 8000 ticks -> large 0x1f40
    const [p] = f.buildFeedback();
    // [1, 0 x13] one-bit 0xa000 | 8191 lost 0x1fff | 1795 lost 0x0703 | 1 received, large delta 0x4001
    assert.equal(hex(p!), head(true, 7) + '0000' + '2711' + '000000' + '00' + 'a000' + '1fff' + '0703' + '4001' + '00' + '1f40' + '01');
  });

  it('a delta beyond 16 bits starts a new message with its own reference time', () => {
    const f = feedback();
    f.onPacket(1, 0, MEDIA);
    f.onPacket(2, 10_000_000, MEDIA); // 40000 ticks; reference 156 (9.984 s) + 64 ticks
    const [a, b, ...rest] = f.buildFeedback();
    assert.equal(rest.length, 0);
    assert.equal(hex(a!), head(true, 5) + '0001' + '0001' + '000000' + '00' + '2001' + '00' + '01');
    assert.equal(hex(b!), head(true, 5) + '0002' + '0001' + '00009c' + '01' + '2001' + '40' + '01');
  });

  it('reports losses at the start of a window, and re-reports when a "lost" packet arrives late', () => {
    const f = feedback();
    f.onPacket(5, 1000, MEDIA);
    f.buildFeedback();
    f.onPacket(8, 2000, MEDIA); // 6 and 7 lost so far
    const [p] = f.buildFeedback();
    // base 6, count 3, statuses 0 0 1 (a two-bit vector: 00 00 01 -> 0xc100), delta 8 ticks
    assert.equal(hex(p!), head(true, 5) + '0006' + '0003' + '000000' + '01' + 'c100' + '08' + '01');
    f.onPacket(7, 3000, MEDIA); // late: 7 and 8 again, 8 now with a negative delta
    const [q] = f.buildFeedback();
    // statuses 1 (delta 12), 2 (delta -4 = 0xfffc): two-bit 0xd800
    assert.equal(hex(q!), head(true, 6) + '0007' + '0002' + '000000' + '02' + 'd800' + '0c' + 'fffc' + '0000' + '03');
  });

  it('ignores duplicates and counts feedback packets modulo 256', () => {
    const f = feedback();
    for (let i = 0; i < 258; i++) {
      f.onPacket(i, 1000 * i, MEDIA);
      f.onPacket(i, 1000 * i + 900, MEDIA);
      const [p, ...rest] = f.buildFeedback();
      assert.equal(rest.length, 0);
      assert.equal(p!.readUInt16BE(14), 1, 'one status per message');
      assert.equal(p![19], i & 0xff);
    }
  });
});

describe('StatusChunkEncoder', () => {
  it('splits a two-bit vector off a one-bit candidate when a large delta arrives', () => {
    const e = new StatusChunkEncoder();
    for (const s of [1, 0, 1, 0, 1, 0, 1, 0, 1, 2] as const) e.add(s);
    // first 7 as two-bit: 01 00 01 00 01 00 01 -> 0xd111; then 0 1 2 -> 0xc600
    assert.deepEqual(e.finish().map((c) => c.toString(16)), ['d111', 'c600']);
  });

  it('caps run lengths at 8191', () => {
    const e = new StatusChunkEncoder();
    for (let i = 0; i < 8192; i++) e.add(SMALL_DELTA);
    assert.deepEqual(e.finish().map((c) => c.toString(16)), ['3fff', '2001']);
    const l = new StatusChunkEncoder();
    l.add(LARGE_DELTA);
    l.add(NOT_RECEIVED);
    assert.deepEqual(l.finish().map((c) => c.toString(16)), ['e000']);
  });
});

/** An independent decoder: (sequence number -> arrival µs, or null if reported lost). */
function decode(p: Buffer): Map<number, number | null> {
  assert.equal(p[1], 205);
  assert.equal(p[0]! & 0x1f, 15);
  assert.equal((p.readUInt16BE(2) + 1) * 4, p.length, 'length field covers the whole message');
  const base = p.readUInt16BE(12);
  const count = p.readUInt16BE(14);
  let time = p.readUIntBE(16, 3) * 64_000;
  const statuses: number[] = [];
  let pos = 20;
  while (statuses.length < count) {
    const c = p.readUInt16BE(pos);
    pos += 2;
    if (!(c & 0x8000)) for (let i = 0; i < (c & 0x1fff); i++) statuses.push((c >> 13) & 3);
    else if (!(c & 0x4000)) for (let i = 13; i >= 0; i--) statuses.push((c >> i) & 1);
    else for (let i = 6; i >= 0; i--) statuses.push((c >> (2 * i)) & 3);
  }
  const out = new Map<number, number | null>();
  statuses.slice(0, count).forEach((s, i) => {
    const seq = (base + i) & 0xffff;
    if (s === 0) return out.set(seq, null);
    time += s === 1 ? p[pos++]! * 250 : p.readInt16BE((pos += 2) - 2) * 250;
    out.set(seq, time);
  });
  assert.ok(pos <= p.length - (p[0]! & 0x20 ? p[p.length - 1]! : 0), 'deltas stay inside the message');
  return out;
}

describe('TwccFeedback round trip', () => {
  it('reports every packet with its arrival time within 125 µs, across wrap, reordering and loss', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const f = new TwccFeedback({ senderSsrc: 1, maxPacketBytes: 100 });
    const truth = new Map<number, number>();
    const WRAP = 64_000 * 2 ** 24;
    let now = WRAP - 3_000_000; // the 24-bit reference time wraps 3 s in
    let next = 65_000;
    const held: [number, number][] = [];
    const reported = new Map<number, number | null>();
    for (let round = 0; round < 400; round++) {
      for (let k = 0; k < 1 + Math.floor(random() * 30); k++) {
        const seq = next++ & 0xffff;
        now += Math.floor(random() * 3000);
        if (random() < 0.003) {
          now += 20_000_000; // a pause longer than a 16-bit delta
          held.length = 0; // what was held back is now too late to matter: lost
        }
        if (random() < 0.05) continue; // lost
        if (random() < 0.05) held.push([seq, 0]); // delivered late, below
        else {
          f.onPacket(seq, now);
          truth.set(seq, now);
        }
      }
      if (held.length && random() < 0.6) {
        for (const [seq] of held.splice(0)) {
          f.onPacket(seq, now);
          truth.set(seq, now);
        }
      }
      for (const p of f.buildFeedback()) for (const [seq, t] of decode(p)) if (t !== null || !reported.has(seq)) reported.set(seq, t);
    }
    for (const [seq, t] of truth) {
      const r = reported.get(seq);
      assert.ok(r !== undefined && r !== null, `seq ${seq} reported received`);
      const error = ((((r - t) % WRAP) + WRAP * 1.5) % WRAP) - WRAP / 2;
      assert.ok(Math.abs(error) <= 125.5, `seq ${seq}: off by ${error} µs`);
    }
  });
});
