import fs from 'node:fs';
import type { Producer } from '../sfu/Producer.js';
import type { ObjectStore, StoredObject } from '../storage/ObjectStore.js';
import { shredFile } from '../security/shred.js';
import { now } from './clock.js';
import { Part } from './Part.js';
import { prepareTmpDir, shredLeftovers } from './plaintext.js';
import type { RecordedTrack } from './Track.js';

export type { RecordedTrack } from './Track.js';

// Server recording (A5) of a meeting that is not end-to-end encrypted: every microphone, camera
// and screen producer of the meeting's Router goes into one WebM file (Matroska: VP8 and Opus,
// one track per producer), which is stored encrypted through the ObjectStore.
//
// Why not werift's MediaRecorder: it records one camera and one microphone at most and its VP8
// depacketizer drops frames. Track does the VP8 framing (after ProducerTap has picked a simulcast
// layer) and Part the multi-track muxing, with werift's jitter buffer and Matroska elements.
//
// Matroska declares its tracks in the header, before the first frame. The header of a part is
// written once the first keyframe of every camera is in (or after a few seconds); a producer
// that appears later starts a new part (a new file and a new stored object) that holds every
// producer live at that moment. A part also ends when it reaches maxPartBytes.
//
// A part's plaintext lives in data/tmp/ only until it is stored (see plaintext.ts).

/** A new producer starts a new part once the set of producers has been stable this long. */
const ROLLOVER_SETTLE_MS = 1500;
const TICK_MS = 250;
export const DEFAULT_MAX_PART_BYTES = 128 * 1024 * 1024;

/** Where the producers come from: the meeting's Router. */
export interface RecorderSource {
  /** The producers that are live now. */
  producers(): Iterable<Producer>;
}

/** One finished part, stored encrypted. */
export interface StoredPart {
  object: StoredObject;
  part: number;
  durationMs: number;
  tracks: RecordedTrack[];
}

export interface ServerRecorderOptions {
  meetingId: string;
  /** The participant who started the recording. */
  createdBy: string;
  dataDir: string;
  objects: Pick<ObjectStore, 'put'>;
  source: RecorderSource;
  /** Each part once it is stored (objects.put succeeded). */
  onStored?(part: StoredPart): void;
  /** A part could not be written or stored; its plaintext is destroyed all the same. */
  onError?(err: unknown): void;
  maxPartBytes?: number;
}

/**
 * Records one live meeting's producers until stop(): its room stops it before closing the Router
 * (rooms/RoomRecording.ts), so it never has to watch the media plane close.
 * Every part is stored as a 'recording' object, encrypted at rest; no plaintext stays on disk.
 */
export class ServerRecorder {
  readonly startedAt = Date.now();
  private readonly dir: string;
  private readonly maxPartBytes: number;
  private part: Part | null = null;
  private partCount = 0;
  private readonly stored: StoredPart[] = [];
  private readonly storing = new Set<Promise<void>>();
  private changedAt: number | null = null;
  private readonly ticker: NodeJS.Timeout;
  private stopping: Promise<StoredPart[]> | null = null;

  constructor(private readonly opts: ServerRecorderOptions) {
    this.dir = prepareTmpDir(opts.dataDir);
    this.maxPartBytes = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
    this.sync();
    this.ticker = setInterval(() => this.tick(), TICK_MS).unref();
  }

  get active(): boolean {
    return this.stopping === null;
  }

  /** Destroys the plaintext of recordings a killed server left in data/tmp; returns how many. */
  static shredLeftovers(dataDir: string): number {
    return shredLeftovers(dataDir);
  }

  /** Stops recording and stores what is left; resolves with every part stored. Idempotent. */
  stop(): Promise<StoredPart[]> {
    this.stopping ??= (async () => {
      clearInterval(this.ticker);
      this.endPart();
      await Promise.all([...this.storing]);
      return this.stored;
    })();
    return this.stopping;
  }

  private tick(): void {
    if (this.stopping) return;
    try {
      this.sync();
      const part = this.part;
      if (!part) return;
      for (const t of part.tracks.values()) t.tap?.retarget();
      part.flush();
      if (part.bytes >= this.maxPartBytes) this.rollover();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  /** Follows the producers: replaced ones reattach, new ones join the header or a new part. */
  private sync(): void {
    const live = new Map<string, Producer>();
    for (const p of this.opts.source.producers()) if (!p.closed) live.set(`${p.participantId}/${p.source}`, p);
    if (!this.part) {
      if (live.size === 0) return;
      this.part = new Part(this.dir, ++this.partCount);
    }
    const part = this.part;
    let added = false;
    for (const [key, p] of live) {
      const t = part.tracks.get(key);
      if (t) {
        if (t.tap?.producer !== p) t.attach(p);
      } else if (part.acceptsTracks) {
        part.addTrack({ participantId: p.participantId, source: p.source, kind: p.kind }, p);
      } else {
        added = true;
      }
    }
    if (!added) {
      this.changedAt = null;
      return;
    }
    this.changedAt ??= now();
    if (now() - this.changedAt >= ROLLOVER_SETTLE_MS) {
      this.changedAt = null;
      this.rollover();
    }
  }

  /** Ends the current part and starts the next with every producer live now. */
  private rollover(): void {
    this.endPart();
    this.sync();
  }

  private endPart(): void {
    const part = this.part;
    this.part = null;
    if (!part) return;
    const run = this.store(part).finally(() => this.storing.delete(run));
    this.storing.add(run);
  }

  private async store(part: Part): Promise<void> {
    let data: Buffer | null = null;
    try {
      const { durationMs, frames } = part.finish();
      if (frames === 0) return;
      data = await fs.promises.readFile(part.file);
      const started = new Date(this.startedAt).toISOString().replace(/[:.]/g, '-');
      const name = `recording-${started}${part.index > 1 ? `-part${part.index}` : ''}.webm`;
      const object = await this.opts.objects.put(
        { meetingId: this.opts.meetingId, kind: 'recording', name, createdBy: this.opts.createdBy, purgeAt: null, protection: 'server' },
        data,
      );
      const stored: StoredPart = { object, part: part.index, durationMs, tracks: [...part.tracks.values()].map((t) => t.info) };
      this.stored.push(stored);
      this.opts.onStored?.(stored);
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      data?.fill(0);
      part.close();
      try {
        shredFile(part.file);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }
}
