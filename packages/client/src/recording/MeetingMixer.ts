// Turns the meeting as this browser sees it (decoded video tiles and audio, after end-to-end
// decryption) into one stream MediaRecorder can record: the videos drawn side by side on a
// canvas with their names, and every audio track mixed. Sources are read again on each frame,
// so people joining, leaving or sharing a screen show up in the recording.

export interface MixerVideo {
  /** Stable while the same track is shown. */
  key: string;
  track: MediaStreamTrack;
  label: string;
}

export interface MixerSources {
  video: MixerVideo[];
  audio: MediaStreamTrack[];
}

const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 15;
const GAP = 4;

export class MeetingMixer {
  readonly stream: MediaStream;
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private readonly audio = new AudioContext();
  private readonly dest: MediaStreamAudioDestinationNode;
  private readonly videos = new Map<string, HTMLVideoElement>();
  private readonly inputs = new Map<string, MediaStreamAudioSourceNode>();
  private readonly timer: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly sources: () => MixerSources) {
    this.canvas.width = WIDTH;
    this.canvas.height = HEIGHT;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    this.dest = this.audio.createMediaStreamDestination();
    // A silent source keeps the audio track producing samples when nobody has a microphone on.
    const silence = this.audio.createConstantSource();
    silence.offset.value = 0;
    silence.connect(this.dest);
    silence.start();
    void this.audio.resume();
    const [videoTrack] = this.canvas.captureStream(FPS).getVideoTracks();
    const [audioTrack] = this.dest.stream.getAudioTracks();
    this.stream = new MediaStream([videoTrack, audioTrack].filter((t): t is MediaStreamTrack => !!t));
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000 / FPS);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const v of this.videos.values()) v.srcObject = null;
    this.videos.clear();
    for (const n of this.inputs.values()) n.disconnect();
    this.inputs.clear();
    for (const t of this.stream.getTracks()) t.stop();
    void this.audio.close();
  }

  private draw(): void {
    const { video, audio } = this.sources();
    this.syncAudio(audio);
    const live = video.filter((v) => v.track.readyState === 'live');
    this.syncVideos(live);
    const ctx = this.ctx;
    ctx.fillStyle = '#111';
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    const n = Math.max(live.length, 1);
    const cols = Math.ceil(Math.sqrt(n));
    const rows = Math.ceil(n / cols);
    const cw = (WIDTH - GAP * (cols + 1)) / cols;
    const ch = (HEIGHT - GAP * (rows + 1)) / rows;
    live.forEach((v, i) => {
      const x = GAP + (i % cols) * (cw + GAP);
      const y = GAP + Math.floor(i / cols) * (ch + GAP);
      const el = this.videos.get(v.key);
      if (el && el.videoWidth > 0) {
        // Letterboxed: the whole picture, never cropped.
        const scale = Math.min(cw / el.videoWidth, ch / el.videoHeight);
        const w = el.videoWidth * scale;
        const h = el.videoHeight * scale;
        ctx.drawImage(el, x + (cw - w) / 2, y + (ch - h) / 2, w, h);
      }
      ctx.fillStyle = 'rgba(0,0,0,0.6)';
      ctx.fillRect(x, y + ch - 28, Math.min(cw, 12 + v.label.length * 11), 28);
      ctx.fillStyle = '#fff';
      ctx.font = '18px sans-serif';
      ctx.fillText(v.label, x + 6, y + ch - 8, cw - 12);
    });
  }

  private syncVideos(live: MixerVideo[]): void {
    const keep = new Set(live.map((v) => v.key));
    for (const [key, el] of this.videos) {
      if (keep.has(key)) continue;
      el.srcObject = null;
      this.videos.delete(key);
    }
    for (const v of live) {
      if (this.videos.has(v.key)) continue;
      const el = document.createElement('video');
      el.muted = true;
      el.playsInline = true;
      el.srcObject = new MediaStream([v.track]);
      void el.play().catch(() => undefined);
      this.videos.set(v.key, el);
    }
  }

  private syncAudio(tracks: MediaStreamTrack[]): void {
    const live = tracks.filter((t) => t.readyState === 'live');
    const keep = new Set(live.map((t) => t.id));
    for (const [id, node] of this.inputs) {
      if (keep.has(id)) continue;
      node.disconnect();
      this.inputs.delete(id);
    }
    for (const t of live) {
      if (this.inputs.has(t.id)) continue;
      const node = this.audio.createMediaStreamSource(new MediaStream([t]));
      node.connect(this.dest);
      this.inputs.set(t.id, node);
    }
  }
}
