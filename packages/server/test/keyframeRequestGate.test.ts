import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyframeRequestGate } from '../src/sfu/KeyframeRequestGate.js';

describe('keyframe requests of one subscriber', () => {
  it('passes occasional requests every time', () => {
    let t = 0;
    const gate = new KeyframeRequestGate(() => t);
    for (let i = 0; i < 10; i++) {
      t += 2000;
      assert.equal(gate.allow(), true, `request ${i}`);
    }
  });

  it('backs off a receiver that asks continually, up to 4 s, and recovers after a quiet spell', () => {
    let t = 0;
    const gate = new KeyframeRequestGate(() => t);
    const passed: number[] = [];
    // A receiver without keys: a request every 100 ms for a minute.
    for (; t < 60_000; t += 100) if (gate.allow()) passed.push(t);
    const gaps = passed.slice(1).map((x, i) => x - (passed[i] ?? 0));
    assert.ok(passed.length < 25, `${passed.length} of 600 requests forwarded`);
    assert.ok(gaps.every((g, i) => i === 0 || g >= (gaps[i - 1] ?? 0)), `gaps grow: ${gaps.join(',')}`);
    assert.equal(Math.max(...gaps), 4000);
    t += 30_000; // quiet
    assert.equal(gate.allow(), true);
    t += 400;
    assert.equal(gate.allow(), false);
    t += 200;
    assert.equal(gate.allow(), true, 'after a quiet spell the gap is back at 500 ms');
  });

  it('refuses a second request within 500 ms', () => {
    let t = 10_000;
    const gate = new KeyframeRequestGate(() => t);
    assert.equal(gate.allow(), true);
    t += 499;
    assert.equal(gate.allow(), false);
  });
});
