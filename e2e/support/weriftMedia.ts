// A media client with no browser: a werift peer in the test process that publishes a
// synthetic Opus stream through Kaigi's signalling, or receives what the SFU sends. For tests
// of the media plane itself (who may talk to the SFU's ports), where Chromium adds nothing.
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useSdesMid } from 'werift';
import type { WsClient } from './ws.js';

function peer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 })],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

/** The ICE ufrag and the first host candidate's port of an SDP. */
export function iceOf(sdp: string): { ufrag: string; port: number } {
  const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
  const port = /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/.exec(sdp)?.[1];
  if (!ufrag || !port) throw new Error(`no ICE ufrag or UDP candidate in:\n${sdp}`);
  return { ufrag, port: Number(port) };
}

export interface WeriftPublisher {
  pc: RTCPeerConnection;
  /** Our offer and the server's answer. */
  offer: string;
  answer: string;
  stop(): void;
}

/** Publishes the microphone source: a 20 ms Opus-sized packet stream, until stop(). */
export async function publishAudio(ws: WsClient): Promise<WeriftPublisher> {
  const pc = peer();
  const track = new MediaStreamTrack({ kind: 'audio' });
  const t = pc.addTransceiver(track, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const offer = pc.localDescription!.sdp;
  const r = await ws.request({ type: 'publish', sdp: offer, tracks: [{ mid: t.mid, source: 'microphone' }] }, 15_000);
  if (r.type !== 'publishAnswer') throw new Error(`publish refused: ${JSON.stringify(r)}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: r.sdp });
  let seq = 0;
  const timer = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0x1234, marker: false });
    track.writeRtp(new RtpPacket(header, Buffer.alloc(80, 0xf8)));
  }, 20);
  return {
    pc,
    offer,
    answer: r.sdp,
    stop: () => {
      clearInterval(timer);
      void pc.close();
    },
  };
}

export interface WeriftSubscriber {
  pc: RTCPeerConnection;
  /** The SFU's last offer and our answer to it. */
  offer: string;
  answer: string;
  /** RTP packets received and decrypted so far. */
  received: number;
  close(): void;
}

/** Answers every subscribeOffer on `ws` with one werift peer and counts the RTP it receives. */
export function subscribe(ws: WsClient): WeriftSubscriber {
  const pc = peer();
  const sub: WeriftSubscriber = { pc, offer: '', answer: '', received: 0, close: () => void pc.close() };
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => sub.received++));
  let chain = Promise.resolve();
  ws.socket.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; sdp?: string };
    if (m.type !== 'subscribeOffer' || !m.sdp) return;
    const sdp = m.sdp;
    chain = chain.then(async () => {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      sub.offer = sdp;
      sub.answer = pc.localDescription!.sdp;
      await ws.request({ type: 'subscribeAnswer', sdp: sub.answer }, 15_000);
    });
  });
  return sub;
}
