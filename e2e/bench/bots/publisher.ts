// Publisher bots: @roamhq/wrtc peer connections sending synthetic 640x360 30 fps VP8 (~1.5 Mbit/s)
// and a 440 Hz Opus tone, from RTCVideoSource/RTCAudioSource. One process holds any number of them;
// the frames are drawn once per tick and fed to every source (each still has its own encoder).
// Used by bots/main.ts.
import wrtc from '@roamhq/wrtc';
import type { SfuPeer } from '../sfu/adapter.js';

const { RTCPeerConnection, MediaStream, nonstandard } = wrtc;
const W = 640, H = 360, FPS = 30, KBPS = 1500;

// The SFUs send little or no congestion feedback; these SDP hints hold the encoder near KBPS so
// every SFU forwards the same load (the field notes saw werift's TWCC pin Chromium at 120 kbps).
function pinBitrate(sdp: string): string {
  const m = /a=rtpmap:(\d+) VP8\/90000/.exec(sdp);
  if (!m) return sdp;
  const pt = m[1]!;
  const hint = `x-google-min-bitrate=${Math.round(KBPS * 0.8)};x-google-start-bitrate=${KBPS};x-google-max-bitrate=${KBPS}`;
  const fmtp = new RegExp(`a=fmtp:${pt} ([^\\r\\n]*)`);
  if (fmtp.test(sdp)) return sdp.replace(fmtp, `a=fmtp:${pt} $1;${hint}`);
  return sdp.replace(`a=rtpmap:${pt} VP8/90000\r\n`, `a=rtpmap:${pt} VP8/90000\r\na=fmtp:${pt} ${hint}\r\n`);
}

interface Bot {
  pc: InstanceType<typeof RTCPeerConnection>;
  video: InstanceType<typeof nonstandard.RTCVideoSource>;
  audio: InstanceType<typeof nonstandard.RTCAudioSource>;
}
const bots: Bot[] = [];

// Synthetic picture: a scrolling gradient plus a moving noise block, so VP8 has real work each frame.
const frame = new Uint8Array(W * H * 1.5);
let n = 0;
setInterval(() => {
  if (!bots.length) return;
  n++;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) frame[y * W + x] = (x + y + n * 4) & 255;
  for (let y = 0; y < 120; y++) for (let x = 0; x < 160; x++) frame[(y + 40) * W + x + 40 + (n % 200)] = (Math.random() * 255) | 0;
  frame.fill(128, W * H);
  for (const b of bots) b.video.onFrame({ width: W, height: H, data: frame });
}, 1000 / FPS);

const samples = new Int16Array(480); // 10 ms at 48 kHz
let phase = 0;
setInterval(() => {
  if (!bots.length) return;
  for (let i = 0; i < 480; i++) {
    samples[i] = Math.sin(phase) * 8000;
    phase += (2 * Math.PI * 440) / 48000;
  }
  for (const b of bots) b.audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
}, 10);

/** Publishes one synthetic camera + microphone through `peer`; returns the id receivers use. */
export async function startPublisher(peer: SfuPeer): Promise<string> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const video = new nonstandard.RTCVideoSource();
  const audio = new nonstandard.RTCAudioSource();
  const vt = video.createTrack();
  const at = audio.createTrack();
  const stream = new MediaStream([vt, at]);
  pc.addTrack(at, stream);
  pc.addTrack(vt, stream);
  await pc.setLocalDescription(await pc.createOffer());
  // Non-trickle: wait for gathering (loopback only, so it is quick), then send the whole offer.
  await new Promise<void>((res) => {
    if (pc.iceGatheringState === 'complete') return res();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && res();
    setTimeout(res, 3000);
  });
  const { publisherId, answerSdp } = await peer.publish(pc.localDescription!.sdp);
  await pc.setRemoteDescription({ type: 'answer', sdp: pinBitrate(answerSdp) });
  bots.push({ pc, video, audio });
  return publisherId;
}

/** Waits (bounded) until every publisher's connection is up. */
export async function publishersConnected(): Promise<number> {
  for (let i = 0; i < 100 && bots.some((b) => b.pc.connectionState !== 'connected'); i++) await new Promise((r) => setTimeout(r, 100));
  return bots.filter((b) => b.pc.connectionState === 'connected').length;
}

export async function publisherStats() {
  let packets = 0, bytes = 0, connected = 0;
  for (const b of bots) {
    if (b.pc.connectionState === 'connected') connected++;
    const r = await b.pc.getStats();
    r.forEach((s: { type: string; packetsSent?: number; bytesSent?: number }) => {
      if (s.type === 'outbound-rtp') {
        packets += s.packetsSent ?? 0;
        bytes += s.bytesSent ?? 0;
      }
    });
  }
  return { t: Date.now(), packets, bytes, connected, count: bots.length };
}

export function closePublishers(): void {
  for (const b of bots) b.pc.close();
}
