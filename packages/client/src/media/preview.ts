// Local camera/microphone preview (H5). Nothing is captured until the user asks for it, and
// nothing here is sent anywhere: the stream only feeds the local <video> preview.

import { CAMERA_CONSTRAINTS } from './devices';

export type DeviceKind = 'camera' | 'mic';
export type MediaFailure = 'denied' | 'notFound' | 'unsupported' | 'failed';

export class MediaPreviewError extends Error {
  constructor(
    readonly device: DeviceKind,
    readonly reason: MediaFailure,
  ) {
    super(`${device}: ${reason}`);
    this.name = 'MediaPreviewError';
  }
}

type Listener = () => void;

export class LocalPreview {
  /** One stream holding whatever tracks are on; the <video> element shows it. */
  readonly stream = new MediaStream();
  private readonly tracks: Partial<Record<DeviceKind, MediaStreamTrack>> = {};
  private readonly listeners = new Set<Listener>();

  isOn(device: DeviceKind): boolean {
    return this.tracks[device]?.readyState === 'live';
  }

  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  async turnOn(device: DeviceKind): Promise<void> {
    if (this.isOn(device)) return;
    if (!navigator.mediaDevices?.getUserMedia) throw new MediaPreviewError(device, 'unsupported');
    let got: MediaStream;
    try {
      got = await navigator.mediaDevices.getUserMedia(
        device === 'camera' ? { video: CAMERA_CONSTRAINTS, audio: false } : { audio: true, video: false },
      );
    } catch (e) {
      const name = e instanceof DOMException ? e.name : '';
      const reason: MediaFailure =
        name === 'NotAllowedError' || name === 'SecurityError'
          ? 'denied'
          : name === 'NotFoundError' || name === 'OverconstrainedError'
            ? 'notFound'
            : 'failed';
      throw new MediaPreviewError(device, reason);
    }
    const track = device === 'camera' ? got.getVideoTracks()[0] : got.getAudioTracks()[0];
    if (!track) throw new MediaPreviewError(device, 'notFound');
    this.tracks[device] = track;
    this.stream.addTrack(track);
    track.addEventListener('ended', () => {
      if (this.tracks[device] === track) this.turnOff(device);
    });
    this.notify();
  }

  turnOff(device: DeviceKind): void {
    const track = this.tracks[device];
    if (!track) return;
    track.stop();
    this.stream.removeTrack(track);
    delete this.tracks[device];
    this.notify();
  }

  /** Hands a live track over (to be sent in the meeting) without stopping it. */
  release(device: DeviceKind): MediaStreamTrack | undefined {
    const track = this.tracks[device];
    if (!track) return undefined;
    this.stream.removeTrack(track);
    delete this.tracks[device];
    this.notify();
    return track.readyState === 'live' ? track : undefined;
  }

  /** Stops every device (on leaving the page). */
  stopAll(): void {
    this.turnOff('camera');
    this.turnOff('mic');
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }
}
