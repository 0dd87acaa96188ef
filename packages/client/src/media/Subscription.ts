import type { MediaSource, RemoteTrack } from '@kaigi/protocol';
import { PC_CONFIG, iceUfrag, watchConnection } from './rtc';
import type { FrameTransformSource } from './frameTransform';

// The receive transport: the SFU offers, the browser answers. Each offer lists which mid carries
// whose source; m-lines left out of the list are inactive (their tracks stopped at the SFU).

export interface RemoteMedia {
  /** Stable while the same mid carries the same participant's source. */
  key: string;
  mid: string;
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
  stream: MediaStream;
}

/** Counters of one participant's inbound tracks, summed. */
export interface InboundCounters {
  packetsReceived: number;
  packetsLost: number;
  /** Largest jitter among the tracks, in seconds. */
  jitter: number;
}

export interface SubscriptionEvents {
  /** The set of remote tracks changed. */
  changed(media: RemoteMedia[]): void;
  /** The connection failed or an offer could not be applied: the owner asks for a new one. */
  failed(): void;
}

export class Subscription {
  private pc: RTCPeerConnection | null = null;
  private queue: Promise<void> = Promise.resolve();
  private media: RemoteMedia[] = [];
  private readonly streams = new Map<string, MediaStream>();
  private closed = false;
  private readonly transformed = new WeakSet<RTCRtpReceiver>();

  constructor(
    private readonly sendAnswer: (sdp: string) => Promise<void>,
    private readonly events: SubscriptionEvents,
    private readonly transform: FrameTransformSource = () => null,
  ) {}

  get connection(): RTCPeerConnection | null {
    return this.pc;
  }

  current(): RemoteMedia[] {
    return this.media;
  }

  /** Applies an offer from the SFU and answers it; offers are handled in order. */
  handleOffer(sdp: string, tracks: RemoteTrack[]): void {
    if (this.closed) return;
    this.queue = this.queue.then(() => this.apply(sdp, tracks)).catch(() => undefined);
  }

  /** Drops the connection and every remote track (before asking for a fresh offer). */
  reset(): void {
    const pc = this.pc;
    this.pc = null;
    pc?.close();
    this.streams.clear();
    if (this.media.length > 0) {
      this.media = [];
      this.events.changed(this.media);
    }
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  /** Inbound packet counters per participant, from this connection's getStats. */
  async inbound(): Promise<Map<string, InboundCounters>> {
    const out = new Map<string, InboundCounters>();
    const pc = this.pc;
    if (!pc || pc.connectionState === 'closed') return out;
    const byMid = new Map(this.media.map((m) => [m.mid, m.participantId]));
    const byTrack = new Map(this.media.map((m) => [m.track.id, m.participantId]));
    let report: RTCStatsReport;
    try {
      report = await pc.getStats();
    } catch {
      return out;
    }
    report.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'inbound-rtp') return;
      const mid = typeof s['mid'] === 'string' ? s['mid'] : undefined;
      const trackId = typeof s['trackIdentifier'] === 'string' ? s['trackIdentifier'] : undefined;
      const pid = (mid && byMid.get(mid)) || (trackId && byTrack.get(trackId));
      if (!pid) return;
      const c = out.get(pid) ?? { packetsReceived: 0, packetsLost: 0, jitter: 0 };
      c.packetsReceived += num(s['packetsReceived']);
      c.packetsLost += Math.max(0, num(s['packetsLost']));
      c.jitter = Math.max(c.jitter, num(s['jitter']));
      out.set(pid, c);
    });
    return out;
  }

  // ---- internals ------------------------------------------------------------------------

  private newPc(): RTCPeerConnection {
    const pc = new RTCPeerConnection({ ...PC_CONFIG, ...this.transform()?.pcConfig });
    watchConnection(pc, () => {
      if (pc === this.pc) this.events.failed();
    });
    this.pc = pc;
    return pc;
  }

  private async apply(sdp: string, tracks: RemoteTrack[]): Promise<void> {
    if (this.closed) return;
    let pc = this.pc;
    // Another ICE session means a new transport at the SFU: start on a new connection too.
    if (pc && (pc.signalingState === 'closed' || iceUfrag(pc.remoteDescription?.sdp) !== iceUfrag(sdp))) {
      this.reset();
      pc = null;
    }
    pc ??= this.newPc();
    let answer: string | undefined;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      this.attachReceivers(pc);
      await pc.setLocalDescription(await pc.createAnswer());
      answer = pc.localDescription?.sdp;
    } catch {
      answer = undefined;
    }
    if (pc !== this.pc) return;
    if (!answer) {
      this.reset();
      this.events.failed();
      return;
    }
    this.update(pc, tracks);
    await this.sendAnswer(answer).catch(() => undefined);
  }

  /** Every new receiver gets the frame transform before its first frame is decoded. */
  private attachReceivers(pc: RTCPeerConnection): void {
    const t = this.transform();
    if (!t) return;
    for (const tr of pc.getTransceivers()) {
      if (this.transformed.has(tr.receiver)) continue;
      this.transformed.add(tr.receiver);
      t.receiver(tr.receiver, tr.receiver.track.kind === 'audio' ? 'audio' : 'video');
    }
  }

  private update(pc: RTCPeerConnection, tracks: RemoteTrack[]): void {
    const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
    const next: RemoteMedia[] = [];
    const keys = new Set<string>();
    for (const t of tracks) {
      const tr = byMid.get(t.mid);
      const track = tr?.receiver.track;
      if (!track || track.kind !== t.kind) continue;
      const key = `${t.mid}:${t.participantId}:${t.source}:${track.id}`;
      keys.add(key);
      let stream = this.streams.get(key);
      if (!stream) {
        stream = new MediaStream([track]);
        this.streams.set(key, stream);
      }
      next.push({ key, mid: t.mid, participantId: t.participantId, source: t.source, kind: t.kind, track, stream });
    }
    for (const key of [...this.streams.keys()]) if (!keys.has(key)) this.streams.delete(key);
    this.media = next;
    this.events.changed(next);
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
