// TEMPORARY (issue 15): an SrtpProtector over werift's SRTP key derivation, so the forwarding fast
// path runs end to end on this branch. The "srtp" engineer's SrtpSendContext
// (sfu/srtp/SrtpContext.ts, same contract) replaces it at merge: Subscriber takes the factory by
// injection, and forward/protector.ts names this one as the default (one line to change).
//
// werift derives the session keys (RFC 3711 §4.3 KDF, which werift already tests); the sealing is
// RFC 7714 AEAD_AES_128_GCM written here because werift's encryptRtp re-serializes the header
// from its own object (the AAD must be the exact bytes the fast path wrote) and allocates three
// Buffers per packet. This still costs one createCipheriv per packet (about 5 µs; field notes:
// Node cannot reuse a GCM context across IVs), which is what the srtp engineer's addon removes.
import { createCipheriv } from 'node:crypto';
import { SrtcpSession, SrtpSession } from 'werift';
import type { SrtpMasterKeys, SrtpProtector } from '../srtp/types.js';

/** werift's number for AEAD_AES_128_GCM (RFC 7714 §14.2). */
const AEAD_AES_128_GCM = 0x0007;
const TAG = 16;
/** RFC 7714 §9.3: the E flag (encrypted) in front of the 31-bit SRTCP index. */
const SRTCP_E_FLAG = 0x8000_0000;

interface RocState {
  roc: number;
  lastSeq: number;
}

function sessionKeys(keys: SrtpMasterKeys): { key: Buffer; salt: Buffer; rtcpKey: Buffer; rtcpSalt: Buffer } {
  // Remote keys are unused by a sender; werift's Session needs both, so the local pair fills both.
  const config = { keys: { localMasterKey: keys.key, localMasterSalt: keys.salt, remoteMasterKey: keys.key, remoteMasterSalt: keys.salt }, profile: AEAD_AES_128_GCM };
  const rtp = new SrtpSession(config).localContext;
  const rtcp = new SrtcpSession(config).localContext;
  return { key: rtp.srtpSessionKey, salt: rtp.srtpSessionSalt.subarray(0, 12), rtcpKey: rtcp.srtcpSessionKey, rtcpSalt: rtcp.srtcpSessionSalt.subarray(0, 12) };
}

/** Length of the RTP header at buf[0 …) (RFC 3550 §5.1, §5.3.1), or -1 when malformed. */
function rtpHeaderLength(buf: Buffer, length: number): number {
  if (length < 12) return -1;
  let n = 12 + 4 * (buf[0]! & 0x0f);
  if (buf[0]! & 0x10) {
    if (length < n + 4) return -1;
    n += 4 + 4 * buf.readUInt16BE(n + 2);
  }
  return n <= length ? n : -1;
}

export function weriftProtector(keys: SrtpMasterKeys): SrtpProtector {
  const k = sessionKeys(keys);
  const rocs = new Map<number, RocState>();
  const rtcpIndex = new Map<number, number>();
  const iv = Buffer.alloc(12);
  const indexWord = Buffer.alloc(4);
  return {
    protectRtp(buf, length) {
      const hl = rtpHeaderLength(buf, length);
      if (hl < 0) return -1;
      const ssrc = buf.readUInt32BE(8);
      const seq = buf.readUInt16BE(2);
      let s = rocs.get(ssrc);
      if (!s) rocs.set(ssrc, (s = { roc: 0, lastSeq: seq }));
      // The fast path's sequence only moves forward (a resend after a wrap is never sealed).
      else if (seq < s.lastSeq && s.lastSeq - seq > 0x8000) s.roc = (s.roc + 1) >>> 0;
      if (((seq - s.lastSeq) & 0xffff) < 0x8000) s.lastSeq = seq;
      // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt.
      iv.fill(0);
      iv.writeUInt32BE(ssrc, 2);
      iv.writeUInt32BE(s.roc, 6);
      iv.writeUInt16BE(seq, 10);
      for (let i = 0; i < 12; i++) iv[i]! ^= k.salt[i]!;
      const c = createCipheriv('aes-128-gcm', k.key, iv);
      c.setAAD(buf.subarray(0, hl));
      const enc = c.update(buf.subarray(hl, length));
      c.final();
      enc.copy(buf, hl);
      c.getAuthTag().copy(buf, length);
      return length + TAG;
    },
    protectRtcp(buf, length) {
      if (length < 8) return -1;
      const ssrc = buf.readUInt32BE(4);
      const index = ((rtcpIndex.get(ssrc) ?? 0) + 1) & 0x7fff_ffff;
      rtcpIndex.set(ssrc, index);
      // RFC 7714 §9.1: IV = (00 00 || SSRC || 00 00 || index) XOR salt; AAD = first 8 bytes || E|index.
      iv.fill(0);
      iv.writeUInt32BE(ssrc, 2);
      iv.writeUInt32BE(index, 8);
      for (let i = 0; i < 12; i++) iv[i]! ^= k.rtcpSalt[i]!;
      indexWord.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, 0);
      const c = createCipheriv('aes-128-gcm', k.rtcpKey, iv);
      c.setAAD(Buffer.concat([buf.subarray(0, 8), indexWord]));
      const enc = c.update(buf.subarray(8, length));
      c.final();
      enc.copy(buf, 8);
      c.getAuthTag().copy(buf, length);
      indexWord.copy(buf, length + TAG);
      return length + TAG + 4;
    },
  };
}
