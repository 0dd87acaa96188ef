import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

// Who may steer a participant's media path (D1, D5). werift 0.24.4 in ICE-lite mode answers any
// Binding request, whatever its USERNAME and MESSAGE-INTEGRITY, and a USE-CANDIDATE in it moves
// the selected pair, so the SFU's DTLS and SRTP for a participant went to whoever asked. The
// guard below sits in front of werift's socket handler: only a check that proves it knows this
// transport's ICE password (RFC 8445 §7.3, RFC 5389 §10.1.2, §15.4) reaches werift, and only
// the addresses that sent one may feed DTLS/SRTP in. Everything else is dropped unanswered (no
// amplification, no state change). The check itself is pure so that the media plane that later
// replaces werift's sockets can use it as is.
//
// Parsed here rather than with werift's parseMessage: that one lets attributes after
// MESSAGE-INTEGRITY replace verified ones (werift then reads them, e.g. USE-CANDIDATE), and
// compares the HMAC in variable time.

export interface IceCredentials {
  /** This transport's ufrag and password (from our SDP). */
  localUfrag: string;
  localPwd: string;
  /** The peer's ufrag (from its SDP); empty while unknown, and then nothing is accepted. */
  remoteUfrag: string;
}

export type BindingRefusal =
  | 'not-stun'
  | 'not-request'
  | 'not-binding'
  | 'malformed'
  | 'no-credentials'
  | 'wrong-username'
  | 'no-integrity'
  | 'bad-integrity'
  | 'bad-fingerprint';

export type BindingVerdict = { ok: true } | { ok: false; reason: BindingRefusal };

const HEADER_LENGTH = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const CLASS_BITS = 0x0110;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_FINGERPRINT = 0x8028;
const INTEGRITY_LENGTH = 20;
const FINGERPRINT_XOR = 0x5354554e;

interface Attributes {
  username?: Buffer;
  integrityAt?: number;
  fingerprintAt?: number;
}

/**
 * Whether `data` is a STUN Binding request from the peer that holds these credentials: USERNAME
 * is exactly `<local ufrag>:<remote ufrag>`, MESSAGE-INTEGRITY is HMAC-SHA1 keyed with the local
 * password, nothing but FINGERPRINT follows it, and FINGERPRINT, where present, is right.
 */
export function verifyBindingRequest(data: Uint8Array, creds: IceCredentials): BindingVerdict {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < HEADER_LENGTH || (buf[0]! & 0xc0) !== 0 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return refuse('not-stun');
  const type = buf.readUInt16BE(0);
  if ((type & CLASS_BITS) !== 0) return refuse('not-request');
  if (type !== BINDING_REQUEST) return refuse('not-binding');
  if (buf.readUInt16BE(2) !== buf.length - HEADER_LENGTH || buf.length % 4 !== 0) return refuse('malformed');
  const attrs = scanAttributes(buf);
  if (!attrs) return refuse('malformed');
  if (!creds.localUfrag || !creds.localPwd || !creds.remoteUfrag) return refuse('no-credentials');
  if (!attrs.username?.equals(Buffer.from(`${creds.localUfrag}:${creds.remoteUfrag}`, 'utf8'))) return refuse('wrong-username');
  if (attrs.integrityAt === undefined) return refuse('no-integrity');
  if (attrs.fingerprintAt !== undefined) {
    const expected = (crc32(withLength(buf, attrs.fingerprintAt, 8)) ^ FINGERPRINT_XOR) >>> 0;
    if (buf.readUInt32BE(attrs.fingerprintAt + 4) !== expected) return refuse('bad-fingerprint');
  }
  const at = attrs.integrityAt;
  const mac = createHmac('sha1', Buffer.from(creds.localPwd, 'utf8'))
    .update(withLength(buf, at, 4 + INTEGRITY_LENGTH))
    .digest();
  if (!timingSafeEqual(mac, buf.subarray(at + 4, at + 4 + INTEGRITY_LENGTH))) return refuse('bad-integrity');
  return { ok: true };
}

function refuse(reason: BindingRefusal): BindingVerdict {
  return { ok: false, reason };
}

/** The message up to `end`, its length field set as if the attribute at `end` (`attrSize` bytes) were last. */
function withLength(buf: Buffer, end: number, attrSize: number): Buffer {
  const head = Buffer.from(buf.subarray(0, end));
  head.writeUInt16BE(end - HEADER_LENGTH + attrSize, 2);
  return head;
}

/** Walks the attributes; null when they overrun, repeat, or anything but FINGERPRINT follows MESSAGE-INTEGRITY. */
function scanAttributes(buf: Buffer): Attributes | null {
  const out: Attributes = {};
  for (let pos = HEADER_LENGTH; pos < buf.length; ) {
    if (pos + 4 > buf.length || out.fingerprintAt !== undefined) return null;
    const type = buf.readUInt16BE(pos);
    const length = buf.readUInt16BE(pos + 2);
    const next = pos + 4 + length + ((4 - (length % 4)) % 4);
    if (next > buf.length) return null;
    if (out.integrityAt !== undefined && type !== ATTR_FINGERPRINT) return null;
    if (type === ATTR_USERNAME) {
      if (out.username) return null;
      out.username = buf.subarray(pos + 4, pos + 4 + length);
    } else if (type === ATTR_MESSAGE_INTEGRITY) {
      if (length !== INTEGRITY_LENGTH) return null;
      out.integrityAt = pos;
    } else if (type === ATTR_FINGERPRINT) {
      if (length !== 4) return null;
      out.fingerprintAt = pos;
    }
    pos = next;
  }
  return out;
}

export type IceAddress = readonly [string, number];

/** How many trusted source addresses one transport keeps (a peer that moved networks a few times). */
const MAX_TRUSTED = 8;

/**
 * The admission rule for one ICE connection's datagrams. A verified Binding request is let
 * through and makes its source trusted for the peer's current ufrag; other STUN requests never
 * pass; anything else (DTLS, SRTP, STUN responses) passes only from a trusted source.
 */
export class IceGuard {
  private _dropped = 0;
  private readonly trusted = new Map<string, string>();
  private readonly guarded = new WeakSet<object>();

  constructor(private readonly credentials: () => IceCredentials) {}

  /** Datagrams dropped unanswered so far. */
  get dropped(): number {
    return this._dropped;
  }

  admit(data: Uint8Array, from: IceAddress): boolean {
    const creds = this.credentials();
    const key = `${from[0]}|${from[1]}`;
    // The media path: a first byte above 3 is DTLS, RTP or RTCP, never STUN (RFC 7983).
    if (data.length > 0 && data[0]! > 3) return this.fromTrusted(key, creds.remoteUfrag);
    const verdict = verifyBindingRequest(data, creds);
    if (verdict.ok) {
      this.trusted.delete(key);
      this.trusted.set(key, creds.remoteUfrag);
      for (const oldest of this.trusted.keys()) {
        if (this.trusted.size <= MAX_TRUSTED) break;
        this.trusted.delete(oldest);
      }
      return true;
    }
    const notARequest = verdict.reason === 'not-stun' || verdict.reason === 'not-request';
    if (notARequest) return this.fromTrusted(key, creds.remoteUfrag);
    this._dropped++;
    return false;
  }

  private fromTrusted(key: string, remoteUfrag: string): boolean {
    if (remoteUfrag !== '' && this.trusted.get(key) === remoteUfrag) return true;
    this._dropped++;
    return false;
  }

  /**
   * Puts the guard in front of one werift protocol (UDP socket or ICE-TCP connection). An
   * unknown kind is refused rather than left open: werift then gathers no candidate on it.
   */
  guardProtocol(protocol: WeriftProtocol): void {
    if (this.guarded.has(protocol)) return;
    for (const name of ['datagramReceived', 'handleFrame'] as const) {
      const receive = protocol[name];
      if (typeof receive !== 'function') continue;
      protocol[name] = (data: Buffer, from: IceAddress) => {
        if (this.admit(data, from)) receive.call(protocol, data, from);
      };
      this.guarded.add(protocol);
      return;
    }
    throw new Error('werift ICE protocol with an unknown receive path; not used unguarded');
  }
}

/** The parts of werift's (private) ICE internals the guard needs; checked at attach time. */
type Receive = (data: Buffer, from: IceAddress) => void;
export interface WeriftProtocol {
  datagramReceived?: Receive;
  handleFrame?: Receive;
}
interface WeriftIceConnection {
  localUsername: string;
  localPassword: string;
  remoteUsername: string;
  protocols: WeriftProtocol[];
  ensureProtocol: (protocol: WeriftProtocol) => void;
}

/**
 * Guards a werift ICE connection (`RTCIceTransport.connection`): its sockets open so far, and
 * every one it opens later (werift calls ensureProtocol before binding a socket). Credentials
 * are read at each datagram, so they follow renegotiations.
 */
export function attachIceGuard(connection: unknown): IceGuard {
  const c = connection as Partial<WeriftIceConnection> | null;
  if (!c || typeof c.ensureProtocol !== 'function' || !Array.isArray(c.protocols) || typeof c.localUsername !== 'string') {
    throw new Error('werift ICE connection internals changed; the ICE guard cannot attach');
  }
  const conn = c as WeriftIceConnection;
  const guard = new IceGuard(() => ({ localUfrag: conn.localUsername, localPwd: conn.localPassword, remoteUfrag: conn.remoteUsername }));
  const ensure = conn.ensureProtocol;
  conn.ensureProtocol = (protocol) => {
    guard.guardProtocol(protocol);
    ensure.call(conn, protocol);
  };
  for (const protocol of conn.protocols) guard.guardProtocol(protocol);
  return guard;
}
