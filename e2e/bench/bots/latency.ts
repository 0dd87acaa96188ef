// Join latency as a browser sees it: join (admitted) -> first video RTP packet at the new subscriber
// (issue 15). The subscriber here is an @roamhq/wrtc peer connection (libwebrtc, the browser's own
// ICE/DTLS stack and timers), not node-datachannel: libdatachannel's DTLS client waits OpenSSL's
// 1 s initial retransmission timer whenever its first ClientHello arrives before the SFU is ready,
// which made every join of every SFU take ~1 s and hid the SFU's own part.
// The first video packet is read from getStats (inbound-rtp packetsReceived), polled every 5 ms;
// the connection coming up ("connected") and the answer being accepted ("answered") are timed too.
import wrtc from '@roamhq/wrtc';
import type { SfuPeer } from '../sfu/adapter.js';

const { RTCPeerConnection } = wrtc;

export interface JoinTiming {
  total: number | null; // admitted -> first video packet (null: none within the timeout)
  connected: number | null; // admitted -> connection up (ICE + DTLS)
  answered: number; // admitted -> the SFU accepted the bot's answer (signalling done)
}

type Pc = InstanceType<typeof RTCPeerConnection>;

async function videoPackets(pc: Pc): Promise<number> {
  let n = 0;
  (await pc.getStats()).forEach((s: { type: string; kind?: string; mediaType?: string; packetsReceived?: number }) => {
    if (s.type === 'inbound-rtp' && (s.kind ?? s.mediaType) === 'video') n += s.packetsReceived ?? 0;
  });
  return n;
}

/** Receives `publisherIds` through `peer` (already admitted at `admitted`) and times the join. */
export async function timeJoin(peer: SfuPeer, publisherIds: string[], admitted: number, timeoutMs: number): Promise<{ timing: JoinTiming; close: () => void }> {
  const pc: Pc = new RTCPeerConnection({ iceServers: [] });
  let connectedAt = 0;
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected' && connectedAt === 0) connectedAt = performance.now();
  };
  // First offer and any renegotiation: answer each, with the candidates gathered (non-trickle).
  const answer = async (offerSdp: string): Promise<string> => {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((res) => {
      if (pc.iceGatheringState === 'complete') return res();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && res();
      setTimeout(res, 3000);
    });
    return pc.localDescription!.sdp;
  };
  await peer.receive(publisherIds, answer);
  const answered = performance.now();
  const until = answered + timeoutMs;
  let first = 0;
  while (first === 0 && performance.now() < until) {
    if ((await videoPackets(pc)) > 0) first = performance.now();
    else await new Promise((r) => setTimeout(r, 5));
  }
  const ms = (t: number) => Math.round(t - admitted);
  return { timing: { total: first ? ms(first) : null, connected: connectedAt ? ms(connectedAt) : null, answered: ms(answered) }, close: () => pc.close() };
}
