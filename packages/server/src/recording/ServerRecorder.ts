import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MediaSource } from '@kaigi/protocol';
import type { RtpPacket } from 'werift';
import {
  DurationPosition,
  JitterBufferBase,
  SegmentSizePosition,
  WEBMContainer,
} from 'werift/nonstandard';
import type { Producer, RtpSink } from '../sfu/Producer.js';
import { isVp8KeyframeStart } from '../sfu/vp8.js';
import type { ObjectStore, StoredObject } from '../storage/ObjectStore.js';
import { shredFile } from '../security/shred.js';
import { vp8DescriptorLength } from '../sfu/vp8.js';

// Server recording (A5) of a meeting that is not end-to-end encrypted: every microphone, camera
// and screen producer of the meeting's Router goes into one WebM file (Matroska: VP8 and Opus,
// one track per producer), which is stored encrypted through the ObjectStore.
//
// Why not werift's MediaRecorder: its WebM writer (WebmFactory, WebmBase) routes every audio
// frame to the first audio track and every video frame to the first video track, so it records
// one camera and one microphone at most. Its VP8 depacketizer also breaks the frame after every
// padding-only packet (Chromium's bandwidth probes) and misreads descriptors with T set and L
// clear. This file uses werift's jitter buffer and Matroska element builder (WEBMContainer) and
// does the VP8 framing and the multi-track muxing itself.
//
// Matroska declares its tracks in the header, before the first frame. The header of a part is
// written once the first keyframe of every camera is in (or after HEADER_WAIT_MS); a producer
// that appears later starts a new part (a new file and a new stored object) that holds every
// producer live at that moment. A part also ends when it reaches maxPartBytes.
//
// Plaintext on disk: each part is written to data/tmp/ (0700) as a 0600 file, read back when the
// part ends, stored encrypted, then overwritten with zeros and unlinked. A server killed while
// recording leaves that file behind: shredLeftovers() destroys it at the next start.

/** Frames are written in time order once they are this old, so that late tracks interleave. */
const INTERLEAVE_MS = 1000;
/** How long the header waits for the cameras' first keyframes (their size goes in the header). */
const HEADER_WAIT_MS = 3000;
/** A new producer starts a new part once the set of producers has been stable this long. */
const ROLLOVER_SETTLE_MS = 1500;
/** Clusters start at video keyframes and at least this often (block times are 16-bit). */
const CLUSTER_MAX_MS = 5000;
const TICK_MS = 250;
/** A cluster's ID (4 bytes) and size (8 bytes) before its content. */
const CLUSTER_HEAD = 12;
const VIDEO_JITTER_MS = 300;
const AUDIO_JITTER_MS = 150;
const KEYFRAME_RETRY_MS = 1000;
export const DEFAULT_MAX_PART_BYTES = 128 * 1024 * 1024;
const TMP_DIR = 'tmp';
const TMP_PREFIX = 'recording-';

/** Where the producers come from: the meeting's Router. */
export interface RecorderSource {
  /** The producers that are live now. */
  producers(): Iterable<Producer>;
  /** The media plane has closed (the meeting unloaded, or the server is shutting down). */
  closed(): boolean;
}

export interface RecordedTrack {
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
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
  /** The media plane closed under the recorder; it stops by itself (stop() gives the result). */
  onSourceClosed?(): void;
  /** A part could not be written or stored; its plaintext is destroyed all the same. */
  onError?(err: unknown): void;
  maxPartBytes?: number;
}

interface Frame {
  track: number;
  video: boolean;
  /** Whole milliseconds on the recorder's clock. */
  time: number;
  data: Buffer;
  key: boolean;
}

const now = (): number => performance.now();

/** Width and height of a VP8 keyframe (RFC 6386 9.1), or null. */
function vp8FrameSize(frame: Buffer): { width: number; height: number } | null {
  if (frame.length < 10 || (frame[0]! & 0x01) !== 0) return null;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/**
 * Takes RTP from one Producer. For a simulcast camera it follows one layer, the highest the
 * publisher sends, and switches only at a keyframe of the new layer, rewriting sequence numbers
 * and timestamps so the recording sees one continuous stream (as a Consumer does).
 */
class ProducerTap implements RtpSink {
  private current = -1;
  private target = 0;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq = -1;
  private lastTs = 0;
  private lastAt = 0;

  constructor(
    readonly producer: Producer,
    private readonly deliver: (rtp: RtpPacket) => void,
  ) {
    producer.addSink(this);
    this.retarget();
  }

  send(rtp: RtpPacket, layer: number): void {
    if (this.producer.kind === 'audio') {
      if (layer === 0) this.deliver(rtp.clone());
      return;
    }
    if (layer !== this.current) {
      if (layer !== this.target || !isVp8KeyframeStart(rtp.payload)) return;
      if (this.lastSeq >= 0) {
        this.seqOffset = (this.lastSeq + 1 - rtp.header.sequenceNumber) & 0xffff;
        const elapsed = Math.max(1, Math.round((Date.now() - this.lastAt) * 90));
        this.tsOffset = (this.lastTs + elapsed - rtp.header.timestamp) >>> 0;
      }
      this.current = layer;
    }
    const copy = rtp.clone();
    const h = copy.header;
    h.sequenceNumber = (h.sequenceNumber + this.seqOffset) & 0xffff;
    h.timestamp = (h.timestamp + this.tsOffset) >>> 0;
    this.lastSeq = h.sequenceNumber;
    this.lastTs = h.timestamp;
    this.lastAt = Date.now();
    this.deliver(copy);
  }

  /** Aims at the highest layer sending now, and asks for the keyframe the switch needs. */
  retarget(): void {
    if (this.producer.kind !== 'video') return;
    const active = this.producer.activeLayers();
    const best = active.length ? active[active.length - 1]!.index : this.current >= 0 ? this.current : this.target;
    this.target = best;
    if (this.current !== this.target) this.requestKeyframe();
  }

  requestKeyframe(): void {
    this.producer.requestKeyframe(this.current >= 0 && this.current === this.target ? this.current : this.target);
  }

  detach(): void {
    this.producer.removeSink(this);
  }
}

/** One Matroska track of a part: its producer's packets, reordered, in frames, on one clock. */
class Track {
  tap: ProducerTap | null = null;
  private jitter!: JitterBufferBase;
  /** VP8: the packets of the frame being assembled, in sequence order. */
  private pieces: RtpPacket[] = [];
  private broken = false;
  private lastSeq = -1;
  private needKeyframe = true;
  private lastKeyframeAsk = 0;
  /** When the first packet arrived: the track's place on the recorder's clock. */
  private anchorMs: number | null = null;
  private lastRtpTs = 0;
  private extTs = 0;
  private lastTime = -Infinity;
  size: { width: number; height: number } | null = null;

  constructor(
    readonly number: number,
    readonly info: RecordedTrack,
    private readonly out: (f: Frame) => void,
  ) {
    this.reset();
  }

  get key(): string {
    return `${this.info.participantId}/${this.info.source}`;
  }

  private get clockRate(): number {
    return this.info.kind === 'video' ? 90000 : 48000;
  }

  /** A (new) producer for this participant and source: a new RTP stream, anchored on arrival. */
  attach(producer: Producer): void {
    this.tap?.detach();
    this.reset();
    this.tap = new ProducerTap(producer, (rtp) => this.packet(rtp));
  }

  detach(): void {
    this.tap?.detach();
    this.tap = null;
  }

  private reset(): void {
    this.jitter = new JitterBufferBase(this.clockRate, { latency: this.info.kind === 'video' ? VIDEO_JITTER_MS : AUDIO_JITTER_MS });
    this.pieces = [];
    this.broken = false;
    this.lastSeq = -1;
    this.needKeyframe = true;
    this.anchorMs = null;
  }

  private packet(rtp: RtpPacket): void {
    if (this.anchorMs === null) {
      this.anchorMs = now();
      this.lastRtpTs = rtp.header.timestamp;
      this.extTs = 0;
    }
    this.process(this.jitter.processInput({ rtp }));
  }

  /** Drains what the jitter buffer still holds (the part ends). */
  drain(): void {
    this.process(this.jitter.processInput({ eol: true }));
  }

  private process(outputs: { rtp?: RtpPacket; isPacketLost?: unknown }[]): void {
    for (const o of outputs) {
      const rtp = o.rtp;
      if (!rtp) continue;
      if (this.info.kind === 'audio') {
        if (rtp.payload.length > 0) this.emit(Buffer.from(rtp.payload), true, rtp.header.timestamp);
      } else {
        this.videoPacket(rtp);
      }
    }
  }

  /**
   * Packets arrive in sequence order, losses leaving gaps. A frame is the packets of one RTP
   * timestamp from a partition start to the marker, with no gap; padding-only packets (bandwidth
   * probes) take sequence numbers but belong to no frame.
   */
  private videoPacket(rtp: RtpPacket): void {
    const seq = rtp.header.sequenceNumber;
    const gap = this.lastSeq >= 0 && seq !== ((this.lastSeq + 1) & 0xffff);
    this.lastSeq = seq;
    if (gap) {
      this.broken = true;
      // What follows refers to what was lost: wait for a keyframe.
      this.needKeyframe = true;
      this.askKeyframe();
    }
    if (rtp.payload.length === 0) return;
    const first = this.pieces[0];
    if (!first || first.header.timestamp !== rtp.header.timestamp) {
      // A new frame; one left without its marker is incomplete.
      this.pieces = [rtp];
      this.broken = (rtp.payload[0]! & 0x17) !== 0x10; // S set and partition index 0
    } else {
      this.pieces.push(rtp);
    }
    if (!rtp.header.marker) return;
    const pieces = this.pieces;
    this.pieces = [];
    if (this.broken) return;
    const parts: Buffer[] = [];
    for (const p of pieces) {
      const d = vp8DescriptorLength(p.payload);
      if (d < 0) return;
      parts.push(p.payload.subarray(d));
    }
    const data = Buffer.concat(parts);
    const key = isVp8KeyframeStart(pieces[0]!.payload);
    if (key) {
      this.needKeyframe = false;
      this.size ??= vp8FrameSize(data);
    } else if (this.needKeyframe) {
      this.askKeyframe();
      return;
    }
    this.emit(data, key, rtp.header.timestamp);
  }

  private askKeyframe(): void {
    const t = now();
    if (t - this.lastKeyframeAsk < KEYFRAME_RETRY_MS) return;
    this.lastKeyframeAsk = t;
    this.tap?.requestKeyframe();
  }

  private emit(data: Buffer, key: boolean, rtpTs: number): void {
    if (this.anchorMs === null) return;
    // Signed 32-bit difference: unwraps the timestamp and tolerates slight reordering.
    this.extTs += (rtpTs - this.lastRtpTs) | 0;
    this.lastRtpTs = rtpTs;
    let time = Math.round(this.anchorMs + (this.extTs / this.clockRate) * 1000);
    // After a new producer is anchored, never step back behind what this track already wrote.
    if (time <= this.lastTime) time = this.lastTime + 1;
    this.lastTime = time;
    this.out({ track: this.number, video: this.info.kind === 'video', time, data, key });
  }
}

/** One WebM file: a fixed set of tracks, frames interleaved in time order. */
class Part {
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
    this.file = path.join(dir, `${TMP_PREFIX}${randomBytes(12).toString('hex')}.webm`);
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

/**
 * Records one live meeting's producers until stop(), or until the media plane closes under it.
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
    this.dir = path.join(opts.dataDir, TMP_DIR);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    this.maxPartBytes = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
    this.sync();
    this.ticker = setInterval(() => this.tick(), TICK_MS).unref();
  }

  get active(): boolean {
    return this.stopping === null;
  }

  /** Destroys the plaintext of recordings a killed server left in data/tmp; returns how many. */
  static shredLeftovers(dataDir: string): number {
    const dir = path.join(dataDir, TMP_DIR);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return 0;
    }
    let n = 0;
    for (const name of names) {
      if (!name.startsWith(TMP_PREFIX)) continue;
      shredFile(path.join(dir, name));
      n++;
    }
    return n;
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
      if (this.opts.source.closed()) {
        void this.stop();
        this.opts.onSourceClosed?.();
        return;
      }
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
