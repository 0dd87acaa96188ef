// A6: the connection badge for oneself is the worse of the uplink (the browser's own statistics)
// and what the SFU measures of the downlink (its connectionQuality message).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { worse, type Quality } from '../src/media/quality.js';

test('worse() keeps the worse of two verdicts, and the first when the second is missing', () => {
  const table: [Quality, Quality | undefined, Quality][] = [
    ['good', undefined, 'good'],
    ['good', 'fair', 'fair'],
    ['fair', 'good', 'fair'],
    ['poor', 'fair', 'poor'],
    ['fair', 'poor', 'poor'],
    ['good', 'good', 'good'],
  ];
  for (const [a, b, w] of table) assert.equal(worse(a, b), w, `${a} ${String(b)}`);
});
