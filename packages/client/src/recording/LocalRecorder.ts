import { RECORDING_LIMITS, RecordingSealer, type RecipientKey } from '@kaigi/protocol';

// Records a stream in this browser and encrypts it as it goes (recording envelope, see
// packages/protocol/src/recordingEnvelope.ts): each second MediaRecorder hands over is sealed
// at once, so only ciphertext accumulates. A long recording is cut into parts (each a playable
// file of its own once opened), so one upload stays bounded and a crash loses one part at most.

export interface SealedPart {
  part: number;
  startedAt: string;
  /** The whole envelope, ready to upload. */
  envelope: Blob;
}

export interface LocalRecorderOptions {
  meetingId: string;
  recipients: RecipientKey[];
  onPart: (part: SealedPart) => void;
  onError: (err: unknown) => void;
  maxPartMs?: number;
  maxPartBytes?: number;
}

const SLICE_MS = 1000;
const MAX_PART_MS = 30 * 60_000;
/** Below the server's limit per upload, with room for a last slice. */
const MAX_PART_BYTES = RECORDING_LIMITS.uploadMax - 16 * 1024 * 1024;

const TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];

export function recordingMimeType(): string | null {
  if (typeof MediaRecorder === 'undefined') return null;
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? null;
}

class Part {
  private readonly chunks: BlobPart[];
  private bytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly recorder: MediaRecorder;
  readonly started = Date.now();
  readonly done: Promise<SealedPart>;

  constructor(
    stream: MediaStream,
    mimeType: string,
    private readonly sealer: RecordingSealer,
    onData: (bytes: number) => void,
    onError: (err: unknown) => void,
  ) {
    this.chunks = [sealer.head];
    this.recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 1_000_000, audioBitsPerSecond: 64_000 });
    this.recorder.ondataavailable = (e) => {
      if (!e.data.size) return;
      this.queue = this.queue
        .then(async () => {
          const data = new Uint8Array(await e.data.arrayBuffer());
          for (let at = 0; at < data.byteLength; at += RECORDING_LIMITS.recordMax) {
            this.add(await sealer.seal(data.subarray(at, at + RECORDING_LIMITS.recordMax)));
          }
          onData(this.bytes);
        })
        .catch(onError);
    };
    this.done = new Promise((resolve, reject) => {
      this.recorder.onstop = () => {
        // The final record is empty: it only marks the end, so a cut-off upload shows.
        this.queue = this.queue
          .then(async () => this.add(await sealer.seal(new Uint8Array(0), true)))
          .then(() => resolve({ part: sealer.header.part, startedAt: sealer.header.startedAt, envelope: new Blob(this.chunks) }), reject);
      };
    });
    this.recorder.start(SLICE_MS);
  }

  get size(): number {
    return this.bytes;
  }

  stop(): Promise<SealedPart> {
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    return this.done;
  }

  private add(record: Uint8Array<ArrayBuffer>): void {
    this.chunks.push(record);
    this.bytes += record.byteLength;
  }
}

export class LocalRecorder {
  private current: Part | null = null;
  private number = 0;
  private stopped = false;
  private rotating = false;
  private readonly mimeType: string;

  constructor(
    private readonly stream: MediaStream,
    private readonly opts: LocalRecorderOptions,
  ) {
    const type = recordingMimeType();
    if (!type) throw new Error('MediaRecorder cannot record WebM here');
    this.mimeType = type;
  }

  async start(): Promise<void> {
    this.current = await this.newPart();
  }

  /** Stops recording; resolves once the last part is sealed and handed to onPart. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const part = this.current;
    this.current = null;
    if (part) this.opts.onPart(await part.stop());
  }

  private async newPart(): Promise<Part> {
    const sealer = await RecordingSealer.create({
      meetingId: this.opts.meetingId,
      part: ++this.number,
      mimeType: this.mimeType,
      startedAt: new Date().toISOString(),
      recipients: this.opts.recipients,
    });
    const part: Part = new Part(this.stream, this.mimeType, sealer, (bytes) => this.check(part, bytes), this.opts.onError);
    return part;
  }

  /** Starts the next part when this one is long or large enough. */
  private check(part: Part, bytes: number): void {
    const limitMs = this.opts.maxPartMs ?? MAX_PART_MS;
    const limitBytes = this.opts.maxPartBytes ?? MAX_PART_BYTES;
    if (this.stopped || this.rotating || part !== this.current || (bytes < limitBytes && Date.now() - part.started < limitMs)) return;
    this.rotating = true;
    void this.newPart()
      .then(async (next) => {
        if (this.stopped) {
          this.opts.onPart(await next.stop());
          return;
        }
        this.current = next;
        this.opts.onPart(await part.stop());
      })
      .catch(this.opts.onError)
      .finally(() => {
        this.rotating = false;
      });
  }
}
