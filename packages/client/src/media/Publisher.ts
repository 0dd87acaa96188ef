import type { MediaSource } from '@kaigi/protocol';
import { PC_CONFIG, watchConnection } from './rtc';
import type { FrameTransformSource } from './frameTransform';

// The send transport: one RTCPeerConnection the browser offers on, one transceiver per source
// ever published (reused when the source comes back). Negotiations run one at a time; changes
// made while one is under way are folded into the next offer, which always lists every source
// being sent.

/** Simulcast for the camera: the SFU picks each subscriber's layer by tile size and downlink. */
export const SIMULCAST = true;

const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', maxBitrate: 2_000_000 },
];

export interface PublishTransport {
  /** Sends `publish` and resolves with the server's answer SDP. */
  publish(sdp: string, tracks: { mid: string; source: MediaSource }[]): Promise<string>;
}

export class PublishRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PublishRefused';
  }
}

export interface PublisherEvents {
  /** The server refused these sources (FORBIDDEN); they have been removed already. */
  forbidden(sources: MediaSource[]): void;
  /** The connection failed (ICE/DTLS): the owner decides when to rebuild. */
  failed(): void;
  /** Some other negotiation failure (network, invalid offer). */
  problem(code: string): void;
}

export class Publisher {
  private pc: RTCPeerConnection | null = null;
  private readonly tracks = new Map<MediaSource, MediaStreamTrack>();
  private readonly transceivers = new Map<MediaSource, RTCRtpTransceiver>();
  /** An inactive m-line that lets a connection with nothing to send still be offered (rebuild). */
  private placeholder: RTCRtpTransceiver | null = null;
  private running = false;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly transport: PublishTransport,
    private readonly events: PublisherEvents,
    private readonly transform: FrameTransformSource = () => null,
  ) {}

  get connection(): RTCPeerConnection | null {
    return this.pc;
  }

  sources(): MediaSource[] {
    return [...this.tracks.keys()];
  }

  track(source: MediaSource): MediaStreamTrack | null {
    return this.tracks.get(source) ?? null;
  }

  /** Starts sending (or replaces) a source's track and renegotiates. */
  set(source: MediaSource, track: MediaStreamTrack): void {
    if (this.closed) return;
    this.tracks.set(source, track);
    const pc = this.ensurePc();
    const tr = this.transceivers.get(source);
    if (tr && pc.getTransceivers().includes(tr)) {
      void tr.sender.replaceTrack(track).catch(() => undefined);
      tr.direction = 'sendonly';
    } else {
      this.addTransceiver(pc, source, track);
    }
    this.negotiate();
  }

  /** Swaps the track of a source being sent without renegotiating (device switch). */
  async replace(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    this.tracks.set(source, track);
    const tr = this.transceivers.get(source);
    if (tr) await tr.sender.replaceTrack(track);
  }

  /** Stops sending a source (the caller stops the track) and renegotiates. */
  remove(source: MediaSource): void {
    if (!this.tracks.delete(source)) return;
    const tr = this.transceivers.get(source);
    if (tr && this.pc && this.pc.signalingState !== 'closed') {
      void tr.sender.replaceTrack(null).catch(() => undefined);
      tr.direction = 'inactive';
    }
    this.negotiate();
  }

  /** A new connection carrying what is on now (after a failure or a signalling resume). */
  rebuild(): void {
    if (this.closed) return;
    this.dropPc();
    const pc = this.ensurePc();
    if (this.tracks.size === 0) {
      // Nothing to send: an offer listing no source still replaces the SFU's old transport, so
      // it stops forwarding whatever the previous connection (or page) was sending.
      // Never given a track: a source turned on later gets a transceiver of its own, with the
      // frame transform on it (the SFU takes no media from an m-line that was offered inactive).
      this.placeholder = pc.addTransceiver('audio', { direction: 'inactive' });
    }
    for (const [source, track] of [...this.tracks]) {
      try {
        this.addTransceiver(pc, source, track);
      } catch {
        track.stop(); // no encryption for it: it is not sent again
      }
    }
    this.negotiate();
  }

  close(): void {
    this.closed = true;
    this.dropPc();
    this.tracks.clear();
  }

  // ---- internals ------------------------------------------------------------------------

  private ensurePc(): RTCPeerConnection {
    if (this.pc && this.pc.signalingState !== 'closed') return this.pc;
    this.dropPc();
    const pc = new RTCPeerConnection({ ...PC_CONFIG, ...this.transform()?.pcConfig });
    watchConnection(pc, () => {
      if (pc === this.pc) this.events.failed();
    });
    this.pc = pc;
    return pc;
  }

  private dropPc(): void {
    const pc = this.pc;
    this.pc = null;
    this.transceivers.clear();
    this.placeholder = null;
    pc?.close();
  }

  private addTransceiver(pc: RTCPeerConnection, source: MediaSource, track: MediaStreamTrack): void {
    const init: RTCRtpTransceiverInit = { direction: 'sendonly' };
    if (source === 'camera' && SIMULCAST) init.sendEncodings = CAMERA_ENCODINGS;
    const tr = pc.addTransceiver(track, init);
    try {
      // Before negotiation, so no frame leaves unencrypted in an E2EE meeting.
      this.transform()?.sender(tr.sender, track.kind === 'audio' ? 'audio' : 'video');
    } catch (e) {
      // No encryption on this sender: it never sends (E2EE fails closed).
      tr.stop();
      this.tracks.delete(source);
      throw e;
    }
    this.transceivers.set(source, tr);
  }

  private negotiate(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        do {
          this.dirty = false;
          await this.negotiateOnce();
        } while (this.dirty && !this.closed);
      } finally {
        this.running = false;
      }
    })();
  }

  private async negotiateOnce(): Promise<void> {
    const pc = this.pc;
    if (!pc || pc.signalingState === 'closed' || (this.transceivers.size === 0 && !this.placeholder)) return;
    const sent = [...this.tracks.keys()];
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
    } catch {
      if (pc === this.pc) this.events.problem('UNKNOWN');
      return;
    }
    const listed: { mid: string; source: MediaSource }[] = [];
    for (const source of sent) {
      const mid = this.transceivers.get(source)?.mid;
      if (mid) listed.push({ mid, source });
    }
    const sdp = pc.localDescription?.sdp;
    if (!sdp) return;
    let answer: string;
    try {
      answer = await this.transport.publish(sdp, listed);
    } catch (e) {
      if (pc !== this.pc) return;
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      const code = e instanceof PublishRefused ? e.code : 'UNKNOWN';
      if (code === 'FORBIDDEN' && e instanceof PublishRefused) {
        const named = (['microphone', 'camera', 'screen'] as const).filter((s) => e.message.includes(s));
        const refused = named.length > 0 ? named.filter((s) => sent.includes(s)) : sent;
        for (const s of refused) {
          this.tracks.get(s)?.stop();
          this.remove(s);
        }
        this.events.forbidden(refused);
        this.dirty = true;
      } else if (code !== 'NETWORK' && code !== 'TIMEOUT') {
        // NETWORK/TIMEOUT: the signalling resume rebuilds the connection.
        this.events.problem(code);
      }
      return;
    }
    if (pc !== this.pc || pc.signalingState !== 'have-local-offer') return;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch {
      if (pc === this.pc) this.events.problem('UNKNOWN');
    }
  }
}
