import type { RTCRtpSender } from 'werift';

/** How many sent packets a sender remembers for transport-cc: well over a second of video. */
export const SENT_HISTORY = 1024;

interface SentInfo {
  wideSeq: number;
}

/**
 * werift 0.24.4's `SenderBandwidthEstimator.rtpPacketSent` meant to forget older packets but
 * reads the keys of the packet it was given instead of its own table, so every sender keeps an
 * entry per transport-wide sequence number, up to 65,536 of them: the soak (`npm run soak`) saw
 * the heap grow by about 22 MB a minute, traced by a heap snapshot to these tables (D5, A6).
 * This keeps the last SENT_HISTORY entries, which is what the estimator reads feedback against.
 * Nothing in Kaigi reads the estimate itself. Since issue 15 a Consumer on the forwarding fast
 * path (forward/Downlink.ts) never calls werift's sendRtp, so its table stays empty; the fix
 * stays for transports that did not negotiate AEAD_AES_128_GCM, which still send through werift.
 */
export function boundSentHistory(sender: RTCRtpSender): void {
  const bwe = sender.senderBWE as unknown as { sentInfos: Record<number, SentInfo>; rtpPacketSent: (info: SentInfo) => void };
  if (typeof bwe.sentInfos !== 'object' || typeof bwe.rtpPacketSent !== 'function') {
    throw new Error('werift changed its sender bandwidth estimator: review sfu/senderHistory.ts');
  }
  // The transport-wide sequence is shared by all senders of a transport, so one sender's numbers
  // skip: a ring of the numbers this sender used says which entry falls out.
  const ring = new Int32Array(SENT_HISTORY).fill(-1);
  let next = 0;
  bwe.rtpPacketSent = (info: SentInfo) => {
    const old = ring[next] ?? -1;
    if (old >= 0 && old !== info.wideSeq) delete bwe.sentInfos[old];
    ring[next] = info.wideSeq;
    next = (next + 1) % SENT_HISTORY;
    bwe.sentInfos[info.wideSeq] = info;
  };
}
