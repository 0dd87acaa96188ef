import type { IceAddress } from '../IceGuard.js';
import type { EndpointSink, IceEndpoint, PeerAddress } from './IceEndpoint.js';
import type { MediaNetHost as MediaNet } from './MediaNetHost.js';

// werift keeps a transport's ICE state (nomination, the selected pair, consent) and its DTLS
// handshake, but opens no socket (issue 15 item 1): each of its ICE connections gets, instead of
// a UdpTransport, a virtual one backed by the transport's IceEndpoint on the node's media port.
// Kaigi verifies and answers Binding requests; the verified ones are still handed to werift so
// its ICE state moves, and werift's own STUN answers are dropped in the virtual send, so exactly
// one answer (Kaigi's) goes out. Reads werift 0.24.4's private ICE internals (ice/src/ice.js
// ensureProtocol, getCandidatePromises; stun/protocol.js); checked when attaching.

const RESOLVED: Promise<void> = Promise.resolve();

/** The parts of werift's StunProtocol this file uses. */
interface WeriftProtocol {
  type?: string;
  transport?: unknown;
  localIp?: string;
  localCandidate?: { port: number };
  connectionMade: (...args: unknown[]) => Promise<void>;
  datagramReceived?: (data: Buffer, addr: IceAddress) => void;
}

/** The parts of werift's ICE Connection this file uses. */
interface WeriftIceConnection {
  localUsername: string;
  localPassword: string;
  remoteUsername: string;
  protocols: WeriftProtocol[];
  ensureProtocol: (protocol: WeriftProtocol) => void;
  getCandidatePromises: (addresses: string[], timeout?: number) => unknown[];
  nominated?: { remoteCandidate: PeerAddress };
}

/** werift's UdpTransport, as far as werift's ICE and DTLS use it; sends go to the endpoint. */
class VirtualUdpTransport {
  readonly type = 'udp';
  readonly socketType = 'udp4';
  closed = false;
  /** werift sets this; datagrams reach werift through the protocol, never through here. */
  onData: (data: Buffer, addr: IceAddress) => void = () => undefined;

  constructor(
    private readonly endpoint: IceEndpoint,
    private readonly net: MediaNet,
  ) {}

  get address(): { address: string; port: number; family: string } {
    return { address: this.net.ip, port: this.net.port, family: 'IPv4' };
  }

  get host(): string {
    return this.net.ip;
  }

  get port(): number {
    return this.net.port;
  }

  /** werift's STUN (its Binding answers, error responses) is dropped: Kaigi answered already. */
  send(data: Buffer, addr?: IceAddress): Promise<void> {
    if (!this.closed && data.length > 0 && data[0]! >= 4) this.endpoint.send(data, data.length, addr);
    return RESOLVED;
  }

  close(): Promise<void> {
    this.closed = true;
    return RESOLVED;
  }
}

/**
 * Kaigi's own packet path for one transport (issue 15 item 2): it is offered each SRTP/SRTCP
 * datagram (first byte 128–191) from a verified address before werift, and returns true when it
 * took it. Called per packet: implement it as a method, no closure.
 */
export interface SrtpReceiver {
  receiveSrtp(data: Buffer): boolean;
}

/** One werift ICE connection on the node's media port. */
export class WeriftIceBinding implements EndpointSink {
  readonly endpoint: IceEndpoint;
  private protocol: WeriftProtocol | null = null;
  /** Set by the packet path once it has this transport's SRTP keys; null: werift gets everything. */
  srtpReceiver: SrtpReceiver | null = null;
  private readonly conn: WeriftIceConnection;

  constructor(
    connection: unknown,
    private readonly net: MediaNet,
    private readonly onHostClosed: () => void,
  ) {
    const c = connection as Partial<WeriftIceConnection> | null;
    if (
      !c ||
      typeof c.ensureProtocol !== 'function' ||
      typeof c.getCandidatePromises !== 'function' ||
      !Array.isArray(c.protocols) ||
      typeof c.localUsername !== 'string'
    ) {
      throw new Error('werift ICE connection internals changed; the media port cannot attach');
    }
    const conn = c as WeriftIceConnection;
    this.conn = conn;
    this.endpoint = net.endpoint(() => ({ localUfrag: conn.localUsername, localPwd: conn.localPassword, remoteUfrag: conn.remoteUsername }), this);
    // Gathered before this binding attached (werift's pc-level gathering event did not fire for
    // this connection): its sockets are closed and replaced, its candidate moved to the port.
    for (const protocol of conn.protocols) this.adopt(protocol);
    // Only the configured address gets a (virtual) host candidate; werift would otherwise make
    // one per address of the machine.
    const gather = conn.getCandidatePromises;
    conn.getCandidatePromises = (addresses, timeout) => gather.call(conn, addresses.filter((a) => a === net.ip), timeout);
    const ensure = conn.ensureProtocol;
    conn.ensureProtocol = (protocol) => {
      this.virtualize(protocol);
      ensure.call(conn, protocol);
    };
  }

  /** Makes first contacts with the current local ufrag reach this connection (call when announced). */
  announce(): void {
    this.endpoint.announce(this.conn.localUsername);
  }

  /** werift's selected pair's remote address, if any (its candidate: the pair's remoteAddr getter allocates). */
  selected(): PeerAddress | undefined {
    return this.conn.nominated?.remoteCandidate;
  }

  deliver(data: Buffer, from: IceAddress): void {
    const b = data[0]!;
    if (b >= 128 && b <= 191 && this.srtpReceiver?.receiveSrtp(data)) return;
    this.protocol?.datagramReceived?.(data, from);
  }

  closed(): void {
    this.onHostClosed();
  }

  close(): void {
    this.endpoint.close();
  }

  private adopt(protocol: WeriftProtocol): void {
    if (protocol.type !== 'stun' || typeof protocol.datagramReceived !== 'function') return;
    const real = protocol.transport as { close?: () => Promise<void> } | undefined;
    void real?.close?.().catch(() => undefined);
    protocol.transport = new VirtualUdpTransport(this.endpoint, this.net);
    if (protocol.localCandidate) protocol.localCandidate.port = this.net.port;
    if (protocol.localIp === this.net.ip) this.protocol = protocol;
  }

  private virtualize(protocol: WeriftProtocol): void {
    if (protocol.type !== 'stun' || typeof protocol.datagramReceived !== 'function') {
      // ICE-TCP or TURN: not on this port (yet); werift then gathers no candidate for it.
      protocol.connectionMade = () => Promise.reject(new Error('only the media port carries ICE'));
      return;
    }
    protocol.connectionMade = async () => {
      await this.net.listening;
      protocol.transport = new VirtualUdpTransport(this.endpoint, this.net);
      this.protocol = protocol;
    };
  }
}
