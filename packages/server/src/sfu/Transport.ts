import { RTCPeerConnection } from 'werift';
import { randomUUID } from 'node:crypto';
import { attachTwccFeedback, type TwccAttachment } from './congestion/attachTwccFeedback.js';
import { Emitter } from './Emitter.js';
import { attachIceGuard, type IceGuard } from './IceGuard.js';
import { peerConfig, type MediaConfig } from './MediaConfig.js';

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
  /** One guard per werift ICE connection (one with max-bundle). */
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
    // D1: werift opens its sockets right after gathering starts; guarding at that moment means no
    // datagram ever reaches werift unchecked (see IceGuard).
    this.pc.iceGatheringStateChange.subscribe(() => this.guardIce());
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

  /** Datagrams dropped by the ICE guard: unauthenticated checks, and anything from unchecked addresses. */
  get iceDropped(): number {
    let n = 0;
    for (const g of this.iceGuards.values()) n += g.dropped;
    return n;
  }

  private guardIce(): void {
    for (const ice of this.pc.iceTransports) {
      if (!this.iceGuards.has(ice.connection)) this.iceGuards.set(ice.connection, attachIceGuard(ice.connection));
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
    // Before anyone learns the ports: a connection gathered without the state event is guarded too.
    this.guardIce();
    return (
      sdp
        .split('\r\n')
        .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === this.config.ip)
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
    void this.pc.close().catch(() => undefined);
  }
}
