// Local camera/microphone preview (H5). Nothing is captured until the user asks for it, and
// nothing here is sent anywhere: the stream only feeds the local <video> preview.

import { capture, CaptureError } from './devices';

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
    let track: MediaStreamTrack;
    try {
      track = await capture(device === 'camera' ? 'camera' : 'microphone');
    } catch (e) {
      // The preview has no "cancelled": closing a permission prompt is a failure to show here.
      const reason = e instanceof CaptureError && e.reason !== 'cancelled' ? e.reason : 'failed';
      throw new MediaPreviewError(device, reason);
    }
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
