import type { MediaSource } from '@kaigi/protocol';
import type { Consumer } from './Consumer.js';

export interface TilePreference {
  participantId: string;
  source: MediaSource;
  maxHeight: number;
}

/** Loss or backlog past these marks means the subscriber's downlink is congested. */
const LOSS_CONGESTED = 0.05;
/** Loss this heavy means the downlink carries far less than the current layer: go to the lowest. */
const LOSS_SEVERE = 0.2;
const BACKLOG_CONGESTED = 400;
const STEP_DOWN_HOLD_MS = 2_000;
/** Quiet time before trying a higher layer; doubles each time the try fails. */
const STEP_UP_AFTER_MS = 8_000;
const STEP_UP_MAX_MS = 64_000;
/** The top simulcast layer (SIMULCAST_RIDS: three layers). */
export const MAX_LAYER = 2;

/**
 * Picks, for each of one subscriber's video consumers, the simulcast layer it gets: the smallest
 * layer that fills the tile the subscriber shows, capped by what its downlink carries. The cap
 * drops one layer when the receiver reports loss or falls behind, and climbs back one layer
 * after a quiet period (A6).
 */
export class LayerSelector {
  private cap = MAX_LAYER;
  private lastChange = 0;
  private lastCongestion = 0;
  private lastStepUp = -Infinity;
  private upDelay = STEP_UP_AFTER_MS;

  constructor(private readonly now: () => number = Date.now) {}

  get bandwidthCap(): number {
    return this.cap;
  }

  update(consumers: Iterable<Consumer>, preferences: readonly TilePreference[]): void {
    const video = [...consumers].filter((c) => !c.closed && c.producer.kind === 'video');
    const t = this.now();
    let congested = false;
    let severe = false;
    for (const c of video) {
      const d = c.delivery();
      if (d.fractionLost > LOSS_CONGESTED || d.backlog > BACKLOG_CONGESTED) congested = true;
      if (d.fresh && d.fractionLost > LOSS_SEVERE) severe = true;
    }
    if (severe && this.cap > 0) {
      // Waiting a step at a time would keep the link flooded (and full of retransmissions).
      this.lastCongestion = t;
      if (t - this.lastStepUp < 2 * STEP_DOWN_HOLD_MS + this.upDelay / 4) this.upDelay = Math.min(STEP_UP_MAX_MS, this.upDelay * 2);
      this.cap = 0;
      this.lastChange = t;
    } else if (congested) {
      this.lastCongestion = t;
      if (this.cap > 0 && t - this.lastChange > STEP_DOWN_HOLD_MS) {
        // A step up that congests soon after was a failed try: wait longer before the next.
        if (t - this.lastStepUp < 2 * STEP_DOWN_HOLD_MS + this.upDelay / 4) this.upDelay = Math.min(STEP_UP_MAX_MS, this.upDelay * 2);
        this.cap--;
        this.lastChange = t;
      }
    } else if (this.cap < MAX_LAYER && t - this.lastCongestion > this.upDelay && t - this.lastChange > this.upDelay) {
      this.cap++;
      this.lastChange = t;
      this.lastStepUp = t;
    } else if (t - this.lastCongestion > STEP_UP_MAX_MS) {
      this.upDelay = STEP_UP_AFTER_MS;
    }
    for (const c of video) {
      const layers = c.producer.activeLayers();
      if (layers.length === 0) continue;
      const pref = preferences.find((p) => p.participantId === c.producer.participantId && p.source === c.producer.source);
      let wanted = layers[layers.length - 1]!.index;
      if (pref) {
        const fits = layers.find((l) => l.height >= pref.maxHeight);
        wanted = fits ? fits.index : wanted;
      }
      const limit = Math.min(wanted, this.cap);
      const chosen = [...layers].reverse().find((l) => l.index <= limit) ?? layers[0]!;
      c.setTarget(chosen.index);
    }
  }
}
