// Per-frame SFrame encryption for E2EE meetings. A plain class (no DOM/Worker APIs) so the worker
// only routes frames to it and Node tests drive it directly.
//
// Frame layout: clearPrefix || SFrameHeader || ciphertext+tag. The clear prefix holds the codec
// bytes the SFU and the depacketizer need (VP8 key frame: 10, VP8 delta: 3, Opus TOC: 1); it is
// authenticated as SFrame metadata, so the SFU can read but not alter it. A frame no longer than
// its prefix has nothing to hide but cannot be laid out so the receiver parses it unambiguously;
// such frames are malformed for VP8 (tag + key header) and carry no audio for Opus (TOC only), so
// they are dropped (counted in `tooShort`) rather than sent in clear.
import { decodeHeader, deriveKeySalt, importBaseKey, open, seal, type SFrameKey } from './sframe/SFrame.js';
import { epochLowBits, mlsKid, splitMlsKid } from './sframe/mls.js';
import type { CheckRole } from './CheckKey.js';

export type FrameKind = 'audio' | 'video';
export interface CryptorFrame {
  data: ArrayBuffer;
  kind: FrameKind;
  keyFrame: boolean;
}
export interface CryptorStats {
  epoch: number | null;
  encrypted: number;
  decrypted: number;
  failed: number;
  noKey: number;
  tooShort: number;
  /** Frames encrypted and decrypted with a check's keys (B7). */
  checkEncrypted: number;
  checkDecrypted: number;
  lastDecryptEpochBySender: Record<number, number>;
}
export interface DecryptedFrame {
  data: ArrayBuffer;
  /** null: a check's frame, under the check's keys rather than an MLS epoch's. */
  epoch: number | null;
  senderIndex: number | null;
}

export const CLEAR_BYTES = { vp8Key: 10, vp8Delta: 3, opus: 1 } as const;
/**
 * The KIDs of a verifier's check (B7), one per side. They lie above every MLS KID Kaigi forms
 * (sender index below 2^44, 8 epoch bits) and within Number's safe range, which parseAt requires,
 * so a frame says by its KID alone whether the check's keys or an epoch's open it.
 */
export const CHECK_KID_BASE = 1n << 52n;
export const CHECK_KID: Readonly<Record<CheckRole, bigint>> = { newcomer: CHECK_KID_BASE, verifier: CHECK_KID_BASE + 1n };
/** A receiver derives keys for at most this many senders per epoch (bounds work a forged KID can cause). */
const MAX_SENDERS_PER_EPOCH = 1024;

export function clearPrefixLength(kind: FrameKind, keyFrame: boolean): number {
  if (kind === 'audio') return CLEAR_BYTES.opus;
  return keyFrame ? CLEAR_BYTES.vp8Key : CLEAR_BYTES.vp8Delta;
}

/** VP8 frame tag: bit 0 of the first byte is 0 on key frames (RFC 6386 §9.1). */
export function vp8IsKeyFrame(data: Uint8Array): boolean {
  return data.length > 0 && ((data[0] ?? 1) & 1) === 0;
}

interface EpochKeys {
  epoch: number;
  base: CryptoKey;
  recv: Map<number, Promise<SFrameKey>>;
  /** When the keys are dropped; null while this is the current epoch. */
  expiresAt: number | null;
}

/** The VP8 frame tag: key-frame bit, version, show-frame and the 19-bit first-partition size. */
const VP8_TAG_BYTES = 3;

/** Sets the first-partition size to its maximum, keeping the key-frame, version and show bits. */
function maskVp8Tag(prefix: Uint8Array): void {
  if (prefix.length < VP8_TAG_BYTES) return;
  prefix[0] = (prefix[0] ?? 0) | 0xe0;
  prefix[1] = 0xff;
  prefix[2] = 0xff;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export class FrameCryptor {
  private readonly retainMs: number;
  private readonly now: () => number;
  /** Keyed by the low epoch bits carried in the KID: a new epoch with the same bits replaces the
   * old one (RFC 9605 §5.2). */
  private readonly epochs = new Map<number, EpochKeys>();
  private current: { epoch: number; selfIndex: number; key: SFrameKey } | null = null;
  // One counter for every stream this cryptor encrypts, never reset (not even by clear()): audio,
  // video, simulcast layers and screen share share one KID per epoch, and the same epoch secret
  // handed over twice must still never repeat a (key, nonce) pair.
  private ctr = 0n;
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  /** While a check is open: every frame this cryptor sends uses the check's key (the Router sends
   * a checking verifier's media to the newcomer only), and the other side's KID opens with it. */
  private check: { send: SFrameKey; recv: SFrameKey } | null = null;
  /** A check is being keyed: nothing is sent until its key is there (not under the epoch either). */
  private checkPending = false;
  private checkGeneration = 0;
  private counts = { encrypted: 0, decrypted: 0, failed: 0, noKey: 0, tooShort: 0, checkEncrypted: 0, checkDecrypted: 0 };
  private lastEpochBySender: Record<number, number> = {};

  constructor(opts?: { retainPreviousEpochMs?: number; now?: () => number }) {
    this.retainMs = opts?.retainPreviousEpochMs ?? 3000;
    this.now = opts?.now ?? (() => Date.now());
  }

  /** New epoch from MLS: exporter output (16 bytes, zeroed here) and own leaf index. Encryption
   * switches at once; earlier epochs still decrypt for retainPreviousEpochMs. */
  setEpoch(epoch: number, epochSecret: Uint8Array, selfIndex: number): Promise<void> {
    const gen = this.generation;
    // Import now so the caller's copy of the secret is zeroed synchronously.
    const base = importBaseKey(epochSecret);
    base.catch(() => undefined); // rejection is reported through `next`, not as unhandled
    const run = async (): Promise<void> => {
      const baseKey = await base;
      const key = await deriveKeySalt(baseKey, mlsKid(selfIndex, epoch), 'encrypt');
      if (gen !== this.generation) return; // clear() happened meanwhile
      const now = this.now();
      for (const e of this.epochs.values()) if (e.expiresAt === null) e.expiresAt = now + this.retainMs;
      this.epochs.set(epochLowBits(epoch), { epoch, base: baseKey, recv: new Map(), expiresAt: null });
      this.current = { epoch, selfIndex, key };
      this.prune();
    };
    // Serialize so overlapping calls take effect in call order.
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Forget all keys (left or removed from the meeting). */
  clear(): void {
    this.generation++;
    this.epochs.clear();
    this.current = null;
    this.clearCheck();
  }

  /** A check's base key (CheckKey, zeroed here) and our side: from now on we send with it. */
  setCheckKey(baseSecret: Uint8Array, role: CheckRole): Promise<void> {
    const gen = ++this.checkGeneration;
    const base = importBaseKey(baseSecret);
    base.catch(() => undefined);
    const peer: CheckRole = role === 'newcomer' ? 'verifier' : 'newcomer';
    const run = async (): Promise<void> => {
      const b = await base;
      const [send, recv] = await Promise.all([deriveKeySalt(b, CHECK_KID[role], 'encrypt'), deriveKeySalt(b, CHECK_KID[peer], 'decrypt')]);
      if (gen !== this.checkGeneration) return; // the check ended meanwhile
      this.check = { send, recv };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The check ended: its keys go, and sending falls back to the current epoch (if any). */
  clearCheck(): void {
    this.checkGeneration++;
    this.check = null;
    this.checkPending = false;
  }

  /**
   * A check opens (B7): until its key is set, frames are dropped rather than sent under the
   * meeting's epoch. The Router already sends a checking verifier's media to the newcomer only,
   * who cannot open them; a busy machine showed the first ones going out under the epoch.
   */
  holdForCheck(): void {
    this.checkPending = true;
  }

  get checking(): boolean {
    return this.check !== null;
  }

  /** Drops epochs whose retention window has passed. */
  prune(): void {
    const now = this.now();
    for (const [bits, e] of this.epochs) if (e.expiresAt !== null && e.expiresAt <= now) this.epochs.delete(bits);
  }

  get epoch(): number | null {
    return this.current?.epoch ?? null;
  }

  /** null: no key yet or frame too short; the caller drops the frame. */
  async encrypt(frame: CryptorFrame): Promise<ArrayBuffer | null> {
    const check = this.check;
    const key = check?.send ?? (this.checkPending ? undefined : this.current?.key);
    if (!key) {
      this.counts.noKey++;
      return null;
    }
    const data = new Uint8Array(frame.data);
    const p = clearPrefixLength(frame.kind, frame.keyFrame);
    if (data.length <= p) {
      this.counts.tooShort++;
      return null;
    }
    // VP8: the frame tag's first-partition size travels encrypted, and the clear copy says "all
    // of it and more", so a decoder without the keys rejects the frame instead of decoding the
    // ciphertext as noise. The SFU and the depacketizer read only the key-frame bit, the start
    // code and the dimensions, which stay in clear.
    const hidden = frame.kind === 'video' ? VP8_TAG_BYTES : 0;
    const wirePrefix = data.slice(0, p);
    if (hidden) maskVp8Tag(wirePrefix);
    const plaintext = hidden ? concat(data.subarray(0, hidden), data.subarray(p)) : data.subarray(p);
    const ctr = this.ctr++;
    const { header, ciphertext } = await seal(key, ctr, wirePrefix, plaintext);
    const out = new Uint8Array(p + header.length + ciphertext.length);
    out.set(wirePrefix);
    out.set(header, p);
    out.set(ciphertext, p + header.length);
    this.counts.encrypted++;
    if (check) this.counts.checkEncrypted++;
    return out.buffer;
  }

  /** null: no key for the frame's epoch, or it fails to authenticate; the caller drops it. */
  async decrypt(frame: CryptorFrame): Promise<DecryptedFrame | null> {
    const data = new Uint8Array(frame.data);
    const parsed = parseAt(data, clearPrefixLength(frame.kind, frame.keyFrame));
    if (!parsed) {
      this.counts.failed++;
      return null;
    }
    const { prefix: p, header, senderIndex, epochBits } = parsed;
    if (header.kid >= CHECK_KID_BASE) {
      // A check's frame: only the other side's KID, only while our check is open.
      const check = this.check;
      if (!check || header.kid !== check.recv.kid) {
        this.counts.noKey++;
        return null;
      }
      const out = await this.openFrame(check.recv, data, p, header, frame.kind);
      if (!out) return null;
      this.counts.checkDecrypted++;
      return { data: out, epoch: null, senderIndex: null };
    }
    this.prune();
    const keys = this.epochs.get(epochBits);
    const key = keys ? this.recvKey(keys, senderIndex) : null;
    if (!keys || !key) {
      this.counts.noKey++;
      return null;
    }
    const out = await this.openFrame(await key, data, p, header, frame.kind);
    if (!out) return null;
    this.lastEpochBySender[senderIndex] = keys.epoch;
    return { data: out, epoch: keys.epoch, senderIndex };
  }

  /** Opens one frame laid out as clear prefix || header || ciphertext; null (counted) on failure. */
  private async openFrame(key: SFrameKey, data: Uint8Array<ArrayBuffer>, p: number, h: { ctr: bigint; length: number }, kind: FrameKind): Promise<ArrayBuffer | null> {
    let pt: Uint8Array;
    try {
      pt = new Uint8Array(await open(key, data.subarray(p, p + h.length), h.ctr, data.subarray(0, p), data.subarray(p + h.length)));
    } catch {
      this.counts.failed++;
      return null;
    }
    const hidden = kind === 'video' ? VP8_TAG_BYTES : 0;
    if (pt.length < hidden) {
      this.counts.failed++;
      return null;
    }
    // The real frame tag comes out of the ciphertext; the rest of the prefix is as sent.
    const out = new Uint8Array(p + pt.length - hidden);
    out.set(data.subarray(0, p));
    out.set(pt.subarray(0, hidden));
    out.set(pt.subarray(hidden), p);
    this.counts.decrypted++;
    return out.buffer;
  }

  stats(): CryptorStats {
    this.prune();
    return { epoch: this.epoch, ...this.counts, lastDecryptEpochBySender: { ...this.lastEpochBySender } };
  }

  private recvKey(e: EpochKeys, senderIndex: number): Promise<SFrameKey> | null {
    let k = e.recv.get(senderIndex);
    if (!k) {
      if (e.recv.size >= MAX_SENDERS_PER_EPOCH) return null;
      k = deriveKeySalt(e.base, mlsKid(senderIndex, e.epoch), 'decrypt');
      e.recv.set(senderIndex, k);
    }
    return k;
  }
}

interface ParsedAt {
  prefix: number;
  header: { kid: bigint; ctr: bigint; length: number };
  senderIndex: number;
  epochBits: number;
}

function parseAt(data: Uint8Array, prefix: number): ParsedAt | null {
  const header = decodeHeader(data, prefix);
  if (!header) return null;
  if (header.kid > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { prefix, header, ...splitMlsKid(header.kid) };
}

export interface SFramePayloadInfo {
  kid: number;
  ctr: number;
  epochBits: number;
  senderIndex: number;
  prefixLength: number;
  headerLength: number;
}

/**
 * Reads the SFrame header of an encrypted frame, e.g. for a server-side tap checking which epoch
 * each forwarded frame used. Needs only the start of the frame (clear prefix + header), so the
 * first RTP packet's payload (after the VP8 payload descriptor) is enough. For video, keyFrame
 * defaults to the VP8 frame tag, which stays in clear.
 */
export function parseSFramePayload(data: ArrayBuffer | Uint8Array, kind: FrameKind, keyFrame?: boolean): SFramePayloadInfo | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const kf = keyFrame ?? (kind === 'video' && vp8IsKeyFrame(bytes));
  const p = parseAt(bytes, clearPrefixLength(kind, kf));
  if (!p || p.header.ctr > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return {
    kid: Number(p.header.kid),
    ctr: Number(p.header.ctr),
    epochBits: p.epochBits,
    senderIndex: p.senderIndex,
    prefixLength: p.prefix,
    headerLength: p.header.length,
  };
}

/**
 * Decrypts one frame with an MLS exporter secret, for Node tests that are members of the group.
 * The secret is copied (the caller keeps theirs). Returns the plaintext frame (clear prefix
 * included; a test build's plaintext marker, if any, still attached) or null.
 */
export async function decryptSFrame(
  epochSecret: Uint8Array,
  epoch: number,
  data: ArrayBuffer | Uint8Array,
  kind: FrameKind,
  keyFrame?: boolean,
): Promise<DecryptedFrame | null> {
  // A copy of exactly these bytes (a Node Buffer's slice() would share its pool).
  const bytes = new Uint8Array(data instanceof Uint8Array ? data : new Uint8Array(data));
  const c = new FrameCryptor();
  // Own index is irrelevant here: this cryptor never encrypts.
  await c.setEpoch(epoch, new Uint8Array(epochSecret), 0);
  const kf = keyFrame ?? (kind === 'video' && vp8IsKeyFrame(bytes));
  return c.decrypt({ data: bytes.buffer, kind, keyFrame: kf });
}

/** At most one key frame request per interval (a receiver without the key would flood the sender). */
export class KeyFrameRequestLimiter {
  private last = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly intervalMs = 500,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** True when a request may go out now; records it. */
  tryAcquire(): boolean {
    const t = this.now();
    if (t - this.last < this.intervalMs) return false;
    this.last = t;
    return true;
  }
}
