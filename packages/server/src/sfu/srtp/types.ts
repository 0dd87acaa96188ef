// The contracts of Kaigi's own SRTP (D5: AEAD_AES_128_GCM only, RFC 7714). werift keeps the DTLS
// handshake; the keys it exports feed these contexts, and the forwarding path seals each packet
// itself instead of going through werift's sender (issue 15).

/** Master key and salt of one direction: 16 and 12 bytes for AEAD_AES_128_GCM (RFC 7714 §12). */
export interface SrtpMasterKeys {
  key: Buffer;
  salt: Buffer;
}

/** Bytes an SRTP packet grows by (the GCM tag); a buffer handed to protectRtp has this much room after the packet. */
export const SRTP_OVERHEAD = 16;
/** Bytes an SRTCP packet grows by: the tag and the E flag with the SRTCP index (RFC 7714 §9.3). */
export const SRTCP_OVERHEAD = 20;

/** The sending half of one SRTP session (one DTLS association): a rollover counter per SSRC. */
export interface SrtpProtector {
  /** Encrypts the RTP packet in buf[0, length) in place and appends the tag. Returns the SRTP length. */
  protectRtp(buf: Buffer, length: number): number;
  /** Encrypts one compound RTCP packet in buf[0, length) in place; appends tag and E|index. Returns the SRTCP length. */
  protectRtcp(buf: Buffer, length: number): number;
}

/** The receiving half: -1 for a packet that fails authentication or is malformed or replayed. */
export interface SrtpUnprotector {
  unprotectRtp(buf: Buffer, length: number): number;
  unprotectRtcp(buf: Buffer, length: number): number;
}

/**
 * AES-128-GCM under one key, reused across packets. `seal` encrypts buf[aadEnd, end) in place,
 * authenticating buf[0, aadEnd) and then `extraAad` (SRTCP's E|index word), and writes the
 * 16-byte tag at `end`; it returns end + 16. `open` checks the tag at buf[end - 16, end) and
 * decrypts in place; it returns end - 16, or -1 when the tag is wrong.
 */
export interface AesGcm {
  seal(iv: Buffer, buf: Buffer, aadEnd: number, end: number, extraAad?: Buffer): number;
  open(iv: Buffer, buf: Buffer, aadEnd: number, end: number, extraAad?: Buffer): number;
}

export type AesGcmFactory = (key: Buffer) => AesGcm;
