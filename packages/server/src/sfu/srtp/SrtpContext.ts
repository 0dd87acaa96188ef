// Kaigi's own SRTP for AEAD_AES_128_GCM (RFC 7714; issue 15 item 2, D5, A6). One context per
// direction of a DTLS association, built from the keys werift's DTLS exports (Transport.srtpKeys()).
// Hot path: protectRtp writes the IV into a preallocated buffer, looks the SSRC up and seals in
// place; with the native AesGcm it allocates nothing (test/sfu/srtp/hotPath.test.ts). 32-bit
// fields (SSRC, ROC, SRTCP index) are handled as 16-bit halves so that no value outside V8's small
// integers is ever passed around (each such value would be a heap allocation). Every length is
// checked against the packet before it is read.

import { createAesGcm } from './aesGcm.js';
import { deriveSessionKeys, type SrtpSessionKeys } from './kdf.js';
import { SsrcTable } from './ssrcTable.js';
import { IndexState, guessRoc, packetIndex } from './srtpIndex.js';
import {
  SRTCP_OVERHEAD,
  SRTP_OVERHEAD,
  type AesGcm,
  type AesGcmFactory,
  type SrtpMasterKeys,
  type SrtpProtector,
  type SrtpUnprotector,
} from './types.js';

const RTP_HEADER = 12;
const RTCP_HEADER = 8;
const TAG = 16;
const SRTCP_INDEX_MASK = 0x7fffffff;
/**
 * SSRCs remembered per context. The sender's are Kaigi's own (a subscriber of a 100-person meeting
 * gets a few hundred; forgetSsrc() drops one whose stream ended); the receiver's are created only
 * by authenticated packets, and bounded so a peer cannot grow the table without limit. The least
 * recently used entry goes when full.
 */
export const MAX_SEND_SSRCS = 4096;
export const MAX_RECEIVE_SSRCS = 256;

/**
 * Length of the RTP header (fixed part, CSRCs, header extension) of buf[0, length), or -1 when it
 * is not RTP version 2 or the header does not fit in `length`.
 */
export function rtpHeaderLength(buf: Buffer, length: number): number {
  if (length < RTP_HEADER || length > buf.length) return -1;
  const b0 = buf.readUInt8(0);
  if (b0 >> 6 !== 2) return -1;
  let end = RTP_HEADER + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (end + 4 > length) return -1;
    end += 4 + buf.readUInt16BE(end + 2) * 4;
  }
  return end <= length ? end : -1;
}

/**
 * Writes GCM IVs: RFC 7714 §8.1 (RTP) 00 00 || SSRC || ROC || SEQ and §9.1 (RTCP)
 * 00 00 || SSRC || 00 00 || 0 || SRTCP index, each XOR the 12-byte session salt, kept as six
 * 16-bit halves. Arguments are 16-bit halves too (small integers, never boxed).
 */
class IvWriter {
  private readonly s: readonly [number, number, number, number, number, number];

  constructor(salt: Buffer) {
    if (salt.length !== 12) throw new RangeError('GCM session salt must be 12 bytes');
    const half = (at: number): number => salt.readUInt16BE(at);
    this.s = [half(0), half(2), half(4), half(6), half(8), half(10)];
  }

  write(iv: Buffer, ssrcHi: number, ssrcLo: number, w3: number, w4: number, w5: number): void {
    const s = this.s;
    iv.writeUInt16BE(s[0], 0);
    iv.writeUInt16BE(s[1] ^ ssrcHi, 2);
    iv.writeUInt16BE(s[2] ^ ssrcLo, 4);
    iv.writeUInt16BE(s[3] ^ w3, 6);
    iv.writeUInt16BE(s[4] ^ w4, 8);
    iv.writeUInt16BE(s[5] ^ w5, 10);
  }

  /** RTP: w3..w5 = ROC high, ROC low, SEQ. */
  rtp(iv: Buffer, ssrcHi: number, ssrcLo: number, roc: number, seq: number): void {
    this.write(iv, ssrcHi, ssrcLo, (roc / 0x10000) | 0, roc & 0xffff, seq);
  }

  /** RTCP: w3..w5 = 0, SRTCP index high (31-bit index), index low. */
  rtcp(iv: Buffer, ssrcHi: number, ssrcLo: number, indexHi: number, indexLo: number): void {
    this.write(iv, ssrcHi, ssrcLo, 0, indexHi & 0x7fff, indexLo);
  }
}

function checkRoom(buf: Buffer, length: number, overhead: number): void {
  if (!Buffer.isBuffer(buf)) throw new TypeError('buf must be a Buffer');
  if (!Number.isInteger(length) || length < 0 || length + overhead > buf.length) {
    throw new RangeError('length out of range or no room for the SRTP overhead');
  }
}

function copySessionKeys(keys: SrtpSessionKeys): SrtpSessionKeys {
  if (keys.rtpSalt.length !== 12 || keys.rtcpSalt.length !== 12) throw new RangeError('GCM session salts are 12 bytes');
  return {
    rtpKey: Buffer.from(keys.rtpKey),
    rtpSalt: Buffer.from(keys.rtpSalt),
    rtcpKey: Buffer.from(keys.rtcpKey),
    rtcpSalt: Buffer.from(keys.rtcpSalt),
  };
}

interface Ciphers {
  rtp: AesGcm;
  rtpIv: IvWriter;
  rtcp: AesGcm;
  rtcpIv: IvWriter;
}

/**
 * Session keys from the DTLS-exported master keys, or given directly (RFC 7714's test vectors are
 * written with session keys).
 */
function makeCiphers(keys: SrtpMasterKeys | SrtpSessionKeys, factory: AesGcmFactory): Ciphers {
  const session = 'rtpKey' in keys ? copySessionKeys(keys) : deriveSessionKeys(keys);
  const ciphers = {
    rtp: factory(session.rtpKey),
    rtpIv: new IvWriter(session.rtpSalt),
    rtcp: factory(session.rtcpKey),
    rtcpIv: new IvWriter(session.rtcpSalt),
  };
  // The AesGcm implementations keep their own copy (or key schedule) of the session keys.
  for (const b of [session.rtpKey, session.rtpSalt, session.rtcpKey, session.rtcpSalt]) b.fill(0);
  return ciphers;
}

/** The sending half: one rollover counter per SSRC, one SRTCP index for the context. */
export class SrtpSendContext implements SrtpProtector {
  private readonly c: Ciphers;
  private readonly streams = new SsrcTable<IndexState>(MAX_SEND_SSRCS);
  private readonly iv = Buffer.alloc(12);
  private readonly rtcpTrailer = Buffer.alloc(4);
  private rtcpIndex = 0;
  /** Packets protected so far: the SSRC table's clock for least-recently-used eviction. */
  private packets = 0;

  constructor(keys: SrtpMasterKeys | SrtpSessionKeys, factory: AesGcmFactory = createAesGcm) {
    this.c = makeCiphers(keys, factory);
  }

  /**
   * Encrypts buf[0, length) in place and appends the tag (buf needs SRTP_OVERHEAD bytes of room).
   * The ROC comes from index estimation against the highest sequence number sent, so a
   * retransmission of an older packet (NACK answer) gets the ROC it was first sent with.
   * Throws on a malformed packet or a buffer without room: the caller built the packet.
   */
  protectRtp(buf: Buffer, length: number): number {
    checkRoom(buf, length, SRTP_OVERHEAD);
    const headerEnd = rtpHeaderLength(buf, length);
    if (headerEnd < 0) throw new RangeError('not an RTP packet (header overruns the packet)');
    const seq = buf.readUInt16BE(2);
    const ssrcHi = buf.readUInt16BE(8);
    const ssrcLo = buf.readUInt16BE(10);
    let state = this.streams.get(ssrcHi, ssrcLo);
    if (state === undefined) {
      state = new IndexState(packetIndex(0, seq), false);
      this.streams.add(ssrcHi, ssrcLo, state);
    }
    state.lastUsed = ++this.packets;
    const roc = guessRoc(state.roc, state.highestSeq, seq);
    state.accept(packetIndex(roc, seq));
    this.c.rtpIv.rtp(this.iv, ssrcHi, ssrcLo, roc, seq);
    return this.c.rtp.seal(this.iv, buf, headerEnd, length);
  }

  /**
   * Forgets an SSRC whose stream ended (its consumer closed), so a long meeting's churn does not
   * fill the table. Sending on it again starts at ROC 0, which is right for a new stream only.
   */
  forgetSsrc(ssrc: number): void {
    this.streams.delete((ssrc >>> 16) & 0xffff, ssrc & 0xffff);
  }

  /** Encrypts one compound RTCP packet (E=1) and appends tag and E|index (RFC 7714 §9). */
  protectRtcp(buf: Buffer, length: number): number {
    checkRoom(buf, length, SRTCP_OVERHEAD);
    if (length < RTCP_HEADER || buf.readUInt8(0) >> 6 !== 2) throw new RangeError('not an RTCP packet');
    const index = this.rtcpIndex;
    // 2^31 SRTCP packets need a new DTLS association (RFC 3711 §9.2); wrapping is the least harm.
    this.rtcpIndex = (index + 1) & SRTCP_INDEX_MASK;
    const indexHi = (index / 0x10000) | 0;
    const indexLo = index & 0xffff;
    this.rtcpTrailer.writeUInt16BE(0x8000 | indexHi, 0);
    this.rtcpTrailer.writeUInt16BE(indexLo, 2);
    this.c.rtcpIv.rtcp(this.iv, buf.readUInt16BE(4), buf.readUInt16BE(6), indexHi, indexLo);
    const tagEnd = this.c.rtcp.seal(this.iv, buf, RTCP_HEADER, length, this.rtcpTrailer);
    this.rtcpTrailer.copy(buf, tagEnd);
    return tagEnd + 4;
  }
}

/** The receiving half: -1 for a packet that is malformed, fails authentication or is replayed. */
export class SrtpReceiveContext implements SrtpUnprotector {
  private readonly c: Ciphers;
  private readonly streams = new SsrcTable<IndexState>(MAX_RECEIVE_SSRCS);
  private readonly rtcpStreams = new SsrcTable<IndexState>(MAX_RECEIVE_SSRCS);
  private readonly iv = Buffer.alloc(12);
  private readonly rtcpTrailer = Buffer.alloc(4);
  /** Packets authenticated so far: the SSRC tables' clock for least-recently-used eviction. */
  private packets = 0;

  constructor(keys: SrtpMasterKeys | SrtpSessionKeys, factory: AesGcmFactory = createAesGcm) {
    this.c = makeCiphers(keys, factory);
  }

  /** Records an authenticated packet's index in its SSRC's state, adding the state if new. */
  private accepted(table: SsrcTable<IndexState>, state: IndexState | undefined, hi: number, lo: number, index: number): void {
    if (state === undefined) {
      state = new IndexState(index, true);
      table.add(hi, lo, state);
    } else {
      state.accept(index);
    }
    state.lastUsed = ++this.packets;
  }

  /** Decrypts in place; returns the RTP length, or -1 (then buf's payload bytes are unspecified). */
  unprotectRtp(buf: Buffer, length: number): number {
    if (!Buffer.isBuffer(buf) || !Number.isInteger(length) || length > buf.length || length < RTP_HEADER + TAG) return -1;
    const headerEnd = rtpHeaderLength(buf, length - TAG);
    if (headerEnd < 0) return -1;
    const seq = buf.readUInt16BE(2);
    const ssrcHi = buf.readUInt16BE(8);
    const ssrcLo = buf.readUInt16BE(10);
    const state = this.streams.get(ssrcHi, ssrcLo);
    // A new SSRC starts at ROC 0 (RFC 3711 §3.3.1); its state exists only once a packet authenticates.
    const roc = state === undefined ? 0 : guessRoc(state.roc, state.highestSeq, seq);
    const index = packetIndex(roc, seq);
    if (state !== undefined && !state.isFresh(index)) return -1;
    this.c.rtpIv.rtp(this.iv, ssrcHi, ssrcLo, roc, seq);
    const end = this.c.rtp.open(this.iv, buf, headerEnd, length);
    if (end < 0) return -1;
    this.accepted(this.streams, state, ssrcHi, ssrcLo, index);
    return end;
  }

  /** Checks and decrypts one SRTCP packet (E=1, or E=0 authenticated only); -1 when it fails. */
  unprotectRtcp(buf: Buffer, length: number): number {
    if (!Buffer.isBuffer(buf) || !Number.isInteger(length) || length > buf.length) return -1;
    if (length < RTCP_HEADER + SRTCP_OVERHEAD || buf.readUInt8(0) >> 6 !== 2) return -1;
    const trailerAt = length - 4;
    const wordHi = buf.readUInt16BE(trailerAt);
    const indexHi = wordHi & 0x7fff;
    const indexLo = buf.readUInt16BE(trailerAt + 2);
    const index = indexHi * 0x10000 + indexLo;
    const ssrcHi = buf.readUInt16BE(4);
    const ssrcLo = buf.readUInt16BE(6);
    const state = this.rtcpStreams.get(ssrcHi, ssrcLo);
    if (state !== undefined && !state.isFresh(index)) return -1;
    buf.copy(this.rtcpTrailer, 0, trailerAt, length);
    this.c.rtcpIv.rtcp(this.iv, ssrcHi, ssrcLo, indexHi, indexLo);
    // E=1: AAD is the first 8 octets; E=0: the whole packet is AAD and nothing is encrypted (§9.2).
    const aadEnd = wordHi >>> 15 === 1 ? RTCP_HEADER : trailerAt - TAG;
    const end = this.c.rtcp.open(this.iv, buf, aadEnd, trailerAt, this.rtcpTrailer);
    if (end < 0) return -1;
    this.accepted(this.rtcpStreams, state, ssrcHi, ssrcLo, index);
    return end;
  }
}
