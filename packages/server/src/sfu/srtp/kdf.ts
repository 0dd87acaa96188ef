// SRTP key derivation (RFC 3711 §4.3, AES-CM PRF, key derivation rate 0) for AEAD_AES_128_GCM
// (RFC 7714 §12: session key and salt only, no authentication key; D5). Runs once per DTLS
// association, so node:crypto's per-call cipher is fine here.

import { createCipheriv } from 'node:crypto';
import type { SrtpMasterKeys } from './types.js';

/** RFC 3711 §4.3.1 / §4.3.2 labels. */
export const SRTP_LABEL = {
  rtpKey: 0x00,
  rtpSalt: 0x02,
  rtcpKey: 0x03,
  rtcpSalt: 0x05,
} as const;

const KEY_LENGTH = 16;
/** RFC 7714 §12: the AEAD salt is 96 bits. */
const SALT_LENGTH = 12;
/** The PRF's input is the 112-bit x (salt XOR label) times 2^16: 14 bytes then a 16-bit block counter. */
const X_LENGTH = 14;

/** The session keys one direction of an SRTP association uses. */
export interface SrtpSessionKeys {
  rtpKey: Buffer;
  rtpSalt: Buffer;
  rtcpKey: Buffer;
  rtcpSalt: Buffer;
}

/**
 * One output of the AES-CM PRF: AES-128 in counter mode under the master key, starting at
 * (label placed at byte 7 of the 112-bit x, XOR the master salt) * 2^16. A salt shorter than 112
 * bits (GCM's 96) fills x from its first byte, as libsrtp (Chromium) and werift do.
 */
export function srtpKdf(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  if (masterKey.length !== KEY_LENGTH) throw new RangeError('SRTP master key must be 16 bytes');
  if (masterSalt.length > X_LENGTH) throw new RangeError('SRTP master salt longer than 112 bits');
  if (!Number.isInteger(label) || label < 0 || label > 0xff) throw new RangeError('SRTP label is one byte');
  const blocks = Math.ceil(length / 16);
  const input = Buffer.alloc(blocks * 16);
  for (let i = 0; i < blocks; i++) {
    const block = input.subarray(i * 16, i * 16 + 16);
    masterSalt.copy(block, 0);
    // key_id = label || (index DIV kdr) with kdr 0: the 48-bit index part is zero.
    block[7] = (block[7] ?? 0) ^ label;
    block.writeUInt16BE(i, X_LENGTH);
  }
  const ecb = createCipheriv('aes-128-ecb', masterKey, null).setAutoPadding(false);
  const stream = Buffer.concat([ecb.update(input), ecb.final()]);
  input.fill(0);
  return stream.subarray(0, length);
}

/** The four session keys of one direction from its DTLS-exported master key and salt. */
export function deriveSessionKeys(master: SrtpMasterKeys): SrtpSessionKeys {
  if (master.salt.length !== SALT_LENGTH) throw new RangeError('AEAD_AES_128_GCM master salt must be 12 bytes');
  return {
    rtpKey: srtpKdf(master.key, master.salt, SRTP_LABEL.rtpKey, KEY_LENGTH),
    rtpSalt: srtpKdf(master.key, master.salt, SRTP_LABEL.rtpSalt, SALT_LENGTH),
    rtcpKey: srtpKdf(master.key, master.salt, SRTP_LABEL.rtcpKey, KEY_LENGTH),
    rtcpSalt: srtpKdf(master.key, master.salt, SRTP_LABEL.rtcpSalt, SALT_LENGTH),
  };
}
