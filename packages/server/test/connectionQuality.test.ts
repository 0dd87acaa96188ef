// A6: what each participant is told about its own connection, from what the SFU measures of its
// downlink (receiver reports: loss, jitter, RTT; the simulcast layer it can carry). The facts are
// written by hand and time is a number the test moves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionQuality } from '@kaigi/protocol';
import {
  evaluateDownlink,
  gatherDownlink,
  IMPROVE_AFTER_MS,
  LOST_AFTER_MS,
  QualityTracker,
  REPORT_STALE_MS,
  type DownlinkFacts,
  type StreamFacts,
} from '../src/sfu/connectionQuality.js';

const TOP = { cap: 2, max: 2 };
const facts = (o: Partial<DownlinkFacts>): DownlinkFacts => ({
  lossFraction: 0,
  jitterSeconds: 0.005,
  rttSeconds: 0.04,
  unansweredMs: 500,
  layers: TOP,
  ...o,
});

describe('evaluateDownlink', () => {
  it('grades loss, jitter and RTT by the thresholds the browser uses, the worst one deciding', () => {
    const table: [string, Partial<DownlinkFacts>, ConnectionQuality][] = [
      ['a clean link', {}, 'good'],
      ['1% loss', { lossFraction: 0.01 }, 'good'],
      ['3% loss', { lossFraction: 0.03 }, 'fair'],
      ['10% loss', { lossFraction: 0.1 }, 'poor'],
      ['50 ms jitter', { jitterSeconds: 0.05 }, 'fair'],
      ['150 ms jitter', { jitterSeconds: 0.15 }, 'poor'],
      ['400 ms RTT', { rttSeconds: 0.4 }, 'fair'],
      ['900 ms RTT', { rttSeconds: 0.9 }, 'poor'],
      ['RTT not measured yet', { rttSeconds: null }, 'good'],
      ['fair loss, poor RTT', { lossFraction: 0.03, rttSeconds: 1 }, 'poor'],
      ['layers held one below the top', { layers: { cap: 1, max: 2 } }, 'fair'],
      ['layers held at the lowest', { layers: { cap: 0, max: 2 } }, 'poor'],
      ['no video: the cap says nothing', { layers: null }, 'good'],
    ];
    for (const [what, f, q] of table) assert.equal(evaluateDownlink(facts(f)), q, what);
  });

  it('says lost when packets go out and nothing answers, and nothing when there is nothing to judge', () => {
    assert.equal(evaluateDownlink(facts({ unansweredMs: LOST_AFTER_MS })), 'lost');
    assert.equal(evaluateDownlink(facts({ unansweredMs: LOST_AFTER_MS - 1, lossFraction: 0.5 })), 'poor');
    assert.equal(evaluateDownlink(facts({ unansweredMs: null })), null, 'the SFU sends nothing');
    assert.equal(evaluateDownlink(facts({ lossFraction: null })), null, 'no recent report yet');
  });
});

describe('gatherDownlink', () => {
  const NOW = 100_000;
  const stream = (o: Partial<StreamFacts>): StreamFacts => ({ kind: 'audio', report: null, sendingSince: NOW - 60_000, lastSentAt: NOW - 20, ...o });
  const report = (ago: number, fractionLost: number, rttSeconds: number | null = 0.05) => ({ at: NOW - ago, fractionLost, jitterSeconds: 0.01, rttSeconds });

  it('takes the worst recent report and leaves stale ones out', () => {
    const f = gatherDownlink(
      [stream({ report: report(500, 0.01, 0.1) }), stream({ kind: 'video', report: report(800, 0.04, null) }), stream({ report: report(REPORT_STALE_MS, 0.9, 2) })],
      { cap: 1, max: 2 },
      NOW,
    );
    assert.equal(f.lossFraction, 0.04);
    assert.equal(f.rttSeconds, 0.1);
    assert.deepEqual(f.layers, { cap: 1, max: 2 }, 'with video, the layer cap counts');
    assert.equal(f.unansweredMs, 500, 'the freshest answer among the streams sent now');
    assert.equal(evaluateDownlink(f), 'fair');
  });

  it('counts a stream as unanswered from its report or from when it (re)started, and ignores paused ones', () => {
    const restarted = stream({ report: report(30_000, 0), sendingSince: NOW - 1_000 });
    assert.equal(gatherDownlink([restarted], TOP, NOW).unansweredMs, 1_000, 'a stream that resumed a second ago');
    const silent = stream({ report: null, sendingSince: NOW - LOST_AFTER_MS });
    assert.equal(evaluateDownlink(gatherDownlink([silent], TOP, NOW)), 'lost', 'never answered in ten seconds of sending');
    const paused = stream({ report: report(60_000, 0), lastSentAt: NOW - 6_000 });
    assert.equal(gatherDownlink([paused], TOP, NOW).unansweredMs, null, 'nothing sent now');
    assert.equal(gatherDownlink([stream({ kind: 'audio' })], TOP, NOW).layers, null, 'audio only: no layers');
  });
});

describe('QualityTracker', () => {
  const tick = (t: QualityTracker, now: number, v: Record<string, ConnectionQuality | null>) => Object.fromEntries(t.update(new Map(Object.entries(v)), now));

  it('tells a first verdict and a worse one at once, a better one once it has held', () => {
    const t = new QualityTracker();
    assert.deepEqual(tick(t, 0, { a: 'good', b: null }), { a: 'good' }, 'no verdict is not told');
    assert.deepEqual(tick(t, 400, { a: 'good', b: null }), {}, 'unchanged: nothing to tell');
    assert.deepEqual(tick(t, 800, { a: 'poor' }), { a: 'poor' }, 'worse: at once');
    assert.deepEqual(tick(t, 1200, { a: 'good' }), {}, 'better: not yet');
    assert.deepEqual(tick(t, 1200 + IMPROVE_AFTER_MS - 1, { a: 'good' }), {});
    assert.deepEqual(tick(t, 1200 + IMPROVE_AFTER_MS, { a: 'good' }), { a: 'good' }, 'better, and held');
  });

  it('starts the wait again when a better verdict changes, and drops it when the old one comes back', () => {
    const t = new QualityTracker();
    tick(t, 0, { a: 'poor' });
    tick(t, 100, { a: 'fair' });
    assert.deepEqual(tick(t, 100 + IMPROVE_AFTER_MS - 1, { a: 'good' }), {}, 'fair, then good: the wait starts again');
    assert.deepEqual(tick(t, 100 + 2 * IMPROVE_AFTER_MS, { a: 'good' }), { a: 'good' });
    tick(t, 10_000, { a: 'poor' });
    tick(t, 10_100, { a: 'good' });
    tick(t, 10_200, { a: 'poor' });
    assert.deepEqual(tick(t, 10_300 + IMPROVE_AFTER_MS, { a: 'good' }), {}, 'a relapse resets the wait');
  });

  it('clears a verdict once there is none (after the same wait), and forgets participants who are gone', () => {
    const t = new QualityTracker();
    tick(t, 0, { a: 'fair', b: 'good' });
    assert.deepEqual(tick(t, 100, { a: null, b: 'good' }), {});
    assert.deepEqual(tick(t, 100 + IMPROVE_AFTER_MS, { a: null, b: 'good' }), { a: null }, 'told: no verdict any more');
    assert.deepEqual(tick(t, 5_000, { a: null }), {}, 'b is gone: nothing to tell it');
    assert.deepEqual(tick(t, 5_400, { a: null, b: 'good' }), { b: 'good' }, 'back: told afresh');
  });
});
