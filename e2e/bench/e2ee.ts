// `npm run bench:e2ee`: what SFrame media encryption (packages/client/src/e2ee/FrameCryptor.ts)
// costs per frame, in CPU and in bytes, for 720p VP8 video and Opus audio.
//  - CPU: process.cpuUsage() (user + system, all threads: Node's WebCrypto runs AES-GCM on the
//    libuv pool, as browsers run it off the worker's thread) over many frames, one at a time as
//    an encoded-transform stream does; encrypt and decrypt separately, next to a bare WebCrypto
//    AES-128-GCM call on the same bytes as the floor.
//  - Bytes: SFrame header + 16-byte tag per frame, per RTP packet (<= 1200 bytes of payload),
//    and in bit/s. CTR grows over a meeting, so the header is shown after 1 min, 1 h and 8 h.
// Runs in about 40 s.
import { randomFillSync, randomInt } from 'node:crypto';
import { FrameCryptor, parseSFramePayload, type CryptorFrame, type FrameKind } from '@kaigi/client/e2ee/FrameCryptor';
import { encodeHeader } from '@kaigi/client/e2ee/sframe';
import { mlsKid } from '@kaigi/client/e2ee/sframe/mls';

const ROUNDS = 3; // the median round is reported: the machine may be busy with other work
const MS_PER_ROUND = 1000; // per operation and case, after warm-up
const MTU_PAYLOAD = 1200;
const TAG = 16;
const SENDER_INDEX = 5; // leaf index of the sender in the bench group
const EPOCH = 12;

interface Case {
  name: string;
  kind: FrameKind;
  keyFrame: boolean;
  /** Frame sizes drawn uniformly from [min, max] bytes. */
  min: number;
  max: number;
  /** Frames of this kind per second in a call (key frames: one every 5 s, on request). */
  fps: number;
}

// 720p30 VP8 at ~1.5-2.5 Mbit/s: deltas of 4-8 kB (6 kB mean = 1.44 Mbit/s), key frames ~60 kB.
// Opus 20 ms frames: 100-160 bytes (40-64 kbit/s), one packet each.
const CASES: Case[] = [
  { name: 'VP8 720p key frame', kind: 'video', keyFrame: true, min: 50_000, max: 70_000, fps: 0.2 },
  { name: 'VP8 720p delta frame', kind: 'video', keyFrame: false, min: 4_000, max: 8_000, fps: 29.8 },
  { name: 'Opus 20 ms frame', kind: 'audio', keyFrame: false, min: 100, max: 160, fps: 50 },
];

function makeFrames(c: Case, n: number): Uint8Array<ArrayBuffer>[] {
  return Array.from({ length: n }, () => {
    const b = randomFillSync(new Uint8Array(randomInt(c.min, c.max + 1)));
    if (c.kind === 'video') b[0] = (b[0]! & 0xfe) | (c.keyFrame ? 0 : 1); // VP8 frame tag P bit
    return b;
  });
}

interface Timing {
  cpuUs: number;
  wallUs: number;
  n: number;
}

/** Runs op over the frames (cycling) for ROUNDS x MS_PER_ROUND; CPU and wall time per call of
 * the median round (by CPU). */
async function measure(frames: Uint8Array<ArrayBuffer>[], op: (f: Uint8Array<ArrayBuffer>) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(200, frames.length); i++) await op(frames[i]!); // warm-up (JIT, key schedule)
  const rounds: Timing[] = [];
  let total = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < MS_PER_ROUND) {
      for (let i = 0; i < 50; i++) await op(frames[n++ % frames.length]!);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    rounds.push({ cpuUs: (cpu.user + cpu.system) / n, wallUs: (wall * 1000) / n, n });
    total += n;
  }
  rounds.sort((a, b) => a.cpuUs - b.cpuUs);
  return { ...rounds[Math.floor(ROUNDS / 2)]!, n: total };
}

const packets = (bytes: number): number => Math.ceil(bytes / MTU_PAYLOAD);
const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

async function main(): Promise<void> {
  const sender = new FrameCryptor();
  const receiver = new FrameCryptor();
  const secret = () => new Uint8Array(16).fill(7);
  await sender.setEpoch(EPOCH, secret(), SENDER_INDEX);
  await receiver.setEpoch(EPOCH, secret(), 9);
  const rawKey = await crypto.subtle.importKey('raw', new Uint8Array(16).fill(3), 'AES-GCM', false, ['encrypt']);
  const iv = new Uint8Array(12);

  console.log(`SFrame (RFC 9605, AES_128_GCM_SHA256_128) media encryption bench - Node ${process.version}, ${process.arch}`);
  console.log(`command: npm run bench:e2ee   (node --import tsx e2e/bench/e2ee.ts)\n`);

  const rows: string[][] = [];
  // Bytes the frame layout adds besides the SFrame header and tag (e.g. codec bytes moved into
  // the ciphertext), measured on real output so the table follows FrameCryptor's layout.
  const byCase = new Map<string, { enc: Timing; dec: Timing; meanBytes: number; layoutExtra: number }>();
  for (const c of CASES) {
    const frames = makeFrames(c, c.kind === 'video' && c.keyFrame ? 64 : 512);
    const frame = (f: Uint8Array<ArrayBuffer>): CryptorFrame => ({ data: f.buffer, kind: c.kind, keyFrame: c.keyFrame });
    const enc = await measure(frames, (f) => sender.encrypt(frame(f)));
    const encrypted: Uint8Array<ArrayBuffer>[] = [];
    for (const f of frames) encrypted.push(new Uint8Array((await sender.encrypt(frame(f)))!));
    const dec = await measure(encrypted, async (f) => {
      if (!(await receiver.decrypt(frame(f)))) throw new Error('bench frame failed to decrypt');
    });
    const floor = await measure(frames, (f) => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, rawKey, f));
    const meanBytes = frames.reduce((s, f) => s + f.length, 0) / frames.length;
    const sample = encrypted[0]!;
    const layoutExtra = sample.length - frames[0]!.length - parseSFramePayload(sample, c.kind, c.keyFrame)!.headerLength - TAG;
    byCase.set(c.name, { enc, dec, meanBytes, layoutExtra });
    rows.push([c.name, `${Math.round(meanBytes)}`, f1(enc.cpuUs), f1(dec.cpuUs), f1(floor.cpuUs), `${f1(enc.wallUs)} / ${f1(dec.wallUs)}`, `${enc.n + dec.n}`]);
  }
  table(
    'CPU per frame (microseconds of CPU, all threads; one frame at a time)',
    ['frame', 'mean bytes', 'encrypt', 'decrypt', 'bare AES-GCM', 'wall enc / dec', 'frames timed'],
    rows,
  );

  // Bytes. The CTR is one counter for every stream the sender encrypts: 720p30 x 3 simulcast
  // layers (90 frames/s) + Opus (50 frames/s) = 140 frames/s.
  const kid = mlsKid(SENDER_INDEX, EPOCH);
  const ctrAfter = (s: number) => BigInt(Math.round(140 * s));
  const ages: [string, bigint][] = [
    ['1 min', ctrAfter(60)],
    ['1 h', ctrAfter(3600)],
    ['8 h', ctrAfter(8 * 3600)],
  ];
  const hdr = ages.map(([, ctr]) => encodeHeader(kid, ctr).length);
  console.log(`\nSFrame header: config byte + KID 0x${kid.toString(16)} (leaf ${SENDER_INDEX}, epoch ${EPOCH}) + CTR; ` +
    ages.map(([a, ctr], i) => `${hdr[i]} bytes after ${a} (CTR ${ctr})`).join(', ') + `. Tag: ${TAG} bytes.`);
  const byteRows: string[][] = [];
  for (const c of CASES) {
    const { meanBytes: mean, layoutExtra } = byCase.get(c.name)!;
    const overhead = hdr[1]! + TAG + layoutExtra; // a meeting an hour in
    const frames = makeFrames(c, 4000);
    let before = 0;
    let after = 0;
    for (const f of frames) {
      before += c.kind === 'audio' ? 1 : packets(f.length);
      after += c.kind === 'audio' ? 1 : packets(f.length + overhead);
    }
    const perFramePackets = after / frames.length;
    byteRows.push([
      c.name,
      layoutExtra ? `${overhead} (${layoutExtra} layout)` : `${overhead}`,
      pct(overhead / mean),
      f1(perFramePackets),
      f1(overhead / perFramePackets),
      pct(after / before - 1),
      `${f1((overhead * 8 * c.fps) / 1000)} kbit/s at ${c.fps}/s`,
    ]);
  }
  table(
    `Byte overhead (header after 1 h + tag; packets carry <= ${MTU_PAYLOAD} bytes of frame)`,
    ['frame', 'bytes/frame', 'of frame', 'packets/frame', 'bytes/packet', 'extra packets', 'bitrate'],
    byteRows,
  );

  const key = byCase.get(CASES[0]!.name)!;
  const delta = byCase.get(CASES[1]!.name)!;
  const opus = byCase.get(CASES[2]!.name)!;
  // One key frame every 5 s (on a request) among 720p30 deltas, plus Opus at 50 frames/s.
  const perSec = (t: 'enc' | 'dec') => (key[t].cpuUs * CASES[0]!.fps + delta[t].cpuUs * CASES[1]!.fps + opus[t].cpuUs * CASES[2]!.fps) / 1e6;
  console.log(`\nOne 720p30 + Opus stream (a key frame every 5 s): sending costs ${pct(perSec('enc'))} of a core, ` +
    `receiving ${pct(perSec('dec'))} per stream (e.g. ${pct(perSec('dec') * 8)} for 8 visible senders).`);
}

function table(title: string, head: string[], rows: string[][]): void {
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  console.log(title);
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
}

await main();
