import fs from 'node:fs';
import { DurationPosition, SegmentSizePosition, WEBMContainer } from 'werift/nonstandard';
import type { Producer } from '../sfu/Producer.js';
import { now } from './clock.js';
import { partFileName } from './plaintext.js';
import { Track, type Frame, type RecordedTrack } from './Track.js';

// The muxing is done here with werift's Matroska element builder (WEBMContainer), not with its
// WebM writer (WebmFactory, WebmBase): that one routes every audio frame to the first audio track
// and every video frame to the first video track, so it records one camera and one microphone at
// most.

/** Frames are written in time order once they are this old, so that late tracks interleave. */
const INTERLEAVE_MS = 1000;
/** How long the header waits for the cameras' first keyframes (their size goes in the header). */
const HEADER_WAIT_MS = 3000;
/** Clusters start at video keyframes and at least this often (block times are 16-bit). */
const CLUSTER_MAX_MS = 5000;
/** A cluster's ID (4 bytes) and size (8 bytes) before its content. */
const CLUSTER_HEAD = 12;

/** One WebM file: a fixed set of tracks, frames interleaved in time order. */
export class Part {
  readonly tracks = new Map<string, Track>();
  readonly file: string;
  readonly startedAt = now();
  private fd: number;
  private queue: Frame[] = [];
  private headerWritten = false;
  private container: WEBMContainer | null = null;
  private position = 0;
  private segmentStart = 0;
  private base: number | null = null;
  private clusterAt = -1;
  /** File offset of the open cluster: its size is filled in when it closes. */
  private clusterPos = -1;
  private sizePatches: { at: number; size: number }[] = [];
  private lastWritten = 0;
  private cues: ReturnType<WEBMContainer['createCuePoint']>[] = [];
  private framesWritten = 0;

  constructor(
    dir: string,
    readonly index: number,
  ) {
    this.file = partFileName(dir);
    this.fd = fs.openSync(this.file, 'wx+', 0o600);
  }

  get bytes(): number {
    return this.position;
  }

  get acceptsTracks(): boolean {
    return !this.headerWritten;
  }

  addTrack(info: RecordedTrack, producer: Producer): Track {
    const t = new Track(this.tracks.size + 1, info, (f) => this.queue.push(f));
    this.tracks.set(t.key, t);
    t.attach(producer);
    return t;
  }

  /** Writes the frames old enough to be in order; the header first, once it can be. */
  flush(all = false): void {
    if (!this.headerWritten) {
      const sized = [...this.tracks.values()].every((t) => t.info.kind !== 'video' || t.size !== null);
      if (!all && !sized && now() - this.startedAt < HEADER_WAIT_MS) return;
      if (this.tracks.size === 0) return;
      this.writeHeader();
    }
    const upTo = all ? Infinity : now() - INTERLEAVE_MS;
    this.queue.sort((a, b) => a.time - b.time);
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.time <= upTo) n++;
    if (n === 0) return;
    const ready = this.queue.splice(0, n);
    const chunks: Buffer[] = [];
    for (const f of ready) this.block(f, chunks);
    this.write(chunks);
  }

  private writeHeader(): void {
    const tracks = [...this.tracks.values()].map((t) => ({
      kind: t.info.kind,
      codec: t.info.kind === 'video' ? ('VP8' as const) : ('OPUS' as const),
      trackNumber: t.number,
      ...(t.size && { width: t.size.width, height: t.size.height }),
    }));
    this.container = new WEBMContainer(tracks);
    const ebml = Buffer.from(this.container.ebmlHeader);
    // A duration now, so that the element exists and is patched in place at the end.
    const segment = Buffer.from(this.container.createSegment(0));
    this.segmentStart = ebml.length + 12; // Segment ID (4 bytes) and its unknown size (8 bytes)
    this.write([ebml, segment]);
    this.headerWritten = true;
  }

  private block(f: Frame, chunks: Buffer[]): void {
    const c = this.container!;
    this.base ??= f.time;
    const t = f.time - this.base;
    if (this.clusterAt >= 0 && t < this.clusterAt) {
      // Arrived after the interleaving window: it would go back in time.
      return;
    }
    const videoKey = f.key && f.video;
    if (this.clusterAt < 0 || t - this.clusterAt > CLUSTER_MAX_MS || (videoKey && t > this.clusterAt)) {
      const at = this.position + this.pending(chunks);
      this.closeCluster(at);
      if (videoKey) this.cues.push(c.createCuePoint(t, f.track, at - this.segmentStart, 1));
      chunks.push(Buffer.from(c.createCluster(t)));
      this.clusterAt = t;
      this.clusterPos = at;
    }
    chunks.push(c.createSimpleBlock(f.data, f.key, f.track, t - this.clusterAt));
    this.lastWritten = Math.max(this.lastWritten, t);
    this.framesWritten++;
  }

  /**
   * werift's clusters have an unknown size (fine while streaming); a finished file gives each
   * its size, which players expect inside a segment of known size. 8-byte size field.
   */
  private closeCluster(end: number): void {
    if (this.clusterPos < 0) return;
    this.sizePatches.push({ at: this.clusterPos + 4, size: end - (this.clusterPos + CLUSTER_HEAD) });
    this.clusterPos = -1;
  }

  private pending(chunks: Buffer[]): number {
    let n = 0;
    for (const c of chunks) n += c.length;
    return n;
  }

  private write(chunks: Buffer[]): void {
    if (chunks.length) {
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.pending(chunks));
      for (let at = 0; at < buf.length; ) at += fs.writeSync(this.fd, buf, at, buf.length - at, this.position + at);
      this.position += buf.length;
    }
    for (const p of this.sizePatches.splice(0)) this.patchSize(p.at, p.size);
  }

  /** Overwrites an 8-byte EBML size field (a cluster's, the segment's) with a known size. */
  private patchSize(at: number, size: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(size));
    b[0] = 0x01; // the 8-byte length marker; sizes here fit in 56 bits
    fs.writeSync(this.fd, b, 0, 8, at);
  }

  /** Ends the file: remaining frames, cues, then the real duration and segment size. */
  finish(): { durationMs: number; frames: number } {
    for (const t of this.tracks.values()) {
      t.drain();
      t.detach();
    }
    this.flush(true);
    if (this.headerWritten && this.container) {
      const durationMs = this.framesWritten ? this.lastWritten + 20 : 0;
      this.closeCluster(this.position);
      const tail: Buffer[] = [];
      if (this.cues.length) tail.push(Buffer.from(this.container.createCues(this.cues)));
      this.write(tail);
      const duration = Buffer.from(this.container.createDuration(durationMs));
      // Patch only where werift's layout puts them (checked, in case that layout changes).
      const probe = Buffer.alloc(2);
      fs.readSync(this.fd, probe, 0, 2, DurationPosition);
      if (probe[0] === 0x44 && probe[1] === 0x89) fs.writeSync(this.fd, duration, 0, duration.length, DurationPosition);
      // The segment's 8-byte size in place (werift's replaceSegmentSize counts 8 bytes too many).
      if (this.segmentStart === SegmentSizePosition + 8) this.patchSize(SegmentSizePosition, this.position - this.segmentStart);
    }
    fs.closeSync(this.fd);
    this.fd = -1;
    return { durationMs: this.framesWritten ? this.lastWritten + 20 : 0, frames: this.framesWritten };
  }

  /** Closes the file if still open (error paths). */
  close(): void {
    for (const t of this.tracks.values()) t.detach();
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
  }
}
