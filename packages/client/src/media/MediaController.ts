import { mayPublish, runsMeeting, type MediaSource, type ServerMessage } from '@kaigi/protocol';
import { SignalingError, type SignalingClient } from '../session/SignalingClient';
import { CaptureError, capture, listDevices } from './devices';
import { INITIAL_MEDIA, type MediaSnapshot, type NoticeKind, type VideoTile } from './mediaTypes';
import { Publisher, PublishRefused } from './Publisher';
import { QualityMeter, uplinkQuality, worse, type Quality } from './quality';
import { Store } from './Store';
import { Subscription } from './Subscription';
import { VideoPreferences } from './VideoPreferences';
import type { FrameTransformSource } from './frameTransform';

// Ties the send and receive transports to the signalling connection: follows admission,
// resumes and server pushes, keeps one snapshot for the UI. No React in here.

const SOURCES: readonly MediaSource[] = ['microphone', 'camera', 'screen'];
const QUALITY_INTERVAL_MS = 2000;
const RESUBSCRIBE_GAP_MS = 1000;
const REPUBLISH_GAP_MS = 2000;

export class MediaController extends Store<MediaSnapshot> {
  private publisher: Publisher | null = null;
  private subscription: Subscription | null = null;
  private readonly offs: (() => void)[] = [];
  private qualityTimer: ReturnType<typeof setInterval> | null = null;
  private meter = new QualityMeter();
  private serverQuality = new Map<string, Quality>();
  private readonly prefs = new VideoPreferences((tiles) => this.client.request({ type: 'videoPreferences', tiles }));
  private noticeId = 0;
  private resubscribeTimer: ReturnType<typeof setTimeout> | null = null;
  private lastResubscribe = 0;
  private lastRepublish = 0;
  /** The meeting asks that everyone but hosts enter muted with the camera off (C1). */
  private muteOnEntry = false;
  /** Our participant ID from the moment we joined (a newcomer has no `selfId` before admission). */
  private joinedAs: string | null = null;

  constructor(
    private readonly client: SignalingClient,
    /** End-to-end encryption's frame transform, in E2EE meetings. */
    private readonly transform: FrameTransformSource = () => null,
  ) {
    super(INITIAL_MEDIA);
    this.offs.push(client.on('message', (m) => this.onMessage(m)));
    const refresh = () => void this.refreshDevices();
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    this.offs.push(() => navigator.mediaDevices?.removeEventListener?.('devicechange', refresh));
    void this.refreshDevices();
  }

  // ---- for the UI -------------------------------------------------------------------------

  allowed(source: MediaSource): boolean {
    // The server's rule, from the protocol: during a verifier's check (B7) both sides may send camera and microphone.
    return mayPublish(this.snap.role, this.snap.permissions, source, this.snap.check !== null);
  }

  /** Turns a source on (capturing it) or off. */
  async toggle(source: MediaSource, on: boolean): Promise<void> {
    const pub = this.publisher;
    if (!pub) return;
    if (!on) {
      this.stopLocal(source);
      return;
    }
    if (pub.track(source) || this.snap.busy) return;
    if (!this.allowed(source)) return this.notify('forbidden', source);
    this.update({ busy: source });
    try {
      const device = source === 'microphone' ? this.snap.selected.microphone : source === 'camera' ? this.snap.selected.camera : '';
      const track = await capture(source, device || undefined);
      this.start(source, track);
    } catch (e) {
      const reason = e instanceof CaptureError ? e.reason : 'failed';
      if (reason !== 'cancelled') this.notify(reason, source);
    } finally {
      this.update({ busy: null });
      void this.refreshDevices();
    }
  }

  /**
   * Sends tracks the person turned on in the pre-join preview, where allowed. In a meeting that
   * mutes on entry (C1) nobody but a host sends them: they enter muted with the camera off and
   * turn them on themselves, when the host allows it.
   */
  adopt(tracks: Partial<Record<'microphone' | 'camera', MediaStreamTrack>>): void {
    if (this.muteOnEntry && !runsMeeting(this.snap.role)) {
      const given = [tracks.microphone, tracks.camera].filter((t): t is MediaStreamTrack => t !== undefined);
      const wasOn = given.some((t) => t.readyState === 'live');
      for (const t of given) t.stop();
      // Said once, for both: the notice's source does not matter to this kind.
      if (wasOn) this.notify('entryMuted', tracks.camera ? 'camera' : 'microphone');
      return;
    }
    for (const source of ['microphone', 'camera'] as const) {
      const track = tracks[source];
      if (!track) continue;
      if (!this.publisher || !this.allowed(source) || track.readyState !== 'live') {
        track.stop();
        if (this.publisher && !this.allowed(source)) this.notify('forbidden', source);
        continue;
      }
      this.start(source, track);
    }
  }

  async selectDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    this.update({ selected: { ...this.snap.selected, [kind]: deviceId } });
    const pub = this.publisher;
    const old = pub?.track(kind);
    if (!pub || !old) return;
    try {
      const track = await capture(kind, deviceId || undefined);
      if (this.publisher !== pub || pub.track(kind) !== old) {
        track.stop();
        return;
      }
      this.watchEnd(kind, track);
      await pub.replace(kind, track);
      old.stop();
      this.syncLocal();
    } catch (e) {
      const reason = e instanceof CaptureError ? e.reason : 'failed';
      if (reason !== 'cancelled') this.notify(reason, kind);
    }
  }

  /** The send and receive connections now, read only (the e2e test build's hooks read their statistics). */
  get connections(): { send: RTCPeerConnection | null; recv: RTCPeerConnection | null } {
    return { send: this.publisher?.connection ?? null, recv: this.subscription?.connection ?? null };
  }

  /** The track this browser sends for a source, if any (for recording in the browser). */
  localTrack(source: MediaSource): MediaStreamTrack | null {
    return this.publisher?.track(source) ?? null;
  }

  /** Tile sizes of the grid, for the SFU's choice of simulcast layer (debounced). */
  setVideoPreferences(tiles: VideoTile[]): void {
    this.prefs.set(tiles, () => this.snap.active);
  }

  dismissNotice(): void {
    this.update({ notice: null });
  }

  /** Stops everything (leaving, sent back to the waiting room, meeting over). */
  deactivate(): void {
    for (const s of SOURCES) this.publisher?.track(s)?.stop();
    this.publisher?.close();
    this.subscription?.close();
    if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = null;
    this.publisher = null;
    this.subscription = null;
    if (this.qualityTimer) clearInterval(this.qualityTimer);
    this.qualityTimer = null;
    this.prefs.cancel();
    this.prefs.forget();
    this.update({ ...INITIAL_MEDIA, devices: this.snap.devices, selected: this.snap.selected, notice: this.snap.notice });
  }

  dispose(): void {
    this.deactivate();
    for (const off of this.offs.splice(0)) off();
  }

  // ---- signalling -------------------------------------------------------------------------

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'joined':
        this.joinedAs = msg.participantId;
        if (msg.state === 'waiting') this.deactivate();
        else if (this.client.resumed) this.recover();
        return;
      case 'admitted':
        this.activate();
        this.muteOnEntry = msg.meeting.muteOnEntry;
        this.update({ selfId: msg.self.id, role: msg.self.role, permissions: msg.meeting.mediaPermissions });
        return;
      case 'roster': {
        // Made a co-host, or a participant again: what we may send follows.
        const me = msg.participants.find((p) => p.id === this.snap.selfId);
        if (me && me.role !== this.snap.role) this.update({ role: me.role });
        return;
      }
      case 'meetingState':
        this.update({ permissions: msg.meeting.mediaPermissions });
        return;
      case 'sentToWaiting':
      case 'ended':
        this.deactivate();
        return;
      case 'subscribeOffer':
        if (!this.snap.active) this.activate();
        this.subscription?.handleOffer(msg.sdp, msg.tracks);
        return;
      case 'mediaRestart':
        // The SFU's side of both transports is gone (its media worker was replaced): publish again
        // at once rather than after the connection's grace; the receive side follows the new offer.
        if (this.snap.active) this.publisher?.rebuild();
        return;
      case 'mediaState':
        this.update({ publishing: new Map(msg.participants.map((p) => [p.id, p.sources])) });
        return;
      case 'activeSpeaker':
        this.update({ activeSpeaker: msg.participantId });
        return;
      case 'mediaStopped':
        if (this.publisher?.track(msg.source)) {
          this.stopLocal(msg.source);
          this.notify(msg.reason, msg.source);
        }
        return;
      case 'checkStarted': {
        const side = msg.participantId === this.joinedAs ? 'newcomer' : 'verifier';
        // A newcomer's transports exist only while the check is open.
        if (side === 'newcomer') this.activate();
        this.update({ check: { participantId: msg.participantId, byId: msg.byId, by: msg.by, side } });
        return;
      }
      case 'checkEnded': {
        const check = this.snap.check;
        if (check?.participantId !== msg.participantId) return;
        this.update({ check: null });
        if (check.side === 'newcomer') this.deactivate();
        else for (const s of ['camera', 'microphone'] as const) if (!this.allowed(s)) this.stopLocal(s);
        return;
      }
      case 'connectionQuality':
        this.serverQuality = new Map(msg.participants.flatMap((p) => (p.quality === 'lost' ? [] : [[p.id, p.quality] as const])));
        return;
      default:
        return;
    }
  }

  private activate(): void {
    if (this.snap.active) return;
    this.publisher = new Publisher(
      {
        publish: async (sdp, tracks) => {
          try {
            return await this.client.publish(sdp, tracks);
          } catch (e) {
            throw e instanceof SignalingError ? new PublishRefused(e.code, e.message) : e;
          }
        },
      },
      {
        forbidden: (sources) => {
          this.syncLocal();
          for (const s of sources) this.notify('forbidden', s);
        },
        failed: () => this.publisher?.rebuild(),
        // The SFU could not use an offer: start over on a fresh connection carrying what is
        // on now (not more than once in a while, so a persistent refusal does not loop).
        problem: () => {
          if (Date.now() - this.lastRepublish < REPUBLISH_GAP_MS) return;
          this.lastRepublish = Date.now();
          this.publisher?.rebuild();
        },
      },
      this.transform,
    );
    this.subscription = new Subscription(
      (sdp) => this.client.request({ type: 'subscribeAnswer', sdp }),
      {
        changed: (remote) => this.update({ remote }),
        failed: () => this.resubscribe(),
      },
      this.transform,
    );
    this.meter = new QualityMeter();
    this.qualityTimer = setInterval(() => void this.measure(), QUALITY_INTERVAL_MS);
    this.update({ active: true });
  }

  /** After a signalling resume: new transports in both directions. */
  private recover(): void {
    this.activate();
    this.publisher?.rebuild();
    this.resubscribe();
    this.prefs.forget();
  }

  /** Drops the receive transport and asks for a fresh offer (at most one request per second). */
  private resubscribe(): void {
    this.subscription?.reset();
    if (this.resubscribeTimer) return;
    const wait = Math.max(0, this.lastResubscribe + RESUBSCRIBE_GAP_MS - Date.now());
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = null;
      if (!this.subscription) return;
      this.lastResubscribe = Date.now();
      this.client.request({ type: 'resubscribe' }).catch(() => undefined);
    }, wait);
  }

  // ---- local sources ----------------------------------------------------------------------

  private start(source: MediaSource, track: MediaStreamTrack): void {
    const pub = this.publisher;
    if (!pub) {
      track.stop();
      return;
    }
    this.watchEnd(source, track);
    try {
      pub.set(source, track);
    } catch (e) {
      // No frame transform could be put on the sender (E2EE not ready): nothing is sent.
      track.stop();
      throw e;
    } finally {
      this.syncLocal();
    }
  }

  /** The browser ended a track (device unplugged, "Stop sharing" in the browser's bar). */
  private watchEnd(source: MediaSource, track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      if (this.publisher?.track(source) === track) this.stopLocal(source);
    });
  }

  private stopLocal(source: MediaSource): void {
    const pub = this.publisher;
    const track = pub?.track(source);
    if (!pub || !track) return;
    pub.remove(source);
    track.stop();
    this.syncLocal();
  }

  private syncLocal(): void {
    const pub = this.publisher;
    const cam = pub?.track('camera') ?? null;
    const screen = pub?.track('screen') ?? null;
    const same = (s: MediaStream | null, t: MediaStreamTrack | null) => (s?.getTracks()[0] ?? null) === t;
    this.update({
      local: { microphone: !!pub?.track('microphone'), camera: !!cam, screen: !!screen },
      selfCamera: same(this.snap.selfCamera, cam) ? this.snap.selfCamera : cam && new MediaStream([cam]),
      selfScreen: same(this.snap.selfScreen, screen) ? this.snap.selfScreen : screen && new MediaStream([screen]),
    });
  }

  // ---- misc -------------------------------------------------------------------------------

  private async measure(): Promise<void> {
    const sub = this.subscription;
    if (!sub) return;
    const measured = this.meter.sample(await sub.inbound());
    const quality = new Map(this.serverQuality);
    for (const [pid, q] of measured) quality.set(pid, q);
    const selfId = this.snap.selfId;
    const up = await uplinkQuality(this.publisher?.connection ?? null);
    // Our own connection: what we send (the SFU's reports on it) and what the SFU measures of what reaches us.
    if (selfId && up) quality.set(selfId, worse(up, this.serverQuality.get(selfId)));
    const same = quality.size === this.snap.quality.size && [...quality].every(([k, v]) => this.snap.quality.get(k) === v);
    if (!same && this.subscription === sub) this.update({ quality });
  }

  private async refreshDevices(): Promise<void> {
    this.update({ devices: await listDevices() });
  }

  private notify(kind: NoticeKind, source: MediaSource): void {
    this.update({ notice: { id: ++this.noticeId, kind, source } });
  }
}
