// Replaying publisher bots (issue 15, item 4: "bots that cost little CPU"): node-datachannel peer
// connections (libdatachannel does ICE/DTLS/SRTP natively) that send a recorded VP8 + Opus RTP
// stream (fixtures/replay-vp8-opus.bin, made by bots/record.ts) at real-time pace, in a loop, with
// continuous sequence numbers and timestamps. No encoder runs, so a mesh measures the SFU rather
// than the bots. Each loop starts with a key frame (the recording does), so a subscriber that joins
// gets one within a loop's length even though a replay cannot answer a keyframe request.
// Fixture format (little-endian), after the 4-byte magic "KRP1": records of
//   u8 kind (0 audio, 1 video) | u8 marker | u32 time (µs from the start) | u32 RTP timestamp offset |
//   u16 payload length | payload (the RTP payload, header and extensions removed).
import fs from 'node:fs';
import path from 'node:path';
import { Audio, PeerConnection, Video, type Track } from 'node-datachannel';
import { BENCH_DIR } from '../lib/proc.js';
import type { SfuPeer } from '../sfu/adapter.js';

export const FIXTURE = path.join(BENCH_DIR, 'fixtures/replay-vp8-opus.bin');
const MAGIC = 'KRP1';
const VP8_PT = 96;
const OPUS_PT = 111;
const CLOCK = [48_000, 90_000] as const; // audio, video

export interface Packet {
  kind: 0 | 1;
  marker: boolean;
  tUs: number;
  tsOff: number;
  payload: Buffer;
}

export function writeFixture(file: string, packets: Packet[]): void {
  const parts: Buffer[] = [Buffer.from(MAGIC)];
  for (const p of packets) {
    const h = Buffer.alloc(12);
    h.writeUInt8(p.kind, 0);
    h.writeUInt8(p.marker ? 1 : 0, 1);
    h.writeUInt32LE(p.tUs, 2);
    h.writeUInt32LE(p.tsOff >>> 0, 6);
    h.writeUInt16LE(p.payload.length, 10);
    parts.push(h, p.payload);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat(parts));
}

export function readFixture(file = FIXTURE): Packet[] {
  const b = fs.readFileSync(file);
  if (b.subarray(0, 4).toString() !== MAGIC) throw new Error(`${file}: not a replay fixture`);
  const out: Packet[] = [];
  for (let o = 4; o + 12 <= b.length; ) {
    const len = b.readUInt16LE(o + 10);
    out.push({ kind: b.readUInt8(o) === 1 ? 1 : 0, marker: b.readUInt8(o + 1) === 1, tUs: b.readUInt32LE(o + 2), tsOff: b.readUInt32LE(o + 6), payload: b.subarray(o + 12, o + 12 + len) });
    o += 12 + len;
  }
  return out;
}

interface Replayer {
  pc: PeerConnection;
  tracks: [Track, Track]; // audio, video (kept referenced: node-datachannel closes collected tracks)
  ssrc: [number, number];
  seq: [number, number];
  ts0: [number, number];
  start: number; // performance.now() of loop 0 (phase-shifted per bot, so bots do not send in step)
  loop: number;
  next: number; // index of the next packet in the fixture
  connected: boolean;
}

const replayers: Replayer[] = [];
let fixture: Packet[] | undefined;
let loopUs = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function rtp(r: Replayer, p: Packet): Buffer {
  const k = p.kind;
  const b = Buffer.allocUnsafe(12 + p.payload.length);
  b[0] = 0x80;
  b[1] = (p.marker ? 0x80 : 0) | (k === 1 ? VP8_PT : OPUS_PT);
  b.writeUInt16BE(r.seq[k], 2);
  r.seq[k] = (r.seq[k] + 1) & 0xffff;
  // Timestamps run on across loops: each loop adds the loop's length in the media clock.
  const ts = r.ts0[k] + p.tsOff + Math.round((r.loop * loopUs * CLOCK[k]) / 1e6);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(r.ssrc[k], 8);
  p.payload.copy(b, 12);
  return b;
}

/** Sends, for every replayer, each packet whose time has come (one timer for the whole process). */
function tick(): void {
  const f = fixture!;
  const now = performance.now();
  for (const r of replayers) {
    if (!r.connected) continue;
    for (;;) {
      const p = f[r.next]!;
      if (r.start + (r.loop * loopUs + p.tUs) / 1000 > now) break;
      try {
        r.tracks[p.kind].sendMessageBinary(rtp(r, p));
      } catch {
        /* track not open yet or closed: the packet counts as lost, as on a network */
      }
      if (++r.next === f.length) {
        r.next = 0;
        r.loop++;
      }
    }
  }
}

const rand32 = () => (Math.random() * 0xffffffff) >>> 0;

/** Publishes the recorded camera + microphone through `peer`; returns the id receivers use. */
export async function startReplayPublisher(peer: SfuPeer, name: string, bindAddress = '127.0.0.1', dtlsClient = false): Promise<string> {
  if (!fixture) {
    fixture = readFixture();
    const last = fixture[fixture.length - 1]!;
    loopUs = last.tUs + 33_333; // one frame interval after the last packet, then the loop restarts
  }
  const pc = new PeerConnection(name, { iceServers: [], bindAddress });
  const ssrc: [number, number] = [rand32(), rand32()];
  const audio = new Audio('0', 'SendOnly');
  audio.addOpusCodec(OPUS_PT);
  audio.addSSRC(ssrc[0], name, name, `${name}-a`);
  const video = new Video('1', 'SendOnly');
  video.addVP8Codec(VP8_PT);
  video.addSSRC(ssrc[1], name, name, `${name}-v`);
  const tracks: [Track, Track] = [pc.addTrack(audio), pc.addTrack(video)];
  const r: Replayer = { pc, tracks, ssrc, seq: [rand32() & 0xffff, rand32() & 0xffff], ts0: [rand32(), rand32()], start: 0, loop: 0, next: 0, connected: false };
  pc.onStateChange((st) => {
    if (st === 'connected' && !r.connected) {
      // From the loop's beginning (its key frame), after a random phase so bots do not send in step.
      r.start = performance.now() + Math.random() * (loopUs / 1000);
      r.connected = true;
    }
  });
  const gathered = new Promise<void>((res) => pc.onGatheringStateChange((st) => st === 'complete' && res()));
  pc.setLocalDescription();
  await Promise.race([gathered, new Promise((res) => setTimeout(res, 3000))]);
  const offer = pc.localDescription()!.sdp;
  // See SignalConfig.publisherDtlsClient.
  const { publisherId, answerSdp } = await peer.publish(dtlsClient ? offer.replaceAll('a=setup:actpass', 'a=setup:active') : offer);
  pc.setRemoteDescription(answerSdp, 'answer');
  replayers.push(r);
  timer ??= setInterval(tick, 5);
  return publisherId;
}

export async function replayersConnected(): Promise<number> {
  for (let i = 0; i < 100 && replayers.some((r) => !r.connected); i++) await new Promise((res) => setTimeout(res, 100));
  return replayers.filter((r) => r.connected).length;
}

export function closeReplayers(): void {
  if (timer) clearInterval(timer);
  for (const r of replayers) try { r.pc.close(); } catch { /* closing anyway */ }
}
