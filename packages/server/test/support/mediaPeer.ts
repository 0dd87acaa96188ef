// A browser's media, in the test process: a werift peer that publishes synthetic Opus and VP8
// RTP to the SFU through the signalling API's offer/answer (publish → publishAnswer,
// subscribeOffer → subscribeAnswer) and counts the RTP it receives per remote participant and
// source. Waits are on state (N packets counted, a stream quiet for X ms), never fixed sleeps.
// The same approach as e2e/support/weriftMedia.ts, which drives the built server over a socket.
// Sockets bind 127.0.0.1 only, so the tests run inside a network namespace with just loopback.
import { SOURCE_KIND, type MediaSource, type RemoteTrack } from '@kaigi/protocol';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useSdesMid } from 'werift';

/** How the peer reaches the server: a Router directly, a room, or a socket. */
export interface MediaSignalling {
  /** Sends a publish offer with its complete track list; resolves with the server's answer SDP. */
  publish(req: { sdp: string; tracks: { mid: string; source: MediaSource }[] }): Promise<string>;
  /** Hands our answer to the server's last subscribeOffer. */
  subscribeAnswer(sdp: string): Promise<void> | void;
}

export interface SubscribeOffer {
  sdp: string;
  tracks: RemoteTrack[];
}

const AUDIO_PT = 111;
const VIDEO_PT = 96;
const DEFAULT_TIMEOUT_MS = 10_000;
/** 20 ms Opus frames; video at 25 frames/s, one packet per frame. */
const AUDIO_INTERVAL_MS = 20;
const VIDEO_INTERVAL_MS = 40;

/** Loopback only: werift binds its UDP sockets to 127.0.0.1 and announces just that. */
function loopbackPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: AUDIO_PT })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: VIDEO_PT })],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

/**
 * A VP8 payload that is the whole first packet of a 320x180 keyframe (RFC 7741 descriptor with
 * S=1, PID 0, then the keyframe header): every packet is a switch point, so a consumer starts
 * forwarding at once without a keyframe request round trip.
 */
function vp8Keyframe(): Buffer {
  const p = Buffer.alloc(64, 0x55);
  p[0] = 0x10; // S: start of partition 0
  p[1] = 0x10; // frame tag: keyframe (bit 0 = 0), show_frame
  p[2] = 0x00;
  p[3] = 0x00;
  p[4] = 0x9d; // start code
  p[5] = 0x01;
  p[6] = 0x2a;
  p.writeUInt16LE(320, 7);
  p.writeUInt16LE(180, 9);
  return p;
}

/** The key packets are counted under: one remote participant's source. */
export const streamKey = (participantId: string, source: MediaSource): string => `${participantId}/${source}`;

interface Counter {
  count: number;
  lastAt: number;
}

export class MediaPeer {
  private readonly sendPc = loopbackPeer();
  private readonly recvPc = loopbackPeer();
  private readonly timers: NodeJS.Timeout[] = [];
  /** mid → the stream it carries, from the server's offers (kept after a track goes). */
  private readonly streams = new Map<string, string>();
  private readonly counters = new Map<string, Counter>();
  private readonly changes = new Set<() => void>();
  private offers: Promise<void> = Promise.resolve();
  private _offersAnswered = 0;
  /** The last offer's track list: what the server says this peer receives now. */
  tracks: RemoteTrack[] = [];
  private closed = false;

  constructor(
    private readonly signalling: MediaSignalling,
    readonly name = 'media',
  ) {
    this.recvPc.onTrack.subscribe((track) => {
      const transceiver = this.recvPc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
      track.onReceiveRtp.subscribe(() => this.count(transceiver?.mid ?? null));
    });
  }

  /** Subscribe offers answered so far. */
  get offersAnswered(): number {
    return this._offersAnswered;
  }

  /**
   * Publishes the given sources (one transceiver each) and starts sending synthetic RTP on
   * them until close(). Resolves once the send transport is connected.
   */
  async publish(sources: MediaSource[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const sending = sources.map((source) => {
      const track = new MediaStreamTrack({ kind: SOURCE_KIND[source] });
      return { track, source, transceiver: this.sendPc.addTransceiver(track, { direction: 'sendonly' }) };
    });
    await this.sendPc.setLocalDescription(await this.sendPc.createOffer());
    // The mids exist once the offer is made.
    const tracks = sending.map(({ transceiver, source }) => ({ mid: transceiver.mid ?? '', source }));
    const answer = await this.signalling.publish({ sdp: this.sendPc.localDescription!.sdp, tracks });
    await this.sendPc.setRemoteDescription({ type: 'answer', sdp: answer });
    for (const s of sending) this.startSending(s.track, SOURCE_KIND[s.source]);
    await this.connected(timeoutMs);
  }

  /** Answers one subscribeOffer; offers are answered one at a time, in order. */
  answerOffer(offer: SubscribeOffer): Promise<void> {
    const next = this.offers.then(async () => {
      if (this.closed) return;
      for (const t of offer.tracks) this.streams.set(t.mid, streamKey(t.participantId, t.source));
      this.tracks = offer.tracks;
      await this.recvPc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await this.recvPc.setLocalDescription(await this.recvPc.createAnswer());
      await this.signalling.subscribeAnswer(this.recvPc.localDescription!.sdp);
      this._offersAnswered++;
      this.changed();
    });
    // One failed negotiation must not block the next offer (the server starts over on a new one).
    this.offers = next.catch(() => undefined);
    return next;
  }

  /** RTP packets received so far from one participant's source. */
  received(participantId: string, source: MediaSource): number {
    return this.counters.get(streamKey(participantId, source))?.count ?? 0;
  }

  /** Resolves once at least `n` more packets than now have arrived from that source. */
  async receivesMore(participantId: string, source: MediaSource, n = 10, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    const target = this.received(participantId, source) + n;
    return this.until(() => this.received(participantId, source) >= target, `${n} packets from ${streamKey(participantId, source)}`, timeoutMs).then(() =>
      this.received(participantId, source),
    );
  }

  /**
   * Resolves once no packet from that source has arrived for `quietMs` (by the packets' own
   * arrival times, so a stream that still flows keeps it waiting), failing after `timeoutMs`.
   */
  stopsReceiving(participantId: string, source: MediaSource, quietMs = 500, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const key = streamKey(participantId, source);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const check = () => {
        const last = this.counters.get(key)?.lastAt ?? 0;
        const quietFor = Date.now() - Math.max(last, started);
        if (quietFor >= quietMs) return resolve();
        if (Date.now() - started > timeoutMs) {
          return reject(new Error(`${this.name}: ${key} still flowing after ${timeoutMs} ms (${this.counters.get(key)?.count ?? 0} packets)`));
        }
        // Look again when the stream would have been quiet long enough since its last packet.
        setTimeout(check, quietMs - quietFor);
      };
      setTimeout(check, quietMs);
    });
  }

  /** Resolves when `done()` holds, re-checked at every packet and every answered offer. */
  until(done: () => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        this.changes.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changes.delete(check);
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(Object.fromEntries([...this.counters].map(([k, c]) => [k, c.count])))}`));
      }, timeoutMs);
      this.changes.add(check);
    });
  }

  /** The send transport is connected (ICE and DTLS up). */
  connected(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.sendPc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unSubscribe();
        reject(new Error(`${this.name}: send transport not connected after ${timeoutMs} ms (${this.sendPc.connectionState})`));
      }, timeoutMs);
      const sub = this.sendPc.connectionStateChange.subscribe((state) => {
        if (state !== 'connected') return;
        sub.unSubscribe();
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops sending and closes both peer connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.changes.clear();
    await Promise.allSettled([this.sendPc.close(), this.recvPc.close()]);
  }

  private startSending(track: MediaStreamTrack, kind: 'audio' | 'video'): void {
    const ssrc = (Math.random() * 0xffffffff) >>> 0;
    let seq = 0;
    const audio = kind === 'audio';
    const payload = audio ? Buffer.alloc(80, 0xf8) : vp8Keyframe();
    const timer = setInterval(() => {
      seq = (seq + 1) & 0xffff;
      const header = new RtpHeader({
        payloadType: audio ? AUDIO_PT : VIDEO_PT,
        sequenceNumber: seq,
        timestamp: (seq * (audio ? 960 : 3600)) >>> 0,
        ssrc,
        marker: !audio,
      });
      track.writeRtp(new RtpPacket(header, payload));
    }, audio ? AUDIO_INTERVAL_MS : VIDEO_INTERVAL_MS);
    this.timers.push(timer);
  }

  private count(mid: string | null): void {
    const key = (mid !== null && this.streams.get(mid)) || `unknown/${mid ?? '-'}`;
    const c = this.counters.get(key) ?? { count: 0, lastAt: 0 };
    c.count++;
    c.lastAt = Date.now();
    this.counters.set(key, c);
    this.changed();
  }

  private changed(): void {
    for (const check of [...this.changes]) check();
  }
}
