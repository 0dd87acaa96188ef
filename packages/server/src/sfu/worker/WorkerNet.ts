import type { IceCredentials } from '../IceGuard.js';
import { IceEndpoint, MAX_DATAGRAM, MIN_DATAGRAM, tupleKey, type DropReason, type EndpointSink, type NetHost, type NetPath } from '../net/IceEndpoint.js';
import { MAX_UFRAGS } from '../net/MediaNet.js';
import type { MediaNetHost } from '../net/MediaNetHost.js';
import { SendRing } from '../net/SendRing.js';
import { isBindingRequest, localUfragOf, looksLikeStun } from '../net/stun.js';
import type { FromWorker } from './protocol.js';

// A media worker's share of the node's media port (issue 15 item 3). The listener stays on the
// main thread (one unconnected socket per port: on Linux the last unconnected SO_REUSEADDR socket
// would take the first contacts, so a worker never opens one). This side announces its
// transports' ufrags and verified addresses to the main thread, which posts it their first
// contacts; it verifies and answers them here and opens each path's connected socket itself
// (bound to the same ip:port), after which the kernel hands that peer's datagrams straight to
// this thread.

/**
 * One per worker, created by workerMain.ts. Implements the endpoints' NetHost as MediaNet does,
 * with the listener's parts (routing tables, answers before a path is connected) done through
 * messages to the main thread. close() is idempotent and closes every endpoint.
 */
export class WorkerNet implements NetHost, MediaNetHost {
  readonly ring = new SendRing();
  readonly listening = Promise.resolve();
  private _closed = false;
  private readonly endpoints = new Set<IceEndpoint>();
  private readonly ufrags = new Map<string, IceEndpoint[]>();
  private readonly announced = new Map<IceEndpoint, string[]>();
  private readonly tuples = new Map<string, NetPath>();
  readonly drops = new Map<DropReason, number>();
  answeredCount = 0;

  constructor(
    readonly ip: string,
    readonly port: number,
    private readonly post: (msg: FromWorker) => void,
  ) {}

  endpoint(credentials: () => IceCredentials, sink: EndpointSink): IceEndpoint {
    const ep = new IceEndpoint(this, credentials, sink);
    if (this._closed) ep.close();
    else this.endpoints.add(ep);
    return ep;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const ep of [...this.endpoints]) ep.closeFromHost();
    this.endpoints.clear();
    this.ufrags.clear();
    this.announced.clear();
    this.tuples.clear();
  }

  /** A datagram the main thread's listener posted: a first contact, or one from a verified address whose socket is not connected yet. */
  datagram(data: Buffer, ip: string, port: number): void {
    if (this._closed) return;
    if (data.length < MIN_DATAGRAM) return this.drop('too-short');
    if (data.length > MAX_DATAGRAM) return this.drop('too-long');
    const path = this.tuples.get(tupleKey(ip, port));
    if (path) return path.endpoint.receive(data, path);
    if (!looksLikeStun(data)) return this.drop('unknown-tuple');
    if ((data.readUInt16BE(0) & 0x0110) !== 0) return this.drop('not-request');
    if (!isBindingRequest(data)) return this.drop('not-binding');
    const refused = this.routeFirstContact(data, ip, port, null);
    if (refused !== null) this.drop(refused);
  }

  // NetHost

  drop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  answered(): void {
    this.answeredCount++;
  }

  register(ufrag: string, endpoint: IceEndpoint): void {
    if (this._closed || endpoint.closed) return;
    const mine = this.announced.get(endpoint) ?? [];
    if (mine.includes(ufrag)) return;
    mine.push(ufrag);
    this.announced.set(endpoint, mine);
    const holders = this.ufrags.get(ufrag) ?? [];
    if (!holders.length) this.post({ t: 'ufrag', ufrag, on: true });
    this.ufrags.set(ufrag, [...holders, endpoint]);
    while (mine.length > MAX_UFRAGS) this.forgetUfrag(mine.shift()!, endpoint);
  }

  unregister(endpoint: IceEndpoint): void {
    this.endpoints.delete(endpoint);
    for (const ufrag of this.announced.get(endpoint) ?? []) this.forgetUfrag(ufrag, endpoint);
    this.announced.delete(endpoint);
  }

  addTuple(key: string, path: NetPath): void {
    const old = this.tuples.get(key);
    if (old && old !== path) old.endpoint.closePathTo(old);
    this.tuples.set(key, path);
    this.post({ t: 'tuple', ip: path.addr[0], port: path.addr[1], on: true });
  }

  removeTuple(key: string, path: NetPath): void {
    if (this.tuples.get(key) !== path) return;
    this.tuples.delete(key);
    if (!this._closed) this.post({ t: 'tuple', ip: path.addr[0], port: path.addr[1], on: false });
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

  sendFromListener(buf: Buffer, length: number, ip: string, port: number): void {
    if (this._closed) return;
    // Rare (answers before a path's socket is connected): a copy, posted to the listener's thread.
    this.post({ t: 'send', data: new Uint8Array(buf.subarray(0, length)), ip, port });
  }

  private forgetUfrag(ufrag: string, endpoint: IceEndpoint): void {
    const holders = this.ufrags.get(ufrag)?.filter((e) => e !== endpoint) ?? [];
    if (holders.length) this.ufrags.set(ufrag, holders);
    else {
      this.ufrags.delete(ufrag);
      if (!this._closed) this.post({ t: 'ufrag', ufrag, on: false });
    }
  }
}
