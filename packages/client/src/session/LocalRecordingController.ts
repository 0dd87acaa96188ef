import { fromBase64Url, type RecipientKey, type ServerMessage } from '@kaigi/protocol';
import { api, ApiError } from '../api/http';
import { problemOf, type Problem } from '../i18n';
import { Store } from '../media/Store';
import type { MediaController } from '../media/MediaController';
import { hostKey } from '../recording/HostKey';
import { LocalRecorder, recordingMimeType, type SealedPart } from '../recording/LocalRecorder';
import { MeetingMixer, type MixerSources } from '../recording/MeetingMixer';
import type { SignalingClient } from './SignalingClient';

// Recording in the host's browser (A5 in E2EE meetings): what this browser decodes is mixed,
// recorded, encrypted to the host's key (and the organisation's escrow key, when set) and
// uploaded part by part. Everyone is told first: recording starts only once the server has
// announced it, and stops being announced when it stops. A part that fails to upload stays here
// to retry or to save, encrypted, to this device.

export type LocalRecordingStatus = 'idle' | 'starting' | 'recording' | 'stopping';

export interface PartState {
  part: number;
  state: 'uploading' | 'uploaded' | 'failed';
  size: number;
  /** Why, when state is 'failed'. */
  error: Problem | null;
}

export interface LocalRecordingSnapshot {
  supported: boolean;
  status: LocalRecordingStatus;
  /** Who can open the recording: the host's key in this browser and the escrow key, by key ID. */
  hostKeyId: string | null;
  escrowKeyId: string | null;
  parts: PartState[];
  problem: Problem | null;
}

const UPLOAD_TRIES = 3;

export class LocalRecordingController extends Store<LocalRecordingSnapshot> {
  private mixer: MeetingMixer | null = null;
  private recorder: LocalRecorder | null = null;
  private readonly envelopes = new Map<number, SealedPart>();
  private uploads: Promise<void> = Promise.resolve();
  private readonly off: () => void;

  constructor(
    private readonly client: SignalingClient,
    private readonly media: MediaController,
    private readonly nameOf: (participantId: string) => string,
  ) {
    super({
      supported: recordingMimeType() !== null && typeof AudioContext !== 'undefined' && typeof indexedDB !== 'undefined',
      status: 'idle',
      hostKeyId: null,
      escrowKeyId: null,
      parts: [],
      problem: null,
    });
    this.off = client.on('message', (m) => this.onMessage(m));
  }

  /** Starts recording for the signed-in host `userId`; rejects (and records nothing) if refused. */
  async start(userId: string): Promise<void> {
    if (this.snap.status !== 'idle') return;
    this.update({ status: 'starting', problem: null });
    try {
      const [keys, mine] = await Promise.all([api.recordingKeys(this.client.meetingId), hostKey(userId)]);
      const recipients: RecipientKey[] = [{ role: 'host', publicKey: mine.publicKey }];
      if (keys.escrow) recipients.push({ role: 'escrow', publicKey: fromBase64Url(keys.escrow.spki) });
      // Announced before a single frame is recorded.
      await this.client.request({ type: 'announceLocalRecording', active: true });
      this.mixer = new MeetingMixer(() => this.sources());
      this.recorder = new LocalRecorder(this.mixer.stream, {
        meetingId: this.client.meetingId,
        recipients,
        onPart: (p) => this.queueUpload(p),
        onError: (e) => this.update({ problem: problemOf(e) }),
      });
      await this.recorder.start();
      this.update({ status: 'recording', hostKeyId: mine.keyId, escrowKeyId: keys.escrow?.keyId ?? null });
    } catch (e) {
      this.teardown();
      this.client.request({ type: 'announceLocalRecording', active: false }).catch(() => undefined);
      this.update({ status: 'idle', problem: problemOf(e) });
      throw e;
    }
  }

  /** Stops recording; resolves once every part is uploaded (or has failed and waits here). */
  async stop(): Promise<void> {
    if (this.snap.status !== 'recording') return this.uploads;
    this.update({ status: 'stopping' });
    try {
      await this.recorder?.stop();
    } finally {
      this.teardown();
      // Not connected any more (the meeting ended): the server already dropped the announcement.
      await this.client.request({ type: 'announceLocalRecording', active: false }).catch(() => undefined);
      await this.uploads;
      this.update({ status: 'idle' });
    }
  }

  /** Tries a failed part again. */
  retry(part: number): void {
    const p = this.envelopes.get(part);
    if (p) this.queueUpload(p);
  }

  /** The encrypted envelope of a part that did not upload, to keep on this device. */
  envelope(part: number): Blob | null {
    return this.envelopes.get(part)?.envelope ?? null;
  }

  dispose(): void {
    this.off();
    void this.stop();
  }

  private onMessage(msg: ServerMessage): void {
    // Out of the meeting: the recording ends, and what was recorded is still uploaded.
    if (msg.type === 'ended' || msg.type === 'sentToWaiting') void this.stop();
  }

  private teardown(): void {
    this.mixer?.close();
    this.mixer = null;
    this.recorder = null;
  }

  /** What this browser shows: every decoded video (own camera and screen too) and all audio. */
  private sources(): MixerSources {
    const s = this.media.getSnapshot();
    const self = s.selfId ?? '';
    const video: MixerSources['video'] = [];
    const own = (stream: MediaStream | null, source: string) => {
      const track = stream?.getVideoTracks()[0];
      if (track) video.push({ key: `${source}:${track.id}`, track, label: this.label(self, source) });
    };
    own(s.selfCamera, 'camera');
    own(s.selfScreen, 'screen');
    const audio: MediaStreamTrack[] = [];
    for (const r of s.remote) {
      if (r.kind === 'video') video.push({ key: r.key, track: r.track, label: this.label(r.participantId, r.source) });
      else audio.push(r.track);
    }
    const mic = this.media.localTrack('microphone');
    if (mic) audio.push(mic);
    return { video, audio };
  }

  private label(participantId: string, source: string): string {
    const name = this.nameOf(participantId);
    return source === 'screen' ? `${name} (screen)` : name;
  }

  private setPart(p: PartState): void {
    this.update({ parts: [...this.snap.parts.filter((x) => x.part !== p.part), p].sort((a, b) => a.part - b.part) });
  }

  private queueUpload(p: SealedPart): void {
    this.envelopes.set(p.part, p);
    this.setPart({ part: p.part, state: 'uploading', size: p.envelope.size, error: null });
    this.uploads = this.uploads.then(() => this.upload(p));
  }

  private async upload(p: SealedPart): Promise<void> {
    let error: Problem = { code: 'UNKNOWN' };
    for (let attempt = 1; attempt <= UPLOAD_TRIES; attempt++) {
      try {
        await api.uploadRecording(this.client.meetingId, p.envelope);
        this.envelopes.delete(p.part);
        this.setPart({ part: p.part, state: 'uploaded', size: p.envelope.size, error: null });
        return;
      } catch (e) {
        error = problemOf(e);
        // Only a network failure is worth another try; a refusal will not change.
        if (!(e instanceof ApiError) || e.code !== 'NETWORK' || attempt === UPLOAD_TRIES) break;
        await new Promise((r) => setTimeout(r, 1000 * 3 ** (attempt - 1)));
      }
    }
    this.setPart({ part: p.part, state: 'failed', size: p.envelope.size, error });
  }
}
