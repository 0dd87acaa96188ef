import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';

// The few STUN bytes Kaigi reads and writes itself on the media port (RFC 5389, RFC 8445 §7.3):
// which transport a first Binding request is for (the local ufrag in USERNAME), and the Binding
// success response an ICE-lite agent sends. Whether a request is genuine is IceGuard.ts's
// verifyBindingRequest; nothing here trusts the bytes it reads beyond their bounds.
// Written by hand rather than with werift's Message: an answer is a few fixed bytes, and werift's
// parser lets attributes after MESSAGE-INTEGRITY replace verified ones (see IceGuard.ts).

export const STUN_HEADER_LENGTH = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_ICE_CONTROLLED = 0x8029;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_FINGERPRINT = 0x8028;
const FINGERPRINT_XOR = 0x5354554e;

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
  const attr = Buffer.alloc(12);
  attr.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, 0);
  attr.writeUInt16BE(8, 2);
  attr.writeUInt8(0x01, 5); // family IPv4
  attr.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 6);
  attr.writeUInt32BE((ipv4ToInt(ip) ^ MAGIC_COOKIE) >>> 0, 8);
  return signedResponse(BINDING_SUCCESS, request, attr, localPwd);
}

/**
 * The 487 (Role Conflict) error response to a verified request whose sender says it is the
 * controlled agent (ICE-CONTROLLED): an ICE-lite agent is always controlled, so the peer must
 * switch roles and nominate (RFC 8445 §7.3.1.1). Only ever sent to a request that verified.
 */
export function roleConflict(request: Buffer, localPwd: string): Buffer {
  const reason = 'Role Conflict';
  const attr = Buffer.alloc(4 + 4 + 16);
  attr.writeUInt16BE(ATTR_ERROR_CODE, 0);
  attr.writeUInt16BE(4 + reason.length, 2);
  attr.writeUInt8(4, 6); // class 4
  attr.writeUInt8(87, 7); // number 87
  attr.write(reason, 8, 'utf8');
  return signedResponse(BINDING_ERROR, request, attr, localPwd);
}

/** Whether a (verified) request carries ICE-CONTROLLED. */
export function claimsControlled(request: Buffer): boolean {
  const end = Math.min(request.length, STUN_HEADER_LENGTH + request.readUInt16BE(2));
  for (let pos = STUN_HEADER_LENGTH; pos + 4 <= end; ) {
    const type = request.readUInt16BE(pos);
    if (type === ATTR_ICE_CONTROLLED) return true;
    const length = request.readUInt16BE(pos + 2);
    pos += 4 + length + ((4 - (length % 4)) % 4);
  }
  return false;
}

/** A response of `type` to `request`: its transaction, `attrs`, MESSAGE-INTEGRITY, FINGERPRINT. */
function signedResponse(type: number, request: Buffer, attrs: Buffer, localPwd: string): Buffer {
  const out = Buffer.alloc(STUN_HEADER_LENGTH + attrs.length + 24 + 8);
  out.writeUInt16BE(type, 0);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  request.copy(out, 8, 8, STUN_HEADER_LENGTH);
  attrs.copy(out, STUN_HEADER_LENGTH);
  let pos = STUN_HEADER_LENGTH + attrs.length;
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
