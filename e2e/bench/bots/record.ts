// Records the replay fixture (bots/replay.ts) once: the @roamhq/wrtc publisher bot (publisher.ts:
// synthetic 640x360 VP8 at ~1.5 Mbit/s + Opus) publishes to a node-datachannel peer in this
// process, which keeps the RTP payloads of LOOP_S seconds starting at a VP8 key frame.
// Usage (root; it isolates itself in a loopback-only namespace):
//   node --import tsx e2e/bench/bots/record.ts
import { fileURLToPath } from 'node:url';
import { cleanup, PeerConnection, RtcpReceivingSession, type Track } from 'node-datachannel';
import { isolateOrReexec } from '../lib/netns.js';
import type { SfuPeer } from '../sfu/adapter.js';
import { closePublishers, startPublisher } from './publisher.js';
import { FIXTURE, writeFixture, type Packet } from './replay.js';

isolateOrReexec(fileURLToPath(import.meta.url));

const WARMUP_MS = 10_000; // the encoder reaches its bitrate
const LOOP_S = 4;

/** The RTP payload: after the 12-byte header, CSRCs and the header extension, before padding. */
function payloadOf(b: Buffer): Buffer {
  let o = 12 + 4 * (b[0]! & 0x0f);
  if (b[0]! & 0x10) o += 4 + 4 * b.readUInt16BE(o + 2);
  const pad = b[0]! & 0x20 ? b[b.length - 1]! : 0;
  return b.subarray(o, Math.max(o, b.length - pad));
}

/** The payload type the offer gives a codec (audio: opus, video: VP8). */
function ptOf(sdp: string, codec: string): number {
  const m = new RegExp(`a=rtpmap:(\\d+) ${codec}/`, 'i').exec(sdp);
  if (!m) throw new Error(`the publisher offers no ${codec}`);
  return Number(m[1]);
}

/** VP8 (RFC 7741): the first packet of a key frame. */
function isVp8KeyStart(p: Buffer): boolean {
  const d = p[0]!;
  if (!(d & 0x10) || (d & 0x07) !== 0) return false; // S=1, partition 0
  let o = 1;
  if (d & 0x80) {
    const x = p[o++]!;
    if (x & 0x80) o += p[o]! & 0x80 ? 2 : 1; // PictureID
    if (x & 0x40) o++; // TL0PICIDX
    if (x & 0x30) o++; // TID/KEYIDX
  }
  return (p[o]! & 0x01) === 0; // P bit 0: key frame
}

const rx = new PeerConnection('recorder', { iceServers: [], bindAddress: '127.0.0.1' });
const tracks: Track[] = [];
const packets: Packet[] = [];
let t0 = 0;
const ts0: [number | null, number | null] = [null, null];
const pts: [number, number] = [-1, -1]; // opus, VP8: from the publisher's offer
let red = -1;
let recording = false;
let done: () => void = () => undefined;
const finished = new Promise<void>((r) => (done = r));

rx.onTrack((track) => {
  tracks.push(track);
  const kind = track.type() === 'video' ? 1 : 0;
  // Lets requestKeyframe() send a PLI: libwebrtc's VP8 makes key frames only on request.
  if (kind === 1) track.setMediaHandler(new RtcpReceivingSession());
  track.onMessage((b) => {
    if (b.length < 12) return;
    let payload = payloadOf(b);
    // libwebrtc wraps VP8 in RED (RFC 2198) to carry ULPFEC when the answer accepts it: keep the
    // primary block (one-byte header, F=0) when it is VP8; FEC blocks are dropped.
    if ((b[1]! & 0x7f) === red && payload.length > 1 && !(payload[0]! & 0x80) && (payload[0]! & 0x7f) === pts[1]) payload = payload.subarray(1);
    else if ((b[1]! & 0x7f) !== pts[kind]) return; // RTCP, RTX, FEC, other codecs
    if (!payload.length) return;
    if (!recording) {
      if (kind !== 1 || !isVp8KeyStart(payload) || performance.now() - t0 < WARMUP_MS) return;
      recording = true;
      t0 = performance.now();
    }
    const ts = b.readUInt32BE(4);
    const base = (ts0[kind] ??= ts);
    const tUs = Math.round((performance.now() - t0) * 1000);
    if (tUs > LOOP_S * 1e6) return done();
    packets.push({ kind, marker: (b[1]! & 0x80) !== 0, tUs, tsOff: (ts - base) >>> 0, payload: Buffer.from(payload) });
  });
});

const peer: SfuPeer = {
  async publish(offerSdp) {
    pts[0] = ptOf(offerSdp, 'opus');
    pts[1] = ptOf(offerSdp, 'VP8');
    red = /a=rtpmap:(\d+) red\/90000/.exec(offerSdp) ? Number(/a=rtpmap:(\d+) red\/90000/.exec(offerSdp)![1]) : -1;
    const gathered = new Promise<void>((r) => rx.onGatheringStateChange((st) => st === 'complete' && r()));
    rx.setRemoteDescription(offerSdp, 'offer');
    await Promise.race([gathered, new Promise((r) => setTimeout(r, 3000))]);
    return { publisherId: 'recorder', answerSdp: rx.localDescription()!.sdp };
  },
  async receive() {},
  async leave() {},
};

t0 = performance.now();
await startPublisher(peer);
const keyframes = setInterval(() => {
  if (!recording) for (const t of tracks) if (t.type() === 'video') t.requestKeyframe();
}, 1000);
await Promise.race([finished, new Promise((r) => setTimeout(r, WARMUP_MS + 30_000))]);
clearInterval(keyframes);
if (!recording) {
  console.error('record: no key frame seen');
  process.exit(1);
}
writeFixture(FIXTURE, packets);
const bytes = packets.reduce((x, p) => x + 12 + p.payload.length, 4);
console.log(`record: ${packets.length} packets (${packets.filter((p) => p.kind === 1).length} video), ${LOOP_S} s, ${bytes} bytes -> ${FIXTURE}`);
closePublishers();
rx.close();
cleanup();
process.exit(0);
