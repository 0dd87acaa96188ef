// Kaigi's own SRTP for AEAD_AES_128_GCM (RFC 7714; issue 15 item 2, D5, A6). One context per
// direction of a DTLS association, built from the keys werift's DTLS exports (Transport.srtpKeys()).
// Hot path: protectRtp writes the IV into a preallocated buffer, looks the SSRC up in a Map and
// seals in place; with the native AesGcm it allocates nothing. Every length is checked against
// the packet before it is read.

import { createAesGcm } from './aesGcm.js';
import { deriveSessionKeys, type SrtpSessionKeys } from './kdf.js';
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
const SRTCP_E_FLAG = 0x80000000;
/**
 * SSRCs remembered per context. The sender's are Kaigi's own (a subscriber of a 100-person meeting
 * gets a few hundred); the receiver's are created only by authenticated packets, and bounded so a
 * peer cannot grow the table without limit. The oldest entry goes first when full.
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

/** RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the 12-byte session salt. */
function writeRtpIv(iv: Buffer, salt: Buffer, ssrc: number, roc: number, seq: number): void {
  iv.writeUInt16BE(0, 0);
  iv.writeUInt32BE(ssrc, 2);
  iv.writeUInt32BE(roc, 6);
  iv.writeUInt16BE(seq, 10);
  for (let i = 0; i < 12; i++) iv[i] = (iv[i] ?? 0) ^ (salt[i] ?? 0);
}

/** RFC 7714 §9.1: 00 00 || SSRC || 00 00 || 0 || SRTCP index (31 bits), XOR the salt. */
function writeRtcpIv(iv: Buffer, salt: Buffer, ssrc: number, index: number): void {
  iv.writeUInt16BE(0, 0);
  iv.writeUInt32BE(ssrc, 2);
  iv.writeUInt16BE(0, 6);
  iv.writeUInt32BE(index & SRTCP_INDEX_MASK, 8);
  for (let i = 0; i < 12; i++) iv[i] = (iv[i] ?? 0) ^ (salt[i] ?? 0);
}

/** Adds an SSRC's state, dropping the oldest one when the table is full. */
function remember(table: Map<number, IndexState>, max: number, ssrc: number, state: IndexState): void {
  if (table.size >= max) {
    const oldest = table.keys().next();
    if (!oldest.done) table.delete(oldest.value);
  }
  table.set(ssrc, state);
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
  rtpSalt: Buffer;
  rtcp: AesGcm;
  rtcpSalt: Buffer;
}

/**
 * Session keys from the DTLS-exported master keys, or given directly (RFC 7714's test vectors are
 * written with session keys).
 */
function makeCiphers(keys: SrtpMasterKeys | SrtpSessionKeys, factory: AesGcmFactory): Ciphers {
  const session = 'rtpKey' in keys ? copySessionKeys(keys) : deriveSessionKeys(keys);
  const ciphers = {
    rtp: factory(session.rtpKey),
    rtpSalt: session.rtpSalt,
    rtcp: factory(session.rtcpKey),
    rtcpSalt: session.rtcpSalt,
  };
  // The AesGcm implementations keep their own copy (or key schedule) of the session keys.
  session.rtpKey.fill(0);
  session.rtcpKey.fill(0);
  return ciphers;
}

/** The sending half: one rollover counter per SSRC, one SRTCP index for the context. */
export class SrtpSendContext implements SrtpProtector {
  private readonly c: Ciphers;
  private readonly streams = new Map<number, IndexState>();
  private readonly iv = Buffer.alloc(12);
  private readonly rtcpTrailer = Buffer.alloc(4);
  private rtcpIndex = 0;

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
    const ssrc = buf.readUInt32BE(8);
    let state = this.streams.get(ssrc);
    if (state === undefined) {
      state = new IndexState(packetIndex(0, seq), false);
      remember(this.streams, MAX_SEND_SSRCS, ssrc, state);
    }
    const roc = guessRoc(state.roc, state.highestSeq, seq);
    state.accept(packetIndex(roc, seq));
    writeRtpIv(this.iv, this.c.rtpSalt, ssrc, roc, seq);
    return this.c.rtp.seal(this.iv, buf, headerEnd, length);
  }

  /** Encrypts one compound RTCP packet (E=1) and appends tag and E|index (RFC 7714 §9). */
  protectRtcp(buf: Buffer, length: number): number {
    checkRoom(buf, length, SRTCP_OVERHEAD);
    if (length < RTCP_HEADER || buf.readUInt8(0) >> 6 !== 2) throw new RangeError('not an RTCP packet');
    const index = this.rtcpIndex;
    // 2^31 SRTCP packets need a new DTLS association (RFC 3711 §9.2); wrapping is the least harm.
    this.rtcpIndex = (index + 1) & SRTCP_INDEX_MASK;
    this.rtcpTrailer.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, 0);
    writeRtcpIv(this.iv, this.c.rtcpSalt, buf.readUInt32BE(4), index);
    const tagEnd = this.c.rtcp.seal(this.iv, buf, RTCP_HEADER, length, this.rtcpTrailer);
    this.rtcpTrailer.copy(buf, tagEnd);
    return tagEnd + 4;
  }
}

/** The receiving half: -1 for a packet that is malformed, fails authentication or is replayed. */
export class SrtpReceiveContext implements SrtpUnprotector {
  private readonly c: Ciphers;
  private readonly streams = new Map<number, IndexState>();
  private readonly rtcpStreams = new Map<number, IndexState>();
  private readonly iv = Buffer.alloc(12);
  private readonly rtcpTrailer = Buffer.alloc(4);

  constructor(keys: SrtpMasterKeys | SrtpSessionKeys, factory: AesGcmFactory = createAesGcm) {
    this.c = makeCiphers(keys, factory);
  }

  /** Decrypts in place; returns the RTP length, or -1 (then buf's payload bytes are unspecified). */
  unprotectRtp(buf: Buffer, length: number): number {
    if (!Buffer.isBuffer(buf) || !Number.isInteger(length) || length > buf.length || length < RTP_HEADER + TAG) return -1;
    const headerEnd = rtpHeaderLength(buf, length - TAG);
    if (headerEnd < 0) return -1;
    const seq = buf.readUInt16BE(2);
    const ssrc = buf.readUInt32BE(8);
    const state = this.streams.get(ssrc);
    // A new SSRC starts at ROC 0 (RFC 3711 §3.3.1); its state exists only once a packet authenticates.
    const roc = state === undefined ? 0 : guessRoc(state.roc, state.highestSeq, seq);
    const index = packetIndex(roc, seq);
    if (state !== undefined && !state.isFresh(index)) return -1;
    writeRtpIv(this.iv, this.c.rtpSalt, ssrc, roc, seq);
    const end = this.c.rtp.open(this.iv, buf, headerEnd, length);
    if (end < 0) return -1;
    if (state === undefined) remember(this.streams, MAX_RECEIVE_SSRCS, ssrc, new IndexState(index, true));
    else state.accept(index);
    return end;
  }

  /** Checks and decrypts one SRTCP packet (E=1, or E=0 authenticated only); -1 when it fails. */
  unprotectRtcp(buf: Buffer, length: number): number {
    if (!Buffer.isBuffer(buf) || !Number.isInteger(length) || length > buf.length) return -1;
    if (length < RTCP_HEADER + SRTCP_OVERHEAD || buf.readUInt8(0) >> 6 !== 2) return -1;
    const trailerAt = length - 4;
    const word = buf.readUInt32BE(trailerAt);
    const index = word & SRTCP_INDEX_MASK;
    const ssrc = buf.readUInt32BE(4);
    const state = this.rtcpStreams.get(ssrc);
    if (state !== undefined && !state.isFresh(index)) return -1;
    buf.copy(this.rtcpTrailer, 0, trailerAt, length);
    writeRtcpIv(this.iv, this.c.rtcpSalt, ssrc, index);
    const encrypted = word >>> 31 === 1;
    // E=1: AAD is the first 8 octets; E=0: the whole packet is AAD and nothing is encrypted (§9.2).
    const aadEnd = encrypted ? RTCP_HEADER : trailerAt - TAG;
    const end = this.c.rtcp.open(this.iv, buf, aadEnd, trailerAt, this.rtcpTrailer);
    if (end < 0) return -1;
    if (state === undefined) remember(this.rtcpStreams, MAX_RECEIVE_SSRCS, ssrc, new IndexState(index, true));
    else state.accept(index);
    return end;
  }
}
