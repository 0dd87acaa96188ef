// The werift reference: a deliberately plain forwarding SFU, the "general WebRTC stack" baseline
// Kaigi's SFU is compared with. One RTCPeerConnection per client; every RTP packet a publisher
// sends is cloned once per subscriber (werift's sendRtp mutates the packet it is given) and
// written to that subscriber's track. No simulcast, no congestion control, PLI on join and every 10 s.
// HTTP signalling on 127.0.0.1 (bench only):
//   POST /publish   {sdp}            -> {id, sdp}       publisher offers, SFU answers
//   POST /subscribe {publisherIds}   -> {id, sdp}       SFU offers the publishers' tracks
//   POST /answer    {id, sdp}        -> {}
//   GET  /stats                      -> {forwarded, publishers, subscribers}
// usage: node --import tsx server.ts PORT
import http from 'node:http';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';

const PORT = Number(process.argv[2]);
type Kind = 'audio' | 'video';

const pcConfig = () => ({
  iceUseIpv6: false,
  // werift skips loopback when gathering; the bench runs in a loopback-only namespace.
  iceAdditionalHostAddresses: ['127.0.0.1'],
  codecs: {
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        payloadType: 96,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
      }),
    ],
  },
});

interface Sub { pc: RTCPeerConnection; live: boolean }
interface Pub {
  pc: RTCPeerConnection;
  videoSsrc?: number;
  sinks: Record<Kind, { sub: Sub; track: MediaStreamTrack }[]>;
}

const pubs = new Map<string, Pub>();
const subs = new Map<string, Sub>();
let nextId = 1;
let forwarded = 0;

function requestKeyframe(p: Pub): void {
  if (p.videoSsrc === undefined) return;
  for (const t of p.pc.getTransceivers()) if (t.kind === 'video') t.receiver.sendRtcpPLI(p.videoSsrc).catch(() => undefined);
}

async function publish(sdp: string) {
  const pc = new RTCPeerConnection(pcConfig());
  const pub: Pub = { pc, sinks: { audio: [], video: [] } };
  pc.onTrack.subscribe((track) => {
    const kind = track.kind as Kind;
    if (kind === 'video') pub.videoSsrc = track.ssrc;
    track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      for (const s of pub.sinks[kind]) {
        if (!s.sub.live) continue;
        s.track.writeRtp(rtp.clone()); // one copy per subscriber
        forwarded++;
      }
    });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  const id = `p${nextId++}`;
  pubs.set(id, pub);
  return { id, sdp: pc.localDescription!.sdp };
}

async function subscribe(publisherIds: string[]) {
  const pc = new RTCPeerConnection(pcConfig());
  const sub: Sub = { pc, live: false };
  const targets = publisherIds.map((id) => {
    const p = pubs.get(id);
    if (!p) throw new Error(`no publisher ${id}`);
    return p;
  });
  for (const p of targets) {
    for (const kind of ['audio', 'video'] as const) {
      const track = new MediaStreamTrack({ kind });
      pc.addTransceiver(track, { direction: 'sendonly' });
      p.sinks[kind].push({ sub, track });
    }
  }
  pc.connectionStateChange.subscribe((st) => {
    if (st === 'connected') {
      sub.live = true;
      targets.forEach(requestKeyframe);
    }
    if (st === 'failed' || st === 'closed' || st === 'disconnected') sub.live = false;
  });
  await pc.setLocalDescription(await pc.createOffer());
  const id = `s${nextId++}`;
  subs.set(id, sub);
  return { id, sdp: pc.localDescription!.sdp };
}

async function answer(id: string, sdp: string) {
  const s = subs.get(id);
  if (!s) throw new Error(`no subscriber ${id}`);
  await s.pc.setRemoteDescription({ type: 'answer', sdp });
  return {};
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', async () => {
    try {
      const j = body ? (JSON.parse(body) as { sdp?: string; id?: string; publisherIds?: string[] }) : {};
      let out: unknown;
      if (req.url === '/publish') out = await publish(String(j.sdp));
      else if (req.url === '/subscribe') out = await subscribe(j.publisherIds ?? []);
      else if (req.url === '/answer') out = await answer(String(j.id), String(j.sdp));
      else if (req.url === '/stats') out = { forwarded, publishers: pubs.size, subscribers: [...subs.values()].filter((s) => s.live).length };
      else return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    } catch (e) {
      console.error(e);
      res.writeHead(500).end(JSON.stringify({ error: String(e) }));
    }
  });
});
server.listen(PORT, '127.0.0.1', () => console.log(`reference sfu on 127.0.0.1:${PORT}`));
setInterval(() => pubs.forEach(requestKeyframe), 10_000).unref();
// The bench owns this process: stop with it (stdin closes when the parent dies) or on SIGTERM.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
