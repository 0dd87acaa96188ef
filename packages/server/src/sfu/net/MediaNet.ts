import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import type { IceCredentials } from '../IceGuard.js';
import { IceEndpoint, MAX_DATAGRAM, MIN_DATAGRAM, tupleKey, type DropReason, type EndpointSink, type NetHost, type NetPath } from './IceEndpoint.js';
import { warmDtlsKeyExchange } from './dtlsWarmup.js';
import type { MediaNetHost } from './MediaNetHost.js';
import { SendRing } from './SendRing.js';
import { isBindingRequest, localUfragOf, looksLikeStun } from './stun.js';

// The node's media port (issue 15 item 1; A1, D1, D5): one UDP port for every transport, as
// mediasoup's WebRtcServer and pion's UDPMux do. The listener, bound to ip:port with
// SO_REUSEADDR, sees only first contacts: Linux hands a peer's datagrams to the socket that is
// bound to the same ip:port and connect()ed to that peer once an endpoint opened one (a connected
// socket scores higher), so media never passes through a JavaScript demultiplexer. A first
// contact is routed by the local ufrag in its USERNAME; the few datagrams of a verified address
// that arrive before its connected socket exists are routed by 5-tuple. Anything else is dropped,
// counted by reason, and never answered: no error response, nothing that leaks state or amplifies.


/** Ufrags one endpoint may hold at once (its current one and a few before ICE restarts). */
export const MAX_UFRAGS = 4;

const DROP_REASONS: readonly DropReason[] = [
  'not-stun',
  'not-request',
  'not-binding',
  'malformed',
  'no-credentials',
  'wrong-username',
  'no-integrity',
  'bad-integrity',
  'bad-fingerprint',
  'too-short',
  'too-long',
  'unknown-tuple',
  'unknown-ufrag',
  'not-demuxable',
  'no-path',
  'send-too-large',
  'send-queue-full',
  'closed',
];

/**
 * Where a datagram for a transport in a media worker goes (issue 15 item 3): posted to the
 * worker, which verifies and answers it and opens the connected socket itself.
 */
export type RemoteSink = (data: Buffer, ip: string, port: number) => void;

export interface MediaNetOptions {
  /** The one IPv4 address bound and announced (KAIGI_MEDIA_IP). */
  ip: string;
  /** The one UDP port (KAIGI_MEDIA_PORT); 0: any free port, chosen when bound. */
  port: number;
}

export interface MediaNetStats {
  port: number;
  endpoints: number;
  paths: number;
  /** Binding requests answered (first contacts and consent checks). */
  answered: number;
  /** Of those, answered 487 Role Conflict (the peer thought it was controlled). */
  roleConflicts: number;
  /** Datagrams dropped unanswered, per reason. */
  dropped: Record<DropReason, number>;
}

/**
 * Created once per process by services.ts and handed down (RoomRegistry -> Room -> Router ->
 * Transport, inside MediaConfig). Owns the listener, the send ring and the endpoints' tables.
 * close() is idempotent and closes every endpoint (and so every Transport on it).
 */
export class MediaNet implements NetHost, MediaNetHost {
  readonly ip: string;
  readonly ring = new SendRing();
  /** Resolves once the listener is bound (the port is known); rejects if it cannot bind. */
  readonly listening: Promise<void>;
  private readonly listener: Socket;
  private _port: number;
  private _closed = false;
  private _answered = 0;
  private _roleConflicts = 0;
  private readonly drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  private readonly endpoints = new Set<IceEndpoint>();
  /**
   * Local ufrag -> the live endpoints that announced it. werift's ufrags are 4 random characters,
   * so two transports of a busy node can share one: each is tried, and MESSAGE-INTEGRITY (keyed
   * with its own password) tells them apart.
   */
  private readonly ufrags = new Map<string, IceEndpoint[]>();
  /** Endpoint -> the ufrags it announced, oldest first (at most MAX_UFRAGS). */
  private readonly announced = new Map<IceEndpoint, string[]>();
  private readonly tuples = new Map<string, NetPath>();
  /** Ufrags and verified addresses of transports in media workers (sfu/worker/MediaWorkers.ts). */
  private readonly remoteUfrags = new Map<string, RemoteSink[]>();
  private readonly remoteTuples = new Map<string, RemoteSink>();

  constructor(opts: MediaNetOptions) {
    this.ip = opts.ip;
    this._port = opts.port;
    this.listener = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.listener.on('message', (msg, rinfo) => this.onListener(msg, rinfo));
    this.listening = (opts.port === 0 ? exclusiveFreePort(opts.ip) : Promise.resolve(opts.port)).then(
      (port) =>
        new Promise<void>((resolve, reject) => {
          const failed = (err: Error) => reject(err);
          this.listener.once('error', failed);
          this.listener.bind({ address: opts.ip, port }, () => {
            this.listener.off('error', failed);
            this._port = this.listener.address().port;
            resolve();
          });
        }),
    )
      // Transports wait for `listening` before they gather, so no handshake meets a cold P-256
      // table (dtlsWarmup.ts: its first build stalled the loop past the peer's DTLS retransmit).
      .then(warmDtlsKeyExchange);
    // After binding, a socket error (e.g. ICMP-induced on some kernels) must not crash the process.
    this.listener.on('error', () => undefined);
  }

  /** Binds the node's media port; rejects (the server does not start) if it cannot. */
  static async open(opts: MediaNetOptions): Promise<MediaNet> {
    const net = new MediaNet(opts);
    try {
      await net.listening;
    } catch (err) {
      net.close();
      throw err;
    }
    return net;
  }

  /** The bound port (what the SDP announces); the configured one until bound. */
  get port(): number {
    return this._port;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** A transport's place on the port. It receives first contacts once it announce()s its ufrag. */
  endpoint(credentials: () => IceCredentials, sink: EndpointSink): IceEndpoint {
    const ep = new IceEndpoint(this, credentials, sink);
    if (this._closed) ep.close();
    else this.endpoints.add(ep);
    return ep;
  }

  stats(): MediaNetStats {
    let paths = 0;
    for (const ep of this.endpoints) paths += ep.pathCount;
    return { port: this._port, endpoints: this.endpoints.size, paths, answered: this._answered, roleConflicts: this._roleConflicts, dropped: { ...this.drops } };
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const ep of [...this.endpoints]) ep.closeFromHost();
    this.endpoints.clear();
    this.ufrags.clear();
    this.announced.clear();
    this.tuples.clear();
    this.remoteUfrags.clear();
    this.remoteTuples.clear();
    try {
      this.listener.close();
    } catch {
      // never bound
    }
  }

  // NetHost: called by the endpoints.

  drop(reason: DropReason): void {
    this.drops[reason]++;
  }

  answered(roleConflict: boolean): void {
    this._answered++;
    if (roleConflict) this._roleConflicts++;
  }

  register(ufrag: string, endpoint: IceEndpoint): void {
    if (this._closed || endpoint.closed) return;
    const mine = this.announced.get(endpoint) ?? [];
    if (mine.includes(ufrag)) return;
    mine.push(ufrag);
    this.announced.set(endpoint, mine);
    this.ufrags.set(ufrag, [...(this.ufrags.get(ufrag) ?? []), endpoint]);
    // An ICE restart announces a new ufrag; the old ones go after a few.
    while (mine.length > MAX_UFRAGS) this.forgetUfrag(mine.shift()!, endpoint);
  }

  unregister(endpoint: IceEndpoint): void {
    this.endpoints.delete(endpoint);
    for (const ufrag of this.announced.get(endpoint) ?? []) this.forgetUfrag(ufrag, endpoint);
    this.announced.delete(endpoint);
  }

  private forgetUfrag(ufrag: string, endpoint: IceEndpoint): void {
    const holders = this.ufrags.get(ufrag)?.filter((e) => e !== endpoint) ?? [];
    if (holders.length) this.ufrags.set(ufrag, holders);
    else this.ufrags.delete(ufrag);
  }

  /** A transport in a media worker announced a ufrag: its first contacts are posted there. */
  registerRemote(ufrag: string, sink: RemoteSink): void {
    if (this._closed) return;
    const holders = this.remoteUfrags.get(ufrag) ?? [];
    if (!holders.includes(sink)) this.remoteUfrags.set(ufrag, [...holders, sink]);
  }

  unregisterRemote(ufrag: string, sink: RemoteSink): void {
    const holders = this.remoteUfrags.get(ufrag)?.filter((s) => s !== sink) ?? [];
    if (holders.length) this.remoteUfrags.set(ufrag, holders);
    else this.remoteUfrags.delete(ufrag);
  }

  /** A worker verified a peer address: its datagrams that reach the listener before the worker's connected socket exists go there. */
  addRemoteTuple(key: string, sink: RemoteSink): void {
    if (this._closed) return;
    const old = this.tuples.get(key);
    if (old) old.endpoint.closePathTo(old);
    this.remoteTuples.set(key, sink);
  }

  removeRemoteTuple(key: string, sink: RemoteSink): void {
    if (this.remoteTuples.get(key) === sink) this.remoteTuples.delete(key);
  }

  /** A worker died or closed: nothing is routed to it any more. */
  forgetRemote(sink: RemoteSink): void {
    for (const ufrag of [...this.remoteUfrags.keys()]) this.unregisterRemote(ufrag, sink);
    for (const [key, s] of [...this.remoteTuples]) if (s === sink) this.remoteTuples.delete(key);
  }

  addTuple(key: string, path: NetPath): void {
    this.remoteTuples.delete(key);
    const old = this.tuples.get(key);
    // The same peer address verified for another transport (a browser reusing its socket after a
    // restart): the newest verified check owns the tuple.
    if (old && old !== path) old.endpoint.closePathTo(old);
    this.tuples.set(key, path);
  }

  removeTuple(key: string, path: NetPath): void {
    if (this.tuples.get(key) === path) this.tuples.delete(key);
  }

  sendFromListener(buf: Buffer, length: number, ip: string, port: number): void {
    if (this._closed) return;
    // Rare (answers to first contacts, the first milliseconds of a path): a copy, since dgram keeps
    // the buffer while a send is queued and the caller may reuse its own.
    this.listener.send(Buffer.from(buf.subarray(0, length)), port, ip);
  }

  private onListener(data: Buffer, rinfo: RemoteInfo): void {
    if (data.length < MIN_DATAGRAM) return this.drop('too-short');
    if (data.length > MAX_DATAGRAM) return this.drop('too-long');
    const path = this.tuples.get(tupleKey(rinfo.address, rinfo.port));
    if (path) return path.endpoint.receive(data, path);
    const remote = this.remoteTuples.size ? this.remoteTuples.get(tupleKey(rinfo.address, rinfo.port)) : undefined;
    if (remote) return remote(data, rinfo.address, rinfo.port);
    if (!looksLikeStun(data)) return this.drop('unknown-tuple');
    if ((data.readUInt16BE(0) & 0x0110) !== 0) return this.drop('not-request');
    if (!isBindingRequest(data)) return this.drop('not-binding');
    const refused = this.routeFirstContact(data, rinfo.address, rinfo.port, null);
    if (refused === null) return;
    const ufrag = localUfragOf(data);
    const workers = ufrag === null ? undefined : this.remoteUfrags.get(ufrag);
    // The worker verifies it (MESSAGE-INTEGRITY with its transport's password) and answers or drops it.
    if (workers) for (const sink of workers) sink(data, rinfo.address, rinfo.port);
    else this.drop(refused);
  }

  routeFirstContact(data: Buffer, ip: string, port: number, except: IceEndpoint | null): DropReason | null {
    const ufrag = localUfragOf(data);
    const holders = ufrag === null ? undefined : this.ufrags.get(ufrag);
    let refused: DropReason = 'unknown-ufrag';
    for (const endpoint of holders ?? []) {
      if (endpoint === except) continue;
      const r = endpoint.firstContact(data, ip, port);
      if (r === null) return null;
      refused = r;
    }
    return refused;
  }
}

/**
 * A port nobody holds, for KAIGI_MEDIA_PORT=0. Binding the SO_REUSEADDR listener to port 0 is not
 * enough: Linux may then hand out a port another SO_REUSEADDR socket already holds (seen here:
 * 154 of 3,000 such binds on one machine got a port in use), and two nodes on one port take each
 * other's first contacts. A socket without SO_REUSEADDR only gets a port no socket holds; it is
 * closed again at once and the listener takes that port.
 */
function exclusiveFreePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = dgram.createSocket({ type: 'udp4' });
    probe.once('error', reject);
    probe.bind({ address: ip, port: 0 }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
