import type { ConnectionQuality } from '@kaigi/protocol';
import type { ReceiverReport } from './Consumer.js';

// A participant's connection as the SFU sees it (A6): how well its downlink carries what the SFU
// forwards. Facts first (gathered by Subscriber.downlink from the receiver reports the browser
// sends about each stream and from the layer selector), then this pure evaluator, so a test can
// write the facts of any link by hand. The browser measures its uplink itself (the SFU's receiver
// reports about what it sends); only the SFU knows what reaches the browser and at which layer.

/** What the SFU measured of one subscriber's downlink, over its consumers' latest receiver reports. */
export interface DownlinkFacts {
  /** Worst fraction lost (0 … 1) in a recent receiver report; null: no recent report. */
  lossFraction: number | null;
  /** Worst interarrival jitter in a recent report, in seconds; null: none. */
  jitterSeconds: number | null;
  /** Worst round-trip time (RFC 3550 §6.4.1, from the reports' LSR/DLSR); null: not measured yet. */
  rttSeconds: number | null;
  /**
   * Over the streams the SFU sends now, the shortest time one has gone unanswered: since its latest
   * report, or since it (re)started sending if that is later. null: the SFU sends nothing now.
   */
  unansweredMs: number | null;
  /**
   * The highest simulcast layer the subscriber's downlink is allowed now, and the highest there is;
   * null without video. A cap below the top means the SFU stepped the layers down on loss or backlog.
   */
  layers: { cap: number; max: number } | null;
}

/** One stream the SFU forwards to the subscriber, as its Consumer saw it (Date.now() times; 0: never sent). */
export interface StreamFacts {
  kind: 'audio' | 'video';
  report: ReceiverReport | null;
  /** The start of the current run of packets (a pause starts a new run). */
  sendingSince: number;
  lastSentAt: number;
}

const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
const minOf = (a: number | null, b: number): number => (a === null ? b : Math.min(a, b));

/** The downlink's facts from its streams: the worst recent report, the latest answer and send, the layer cap with video. */
export function gatherDownlink(streams: readonly StreamFacts[], layers: { cap: number; max: number }, now: number): DownlinkFacts {
  const f: DownlinkFacts = { lossFraction: null, jitterSeconds: null, rttSeconds: null, unansweredMs: null, layers: null };
  for (const s of streams) {
    if (s.kind === 'video') f.layers = layers;
    const r = s.report;
    if (s.lastSentAt > 0 && now - s.lastSentAt < IDLE_AFTER_MS) f.unansweredMs = minOf(f.unansweredMs, now - Math.max(r?.at ?? 0, s.sendingSince));
    if (!r || now - r.at >= REPORT_STALE_MS) continue;
    f.lossFraction = maxOf(f.lossFraction, r.fractionLost);
    f.jitterSeconds = maxOf(f.jitterSeconds, r.jitterSeconds);
    f.rttSeconds = maxOf(f.rttSeconds, r.rttSeconds);
  }
  return f;
}

// The browser's own thresholds (client media/quality.ts classify), so the two sides agree on words.
const LOSS_GOOD = 0.02;
const LOSS_FAIR = 0.08;
const JITTER_GOOD_S = 0.03;
const JITTER_FAIR_S = 0.1;
// ITU-T G.114: up to 150 ms one way is transparent for conversation, past 400 ms unacceptable.
const RTT_GOOD_S = 0.3;
const RTT_FAIR_S = 0.8;
/** Reports older than this say nothing about the link now. Browsers send one every 1-7.5 s (audio-only: 5 s ±50%). */
export const REPORT_STALE_MS = 10_000;
/** Sending, and no report for this long: the browser no longer answers (ICE or the network is gone). */
export const LOST_AFTER_MS = 10_000;
/** Sending stopped this long ago: that stream tells nothing about the link now. */
export const IDLE_AFTER_MS = 5_000;

const RANK: Record<ConnectionQuality, number> = { good: 0, fair: 1, poor: 2, lost: 3 };
const worst = (a: ConnectionQuality, b: ConnectionQuality): ConnectionQuality => (RANK[a] >= RANK[b] ? a : b);
const grade = (v: number | null, good: number, fair: number): ConnectionQuality => (v === null || v < good ? 'good' : v < fair ? 'fair' : 'poor');

/** The verdict on one downlink; null when the SFU sends it nothing to judge it by. */
export function evaluateDownlink(f: DownlinkFacts): ConnectionQuality | null {
  if (f.unansweredMs === null) return null;
  // Packets go out and nothing comes back: lost, whether it never answered or stopped answering.
  if (f.unansweredMs >= LOST_AFTER_MS) return 'lost';
  if (f.lossFraction === null) return null;
  let q = grade(f.lossFraction, LOSS_GOOD, LOSS_FAIR);
  q = worst(q, grade(f.jitterSeconds, JITTER_GOOD_S, JITTER_FAIR_S));
  q = worst(q, grade(f.rttSeconds, RTT_GOOD_S, RTT_FAIR_S));
  // The layer a subscriber gets: held below the top, its video is reduced; at the lowest, poor.
  if (f.layers && f.layers.cap < f.layers.max) q = worst(q, f.layers.cap === 0 ? 'poor' : 'fair');
  return q;
}

/** How often the links are looked at: browsers send a receiver report about once a second per stream. */
export const QUALITY_EVERY_MS = 1_000;

/** A better verdict must hold this long before it is told: a link that recovers often relapses. */
export const IMPROVE_AFTER_MS = 2_000;

/**
 * Turns each participant's verdicts over time into what they are told: a worse verdict at once,
 * a better one once it has held for IMPROVE_AFTER_MS, and null (no verdict any more) once the
 * SFU stopped sending to them. Time comes from the caller.
 */
export class QualityTracker {
  private readonly told = new Map<string, ConnectionQuality>();
  private readonly better = new Map<string, { quality: ConnectionQuality | null; since: number }>();

  /** Feeds this tick's verdicts (every subscriber's, null where there is none); returns the changes to tell. */
  update(verdicts: ReadonlyMap<string, ConnectionQuality | null>, now: number): Map<string, ConnectionQuality | null> {
    const out = new Map<string, ConnectionQuality | null>();
    for (const pid of [...this.told.keys()]) if (!verdicts.has(pid)) this.forget(pid);
    for (const [pid, q] of verdicts) {
      const told = this.told.get(pid);
      if (q === (told ?? null)) {
        this.better.delete(pid);
        continue;
      }
      const improves = told !== undefined && (q === null || RANK[q] < RANK[told]);
      if (improves) {
        const pending = this.better.get(pid);
        if (!pending || pending.quality !== q) {
          this.better.set(pid, { quality: q, since: now });
          continue;
        }
        if (now - pending.since < IMPROVE_AFTER_MS) continue;
      }
      this.better.delete(pid);
      if (q === null) this.told.delete(pid);
      else this.told.set(pid, q);
      out.set(pid, q);
    }
    return out;
  }

  /** The participant's media is gone: nothing more is told about it. */
  forget(participantId: string): void {
    this.told.delete(participantId);
    this.better.delete(participantId);
  }
}
