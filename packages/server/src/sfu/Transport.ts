import { RTCPeerConnection } from 'werift';
import { randomUUID } from 'node:crypto';
import { attachTwccFeedback, type TwccAttachment } from './congestion/attachTwccFeedback.js';
import { Emitter } from './Emitter.js';
import { attachIceGuard, type IceGuard } from './IceGuard.js';
import { peerConfig, type MediaConfig } from './MediaConfig.js';
import type { DatagramOut } from './net/types.js';
import { WeriftIceBinding, type SrtpReceiver } from './net/weriftIce.js';
import { warmDtlsKeyExchange } from './net/dtlsWarmup.js';
import type { SrtpMasterKeys } from './srtp/types.js';

/** werift's number for the SRTP profile AEAD_AES_128_GCM (RFC 7714 §14.2). */
const AEAD_AES_128_GCM = 0x0007;

/** The parts of werift's (private) DTLS and ICE state the packet path reads. */
interface WeriftDtls {
  state: string;
  dtls?: { srtp: { srtpProfile?: number }; extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer } };
  iceTransport: { connection: { nominated?: { protocol: { sendData(data: Buffer, addr: readonly [string, number]): Promise<void> }; remoteAddr: readonly [string, number] } } };
}

export type Direction = 'send' | 'recv';

/**
 * One participant's ICE/DTLS/SRTP connection to the SFU in one direction: `send` carries what
 * the browser publishes, `recv` what it receives. Created by the Router; close() is safe to
 * repeat and closes everything that depends on it (listeners close their Producers/Consumers).
 */
export class Transport extends Emitter<{ close: []; failed: [] }> {
  readonly id: string = randomUUID();
  readonly pc: RTCPeerConnection;
  private _closed = false;
  private readonly twcc: TwccAttachment | null;
  /**
   * Per werift ICE connection (one with max-bundle): its place on the node's media port
   * (config.net), or, for a Router made without one (some tests), the guard in front of werift's
   * own socket.
   */
  private readonly iceBindings = new Map<object, WeriftIceBinding>();
  private readonly iceGuards = new Map<object, IceGuard>();

  constructor(
    readonly participantId: string,
    readonly direction: Direction,
    private readonly config: MediaConfig,
  ) {
    super();
    this.pc = new RTCPeerConnection(peerConfig(config));
    // The browser's congestion controller needs correct transport-cc feedback for what it sends.
    this.twcc = direction === 'send' ? attachTwccFeedback(this.pc) : null;
    // D1: werift opens its sockets right after gathering starts; attaching at that moment means it
    // opens none on the media port's path, and no datagram ever reaches werift unchecked.
    this.pc.iceGatheringStateChange.subscribe(() => this.attachIce());
    // Without the media port nothing warmed werift's P-256 tables before the first handshake
    // (net/dtlsWarmup.ts); gathering and ICE take several turns of the loop, time enough.
    if (!config.net) void warmDtlsKeyExchange();
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') {
        if (state === 'failed') this.emit('failed');
        this.close();
      }
    });
  }

  get closed(): boolean {
    return this._closed;
  }

  /**
   * Datagrams for this transport dropped unanswered: checks that failed verification, and
   * anything from unchecked addresses. On the media port, a datagram that names no live ufrag is
   * counted by the MediaNet only (it belongs to no transport).
   */
  get iceDropped(): number {
    let n = 0;
    for (const b of this.iceBindings.values()) n += b.endpoint.dropped;
    for (const g of this.iceGuards.values()) n += g.dropped;
    return n;
  }

  private attachIce(): void {
    const net = this.config.net;
    for (const ice of this.pc.iceTransports) {
      if (this.iceBindings.has(ice.connection) || this.iceGuards.has(ice.connection)) continue;
      if (net) this.iceBindings.set(ice.connection, new WeriftIceBinding(ice.connection, net, () => this.close()));
      else this.iceGuards.set(ice.connection, attachIceGuard(ice.connection));
    }
  }

  /**
   * Takes the DTLS server role when answering: the server picks the SRTP profile, and werift
   * prefers AEAD_AES_128_GCM (D5), which Chromium offers but, as server, does not choose.
   */
  preferDtlsServer(): void {
    for (const t of this.pc.getTransceivers()) {
      if (t.dtlsTransport && t.dtlsTransport.role === 'auto') t.dtlsTransport.role = 'server';
    }
  }

  /**
   * Stops werift from recycling an m-line the browser set inactive for a new one it offers:
   * werift gives the new transceiver the old mid, and the next answer then fails.
   */
  pinTransceivers(): void {
    for (const t of this.pc.getTransceivers()) t.usedForSender = true;
  }

  /**
   * Resolves once ICE and DTLS are up (or after `timeoutMs`, or on close). A renegotiation
   * applied while DTLS is still being set up leaves werift's transport stuck.
   */
  whenConnected(timeoutMs = 5_000): Promise<void> {
    if (this._closed || this.pc.connectionState === 'connected' || !this.pc.remoteDescription) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected' || state === 'failed' || state === 'closed') done();
      });
      const off = this.on('close', done);
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        off();
        resolve();
      }
    });
  }

  /**
   * The SRTP master keys of this transport's DTLS association, once it is up and negotiated
   * AEAD_AES_128_GCM (D5); null before, or with any other profile (then werift's own path sends).
   */
  srtpKeys(): { local: SrtpMasterKeys; remote: SrtpMasterKeys } | null {
    const d = this.dtls();
    if (!d?.dtls || d.state !== 'connected' || d.dtls.srtp.srtpProfile !== AEAD_AES_128_GCM) return null;
    const k = d.dtls.extractSessionKeys(16, 12);
    return { local: { key: k.localKey, salt: k.localSalt }, remote: { key: k.remoteKey, salt: k.remoteSalt } };
  }

  /**
   * Where this transport's packets leave, once ICE has selected a pair; null before. On the media
   * port: the peer's connected socket, through the node's send ring (no Promise, no closure per
   * packet; the bytes are copied, so the caller may reuse its buffer). It follows werift's
   * selected pair at each packet.
   */
  datagramOut(): DatagramOut | null {
    const d = this.dtls();
    if (!d || this._closed || !d.iceTransport.connection.nominated) return null;
    const connection = d.iceTransport.connection;
    const binding = this.iceBindings.get(connection);
    if (binding) return binding.endpoint.out(() => binding.selected());
    return {
      send: (buf, length) => {
        const pair = connection.nominated;
        if (!pair || this._closed) return;
        void pair.protocol.sendData(Buffer.from(buf.subarray(0, length)), pair.remoteAddr).catch(() => undefined);
      },
    };
  }

  /**
   * Hands this transport's incoming SRTP/SRTCP to Kaigi's own packet path (on the media port):
   * each datagram is offered to `receiver` first and reaches werift only if it declines. null
   * gives everything back to werift. Returns false without the media port (nothing to hook).
   */
  receiveSrtpWith(receiver: SrtpReceiver | null): boolean {
    if (this.iceBindings.size === 0) return false;
    for (const b of this.iceBindings.values()) b.srtpReceiver = receiver;
    return true;
  }

  private dtls(): WeriftDtls | null {
    return (this.pc.dtlsTransports[0] as unknown as WeriftDtls | undefined) ?? null;
  }

  /** The ICE username fragment the browser used in its last description. */
  remoteUfrag(): string | null {
    const sdp = this.pc.remoteDescription?.sdp;
    return sdp ? (/a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null) : null;
  }

  /**
   * The local description with its candidates (the SFU does not trickle), announcing only the
   * configured media address.
   */
  async localSdp(): Promise<string> {
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local description');
    // Before anyone learns the ports: a connection gathered without the state event is attached
    // too, and first contacts naming this ufrag find this transport from now on.
    this.attachIce();
    for (const b of this.iceBindings.values()) b.announce();
    // On the media port every candidate is the one port (also one werift gathered before it attached).
    const port = this.config.net ? this.config.net.port : null;
    return (
      withTrackIds(withoutUnsentSsrcs(sdp))
        .split('\r\n')
        .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === this.config.ip)
        .map((line) => (port !== null && line.startsWith('a=candidate:') ? withPort(line, port) : line))
        .join('\r\n')
        // werift rejects (port 0) the m-sections it answers inactive; a rejected first section
        // would reject the whole BUNDLE group in the browser. Inactive-but-accepted is meant.
        .replace(/^m=(audio|video) 0 /gm, 'm=$1 9 ')
    );
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.emit('close');
    this.removeAllListeners();
    this.twcc?.stop();
    for (const b of this.iceBindings.values()) b.close();
    void this.pc.close().catch(() => undefined);
  }
}

/** An a=candidate line with its port (the sixth field) replaced. */
function withPort(line: string, port: number): string {
  const f = line.split(' ');
  if (f.length > 5) f[5] = String(port);
  return f.join(' ');
}

/**
 * Drops the a=ssrc and a=ssrc-group lines of the m-sections the SFU does not send on (recvonly,
 * inactive). werift writes its own sender's SSRC there, and with RTX negotiated two of them: the
 * libwebrtc in @roamhq/wrtc (the bench's publisher) then refuses the whole answer ("more than one
 * track specified with a=ssrc lines"), and an SSRC nothing will ever carry means nothing anywhere.
 */
export function withoutUnsentSsrcs(sdp: string): string {
  return sdp
    .split(/(?=\r\nm=)/)
    .map((section) =>
      /\r\na=(recvonly|inactive)(?=\r\n|$)/.test(section)
        ? section
            .split('\r\n')
            .filter((line) => !line.startsWith('a=ssrc:') && !line.startsWith('a=ssrc-group:'))
            .join('\r\n')
        : section,
    )
    .join('');
}

/**
 * Gives each section the SFU sends on one track id (`a=msid:- kaigi-<mid>`, RFC 8830) when werift
 * wrote none. With RTX the section carries two SSRCs; libwebrtc releases before Chromium's current
 * one (the bench's @roamhq/wrtc) read two SSRCs without an msid as two tracks and refuse the offer
 * under Unified Plan. The client maps tracks by mid, never by these ids.
 */
export function withTrackIds(sdp: string): string {
  return sdp
    .split(/(?=\r\nm=)/)
    .map((section) => {
      const mid = /\r\na=mid:(\S+)/.exec(section)?.[1];
      if (!mid || !/\r\na=(sendonly|sendrecv)(?=\r\n|$)/.test(section) || /\r\na=msid:/.test(section)) return section;
      return section.replace(/\r\na=mid:\S+/, (line) => `${line}\r\na=msid:- kaigi-${mid}`);
    })
    .join('');
}
