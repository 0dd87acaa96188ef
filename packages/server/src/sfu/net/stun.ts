import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';

// The few STUN bytes Kaigi reads and writes itself on the media port (RFC 5389, RFC 8445 §7.3):
// which transport a first Binding request is for (the local ufrag in USERNAME), and the Binding
// success response an ICE-lite agent sends. Whether a request is genuine is IceGuard.ts's
// verifyBindingRequest; nothing here trusts the bytes it reads beyond their bounds.
// Written by hand rather than with werift's Message: the answer is 64 fixed bytes, and werift's
// parser lets attributes after MESSAGE-INTEGRITY replace verified ones (see IceGuard.ts).

export const STUN_HEADER_LENGTH = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_FINGERPRINT = 0x8028;
const FINGERPRINT_XOR = 0x5354554e;
/** Header, XOR-MAPPED-ADDRESS (IPv4), MESSAGE-INTEGRITY, FINGERPRINT. */
const SUCCESS_LENGTH = STUN_HEADER_LENGTH + 12 + 24 + 8;

/** Whether the first byte says STUN (RFC 7983: 0–3) and the fixed header is there. */
export function looksLikeStun(data: Buffer): boolean {
  return data.length >= STUN_HEADER_LENGTH && data[0]! < 4 && data.readUInt32BE(4) === MAGIC_COOKIE;
}

/** Whether `data` is a STUN message of the Binding request type (not yet verified). */
export function isBindingRequest(data: Buffer): boolean {
  return looksLikeStun(data) && data.readUInt16BE(0) === BINDING_REQUEST;
}

/**
 * The local ufrag named by a Binding request's USERNAME (`<local>:<remote>`, RFC 8445 §7.2.2):
 * the key a first contact is routed by. null when the attributes overrun or there is no USERNAME.
 */
export function localUfragOf(data: Buffer): string | null {
  if (!looksLikeStun(data)) return null;
  const end = Math.min(data.length, STUN_HEADER_LENGTH + data.readUInt16BE(2));
  for (let pos = STUN_HEADER_LENGTH; pos + 4 <= end; ) {
    const type = data.readUInt16BE(pos);
    const length = data.readUInt16BE(pos + 2);
    if (pos + 4 + length > end) return null;
    if (type === ATTR_USERNAME) {
      const colon = data.indexOf(0x3a, pos + 4);
      if (colon < 0 || colon >= pos + 4 + length) return null;
      return data.toString('utf8', pos + 4, colon);
    }
    pos += 4 + length + ((4 - (length % 4)) % 4);
  }
  return null;
}

/**
 * The Binding success response to a verified `request` from `ip:port` (RFC 8445 §7.3.1.4):
 * the request's transaction ID, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY keyed with the local ICE
 * password, FINGERPRINT. IPv4 only, as the media address is (config.ts).
 */
export function bindingSuccess(request: Buffer, ip: string, port: number, localPwd: string): Buffer {
  const out = Buffer.alloc(SUCCESS_LENGTH);
  out.writeUInt16BE(BINDING_SUCCESS, 0);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  request.copy(out, 8, 8, STUN_HEADER_LENGTH);
  let pos = STUN_HEADER_LENGTH;
  out.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, pos);
  out.writeUInt16BE(8, pos + 2);
  out.writeUInt8(0x01, pos + 5); // family IPv4
  out.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), pos + 6);
  out.writeUInt32BE((ipv4ToInt(ip) ^ MAGIC_COOKIE) >>> 0, pos + 8);
  pos += 12;
  out.writeUInt16BE(pos + 24 - STUN_HEADER_LENGTH, 2);
  const mac = createHmac('sha1', Buffer.from(localPwd, 'utf8')).update(out.subarray(0, pos)).digest();
  out.writeUInt16BE(ATTR_MESSAGE_INTEGRITY, pos);
  out.writeUInt16BE(20, pos + 2);
  mac.copy(out, pos + 4);
  pos += 24;
  out.writeUInt16BE(pos + 8 - STUN_HEADER_LENGTH, 2);
  out.writeUInt16BE(ATTR_FINGERPRINT, pos);
  out.writeUInt16BE(4, pos + 2);
  out.writeUInt32BE((crc32(out.subarray(0, pos)) ^ FINGERPRINT_XOR) >>> 0, pos + 4);
  return out;
}

function ipv4ToInt(ip: string): number {
  const p = ip.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}
