// Subscriber bots: node-datachannel (libdatachannel) receive-only peer connections, any number per
// process. They answer the SFU's offer, count RTP per SSRC and do not decode or send RTCP, so the
// SFU's plain forwarding is what is measured (no NACK/retransmission work).
// Loss is by sequence gaps: per stream, expected = growth of the extended highest sequence number,
// lost = expected - received, both between two snapshots (RFC 3550 style).
// Used by bots/main.ts.
import { cleanup, initLogger, PeerConnection, type Track } from 'node-datachannel';
import type { SfuPeer } from '../sfu/adapter.js';

initLogger('Error', () => undefined);

interface Stream { pkts: number; bytes: number; first: number; maxExt: number }
interface Sub {
  pc: PeerConnection;
  tracks: Track[]; // kept referenced: node-datachannel closes tracks that are garbage-collected
  state: string;
  streams: Map<number, Stream>;
  rtcp: number;
}
const subs: Sub[] = [];

function onPacket(s: Sub, buf: Buffer): void {
  if (buf.length < 12) return;
  const pt = buf[1]!;
  if (pt >= 192 && pt <= 223) return void s.rtcp++; // RTCP (SR/SDES from the SFU)
  const ssrc = buf.readUInt32BE(8);
  const seq = buf.readUInt16BE(2);
  let st = s.streams.get(ssrc);
  if (!st) s.streams.set(ssrc, (st = { pkts: 0, bytes: 0, first: seq, maxExt: seq }));
  st.pkts++;
  st.bytes += buf.length;
  // Extend the 16-bit sequence number: forward steps under half the space advance (with wrap).
  const delta = (seq - (st.maxExt & 0xffff) + 0x10000) & 0xffff;
  if (delta > 0 && delta < 0x8000) st.maxExt += delta;
}

/** Receives `publisherIds` through `peer` on one node-datachannel connection. */
export async function startReceiver(peer: SfuPeer, name: string, publisherIds: string[], bindAddress = '127.0.0.1'): Promise<void> {
  let s: Sub | undefined;
  // Called for the first offer and for every renegotiation (libdatachannel answers re-offers itself).
  const answer = async (offerSdp: string): Promise<string> => {
    if (!s) {
      const pc = new PeerConnection(name, { iceServers: [], bindAddress });
      const sub: Sub = (s = { pc, tracks: [], state: 'new', streams: new Map(), rtcp: 0 });
      subs.push(sub);
      pc.onStateChange((st) => (sub.state = st));
      pc.onTrack((track) => {
        sub.tracks.push(track);
        track.onMessage((buf) => onPacket(sub, buf));
      });
      const gathered = new Promise<void>((res) => pc.onGatheringStateChange((st) => st === 'complete' && res()));
      pc.setRemoteDescription(offerSdp, 'offer');
      await Promise.race([gathered, new Promise((r) => setTimeout(r, 3000))]);
    } else {
      s.pc.setRemoteDescription(offerSdp, 'offer');
      for (let i = 0; i < 40 && s.pc.signalingState() !== 'stable'; i++) await new Promise((r) => setTimeout(r, 50));
    }
    return s.pc.localDescription()!.sdp;
  };
  await peer.receive(publisherIds, answer);
}

/** Waits (bounded) until every receiving connection is up; returns how many are. */
export async function receiversConnected(): Promise<number> {
  const connected = () => subs.filter((s) => s.state === 'connected').length;
  for (let i = 0; i < 150 && connected() < subs.length; i++) await new Promise((r) => setTimeout(r, 100));
  return connected();
}

export function receiverTotals() {
  let pkts = 0, bytes = 0, expected = 0, rtcp = 0, streams = 0;
  for (const s of subs) {
    rtcp += s.rtcp;
    for (const st of s.streams.values()) {
      pkts += st.pkts;
      bytes += st.bytes;
      expected += st.maxExt - st.first + 1;
      streams++;
    }
  }
  return { t: Date.now(), pkts, bytes, expected, rtcp, streams, connected: subs.filter((s) => s.state === 'connected').length };
}
export type SubTotals = ReturnType<typeof receiverTotals>;

export function closeReceivers(): void {
  for (const s of subs) try { s.pc.close(); } catch { /* closing anyway */ }
  cleanup();
}
