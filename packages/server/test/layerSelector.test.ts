// A6: the layer a subscriber gets follows its tile size and its downlink.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LayerSelector } from '../src/sfu/LayerSelector.js';
import type { Consumer } from '../src/sfu/Consumer.js';

function fakeConsumer(report: { backlog: number; fractionLost: number }) {
  const c = {
    closed: false,
    target: -1,
    producer: {
      kind: 'video',
      participantId: 'p1',
      source: 'camera',
      activeLayers: () => [
        { index: 0, height: 180 },
        { index: 1, height: 360 },
        { index: 2, height: 720 },
      ],
    },
    delivery: () => ({ ...report, fresh: true }),
    setTarget(l: number) {
      c.target = l;
    },
  };
  return c;
}

describe('LayerSelector', () => {
  it('gives the smallest layer that fills the tile, else the highest', () => {
    const sel = new LayerSelector(() => 0);
    const c = fakeConsumer({ backlog: 0, fractionLost: 0 });
    sel.update([c as unknown as Consumer], [{ participantId: 'p1', source: 'camera', maxHeight: 300 }]);
    assert.equal(c.target, 1);
    sel.update([c as unknown as Consumer], [{ participantId: 'p1', source: 'camera', maxHeight: 100 }]);
    assert.equal(c.target, 0);
    sel.update([c as unknown as Consumer], []);
    assert.equal(c.target, 2);
  });

  it('steps down under loss, climbs back after quiet, and waits longer after a failed climb', () => {
    let now = 10_000;
    const sel = new LayerSelector(() => now);
    const report = { backlog: 0, fractionLost: 0.2 };
    const c = fakeConsumer(report);
    const tick = (ms: number) => {
      now += ms;
      sel.update([c as unknown as Consumer], []);
    };
    tick(0);
    assert.equal(c.target, 1);
    tick(1000);
    assert.equal(c.target, 1, 'holds between steps');
    tick(2500);
    assert.equal(c.target, 0);
    report.fractionLost = 0;
    tick(5000);
    assert.equal(c.target, 0, 'not yet');
    tick(4000);
    assert.equal(c.target, 1, 'climbs after a quiet period');
    report.fractionLost = 0.2;
    tick(2500);
    assert.equal(c.target, 0, 'the climb congested');
    report.fractionLost = 0;
    tick(9000);
    assert.equal(c.target, 0, 'waits longer than before');
    tick(9000);
    assert.equal(c.target, 1);
  });

  it('drops straight to the lowest layer under severe loss', () => {
    let now = 10_000;
    const sel = new LayerSelector(() => now);
    const c = fakeConsumer({ backlog: 0, fractionLost: 0.5 });
    sel.update([c as unknown as Consumer], []);
    assert.equal(c.target, 0);
    assert.equal(sel.bandwidthCap, 0);
    now += 100;
  });
});
