import type { MediaSource } from '@kaigi/protocol';

// Capturing the microphone, camera and screen, and listing the devices to pick from.

export type CaptureFailure = 'denied' | 'notFound' | 'unsupported' | 'failed' | 'cancelled';

export class CaptureError extends Error {
  constructor(
    readonly source: MediaSource,
    readonly reason: CaptureFailure,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'CaptureError';
  }
}

export interface DeviceOption {
  deviceId: string;
  /** Empty until the browser has been allowed to use a device of that kind. */
  label: string;
}

export interface DeviceList {
  microphones: DeviceOption[];
  cameras: DeviceOption[];
}

export const NO_DEVICES: DeviceList = { microphones: [], cameras: [] };

export async function listDevices(): Promise<DeviceList> {
  if (!navigator.mediaDevices?.enumerateDevices) return NO_DEVICES;
  try {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind) =>
      all.filter((d) => d.kind === kind && d.deviceId !== '').map((d) => ({ deviceId: d.deviceId, label: d.label }));
    return { microphones: pick('audioinput'), cameras: pick('videoinput') };
  } catch {
    return NO_DEVICES;
  }
}

function failureOf(e: unknown): CaptureFailure {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'notFound';
  if (name === 'AbortError') return 'cancelled';
  return 'failed';
}

/** 720p when the camera has it: the top simulcast layer; the SFU sends smaller ones as needed. */
export const CAMERA_CONSTRAINTS: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

/** One live track of a source; `deviceId` picks the microphone or camera. */
export async function capture(source: MediaSource, deviceId?: string): Promise<MediaStreamTrack> {
  const md = navigator.mediaDevices;
  let stream: MediaStream;
  try {
    if (source === 'screen') {
      if (!md?.getDisplayMedia) throw new CaptureError(source, 'unsupported');
      stream = await md.getDisplayMedia({ video: true, audio: false });
    } else {
      if (!md?.getUserMedia) throw new CaptureError(source, 'unsupported');
      const pick: MediaTrackConstraints = deviceId ? { deviceId: { exact: deviceId } } : {};
      stream = await md.getUserMedia(source === 'microphone' ? { audio: pick } : { video: { ...CAMERA_CONSTRAINTS, ...pick } });
    }
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    // Closing the screen picker is a choice, not a failure.
    throw new CaptureError(source, source === 'screen' && failureOf(e) === 'denied' ? 'cancelled' : failureOf(e));
  }
  const track = source === 'microphone' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
  if (!track) throw new CaptureError(source, 'notFound');
  if (source === 'screen') track.contentHint = 'detail';
  return track;
}
