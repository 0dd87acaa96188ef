import dgram, { type Socket } from 'node:dgram';
import { verifyBindingRequest, type BindingRefusal, type IceAddress, type IceCredentials } from '../IceGuard.js';
import type { SendRing } from './SendRing.js';
import { bindingSuccess, claimsControlled, isBindingRequest, looksLikeStun, roleConflict } from './stun.js';
import type { DatagramOut } from './types.js';

// One transport's place on the node's media port (issue 15 item 1; D1, D5). The listener hands
// it the first verified contact from a peer address; it then opens a socket bound to the same
// ip:port and connect()ed to that address, so the kernel hands it that peer's datagrams from then
// on (no JavaScript demultiplexing per packet). On every path it answers Binding requests itself
// (ICE-lite, consent checks RFC 7675) once they verify, and passes DTLS, RTP and RTCP on.

/** Why a datagram was dropped unanswered; counted per reason (MediaNet.stats()). */
export type DropReason =
  | BindingRefusal
  | 'too-short'
  | 'too-long'
  | 'unknown-tuple'
  | 'unknown-ufrag'
  | 'not-demuxable'
  | 'no-path'
  | 'send-too-large'
  | 'send-queue-full'
  | 'closed';

/** How many peer addresses one transport keeps (a peer checking from a few candidates, or one
 *  that moved networks); the least recently verified goes first. */
export const MAX_PATHS = 8;

/** Shortest and longest datagram looked at: below, not even an RTP header; above, not from a browser (MTU). */
export const MIN_DATAGRAM = 4;
export const MAX_DATAGRAM = 1500;

/** What an endpoint needs of the node's media socket layer (implemented by MediaNet). */
export interface NetHost {
  readonly ip: string;
  readonly port: number;
  readonly ring: SendRing;
  drop(reason: DropReason): void;
  /** A verified request was answered: success, or 487 when `roleConflict`. */
  answered(roleConflict: boolean): void;
  register(ufrag: string, endpoint: IceEndpoint): void;
  unregister(endpoint: IceEndpoint): void;
  addTuple(key: string, path: NetPath): void;
  /**
   * Routes a Binding request by the local ufrag in its USERNAME to the live endpoints that
   * announced it (all but `except`); null when one verified and answered it, else why not.
   */
  routeFirstContact(data: Buffer, ip: string, port: number, except: IceEndpoint | null): DropReason | null;
  removeTuple(key: string, path: NetPath): void;
  /** Sends a copy of buf[0, length) from the listener (before a path's own socket is connected). */
  sendFromListener(buf: Buffer, length: number, ip: string, port: number): void;
}

/** Where an endpoint's datagrams go: werift's ICE/DTLS (and later Kaigi's own packet path). */
export interface EndpointSink {
  /** A verified Binding request, or DTLS/RTP/RTCP from a verified address; `from` is stable per path. */
  deliver(data: Buffer, from: IceAddress): void;
  /** The node's socket layer closed this endpoint (shutdown): the transport closes too. */
  closed(): void;
}

/** A peer address as werift's candidates hold it (read without allocating, unlike a pair's remoteAddr). */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** One verified peer address of a transport and the connected socket that serves it. */
export class NetPath {
  readonly addr: IceAddress;
  readonly key: string;
  connected = false;
  readonly socket: Socket;

  constructor(
    readonly endpoint: IceEndpoint,
    ip: string,
    port: number,
  ) {
    this.addr = [ip, port];
    this.key = tupleKey(ip, port);
    this.socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  }
}

export function tupleKey(ip: string, port: number): string {
  return `${ip}|${port}`;
}

/** The first byte of DTLS (20–63) or RTP/RTCP (128–191), RFC 7983. */
function isDtlsOrRtp(b: number): boolean {
  return (b >= 20 && b <= 63) || (b >= 128 && b <= 191);
}

export class IceEndpoint {
  /** Least recently verified first. */
  private readonly paths: NetPath[] = [];
  private last: NetPath | null = null;
  private _closed = false;
  private _dropped = 0;

  constructor(
    private readonly host: NetHost,
    private readonly credentials: () => IceCredentials,
    private readonly sink: EndpointSink,
  ) {}

  get closed(): boolean {
    return this._closed;
  }

  /** Datagrams for this transport dropped unanswered (failed checks, undemultiplexable bytes). */
  get dropped(): number {
    return this._dropped;
  }

  /** Peer addresses with a path now. */
  get pathCount(): number {
    return this.paths.length;
  }

  /** Makes first contacts naming this local ufrag reach this endpoint (call when it is announced). */
  announce(ufrag: string): void {
    if (!this._closed && ufrag) this.host.register(ufrag, this);
  }

  /**
   * A Binding request the listener routed here by its USERNAME, from an address with no path.
   * Returns why it failed verification (counted against this endpoint; the listener counts the
   * datagram once), or null when it verified and was answered.
   */
  firstContact(data: Buffer, ip: string, port: number): DropReason | null {
    if (this._closed) return 'closed';
    const verdict = verifyBindingRequest(data, this.credentials());
    if (!verdict.ok) {
      this._dropped++;
      return verdict.reason;
    }
    const path = this.openPath(ip, port);
    if (this.answer(data, path)) this.sink.deliver(data, path.addr);
    return null;
  }

  /** A datagram from a path's peer (on its connected socket, or on the listener before that). */
  receive(data: Buffer, path: NetPath): void {
    if (this._closed) return this.drop('closed');
    const b = data[0]!;
    if (b < 4) {
      if (!isBindingRequest(data)) return this.drop(looksLikeStun(data) ? 'not-request' : 'not-stun');
      const verdict = verifyBindingRequest(data, this.credentials());
      if (!verdict.ok) {
        // The same peer address checking another transport (a browser reusing its socket for a
        // new ICE session): a first contact for that one, which then owns the address.
        if (verdict.reason === 'wrong-username' && this.host.routeFirstContact(data, path.addr[0], path.addr[1], this) === null) return;
        return this.drop(verdict.reason);
      }
      this.touch(path);
      if (this.answer(data, path)) this.sink.deliver(data, path.addr);
      return;
    }
    if (!isDtlsOrRtp(b)) return this.drop('not-demuxable');
    this.sink.deliver(data, path.addr);
  }

  /** The path to `addr`, or null. */
  pathFor(addr: IceAddress | undefined): NetPath | null {
    return addr ? this.pathTo(addr[0], addr[1]) : null;
  }

  /** The path to host:port, or null. Allocates nothing (the last one used is checked first). */
  pathTo(host: string, port: number): NetPath | null {
    const last = this.last;
    if (last && last.addr[1] === port && last.addr[0] === host) return last;
    for (const p of this.paths) {
      if (p.addr[1] === port && p.addr[0] === host) {
        this.last = p;
        return p;
      }
    }
    return null;
  }

  /** Sends buf[0, length) to `addr` on its path (werift's DTLS and its own RTP sender). */
  send(buf: Buffer, length: number, addr: IceAddress | undefined): void {
    if (addr) this.sendTo(buf, length, addr[0], addr[1]);
    else this.host.drop('no-path');
  }

  /**
   * Sends buf[0, length) to host:port on its path: through the node's ring on the connected
   * socket (hot path: no Promise, no closure, no allocation of ours), or a copy from the listener
   * for the few milliseconds before that socket is connected. An address without a verified
   * path gets nothing.
   */
  sendTo(buf: Buffer, length: number, host: string, port: number): void {
    if (this._closed) return;
    const path = this.pathTo(host, port);
    if (!path) return this.host.drop('no-path');
    if (!path.connected) return this.host.sendFromListener(buf, length, path.addr[0], path.addr[1]);
    const r = this.host.ring.send(path.socket, buf, length);
    if (r === 'too-large') this.host.drop('send-too-large');
    else if (r === 'queue-full') this.host.drop('send-queue-full');
  }

  /** A DatagramOut to whatever address `selected` names at each packet (werift's selected pair). */
  out(selected: () => PeerAddress | undefined): DatagramOut {
    return new EndpointOut(this, selected);
  }

  /** Closes every path and leaves the node's tables. Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.host.unregister(this);
    for (const p of this.paths.splice(0)) this.closePath(p);
    this.last = null;
  }

  /** The node's socket layer is closing: this endpoint closes, and so does its transport. */
  closeFromHost(): void {
    if (this._closed) return;
    this.close();
    this.sink.closed();
  }

  private openPath(ip: string, port: number): NetPath {
    const known = this.paths.find((p) => p.addr[0] === ip && p.addr[1] === port);
    if (known) {
      this.touch(known);
      return known;
    }
    const path = new NetPath(this, ip, port);
    this.paths.push(path);
    this.host.addTuple(path.key, path);
    while (this.paths.length > MAX_PATHS) this.closePath(this.paths.shift()!);
    const s = path.socket;
    s.on('message', (msg: Buffer) => {
      if (msg.length < MIN_DATAGRAM) this.host.drop('too-short');
      else if (msg.length > MAX_DATAGRAM) this.host.drop('too-long');
      else this.receive(msg, path);
    });
    // A path whose socket fails keeps nothing: the peer's next check opens a new one.
    s.on('error', () => this.closePathTo(path));
    s.bind({ address: this.host.ip, port: this.host.port }, () => {
      if (!this.paths.includes(path)) return;
      s.connect(port, ip, () => {
        if (this.paths.includes(path)) path.connected = true;
      });
    });
    return path;
  }

  private touch(path: NetPath): void {
    const i = this.paths.indexOf(path);
    if (i >= 0 && i !== this.paths.length - 1) {
      this.paths.splice(i, 1);
      this.paths.push(path);
    }
  }

  /** Drops one path (its socket failed, or another transport verified the same peer address). */
  closePathTo(path: NetPath): void {
    const i = this.paths.indexOf(path);
    if (i >= 0) this.paths.splice(i, 1);
    this.closePath(path);
  }

  private closePath(path: NetPath): void {
    path.connected = false;
    if (this.last === path) this.last = null;
    this.host.removeTuple(path.key, path);
    try {
      path.socket.close();
    } catch {
      // already closed (its error closed it)
    }
  }

  /**
   * Answers a verified request; false when it was a role conflict (the peer thinks it is
   * controlled): it then gets 487 and must retry as the controlling agent, and werift, which would
   * answer the same, does not see it.
   */
  private answer(request: Buffer, path: NetPath): boolean {
    const pwd = this.credentials().localPwd;
    const conflict = claimsControlled(request);
    const response = conflict ? roleConflict(request, pwd) : bindingSuccess(request, path.addr[0], path.addr[1], pwd);
    this.host.answered(conflict);
    this.sendAnswer(response, path);
    return !conflict;
  }

  private sendAnswer(response: Buffer, path: NetPath): void {
    if (path.connected) path.socket.send(response);
    else this.host.sendFromListener(response, response.length, path.addr[0], path.addr[1]);
  }

  private drop(reason: DropReason): void {
    this._dropped++;
    this.host.drop(reason);
  }
}

/** DatagramOut (net/types.ts) on an endpoint: one object per caller, nothing allocated per packet. */
class EndpointOut implements DatagramOut {
  constructor(
    private readonly endpoint: IceEndpoint,
    private readonly selected: () => PeerAddress | undefined,
  ) {}

  send(buf: Buffer, length: number): void {
    const to = this.selected();
    if (to) this.endpoint.sendTo(buf, length, to.host, to.port);
    else this.endpoint.sendTo(buf, length, '', 0);
  }
}
