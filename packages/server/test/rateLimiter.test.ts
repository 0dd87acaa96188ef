// B1: a few failures pass, then the wait grows with each failure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../src/security/RateLimiter.js';
import { TokenBucket } from '../src/signaling/TokenBucket.js';

describe('RateLimiter', () => {
  it('lets free failures pass, then doubles the wait up to the cap', () => {
    let now = 0;
    const rl = new RateLimiter({ freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, now: () => now });
    for (let i = 0; i < 3; i++) {
      assert.equal(rl.check('k').allowed, true);
      rl.fail('k');
    }
    assert.deepEqual(rl.check('k'), { allowed: false, retryAfterMs: 1000 });
    now += 1000;
    assert.equal(rl.check('k').allowed, true);
    rl.fail('k');
    assert.equal(rl.check('k').retryAfterMs, 2000);
    for (let i = 0; i < 10; i++) rl.fail('k');
    assert.equal(rl.check('k').retryAfterMs, 8000, 'capped');
    assert.equal(rl.check('other').allowed, true, 'keys are independent');
  });

  it('forgets failures after its memory window', () => {
    let now = 0;
    const rl = new RateLimiter({ freeFailures: 1, memoryMs: 60_000, now: () => now });
    rl.fail('k');
    rl.fail('k');
    assert.equal(rl.check('k').allowed, false);
    now += 60_001;
    assert.equal(rl.check('k').allowed, true);
    rl.sweep();
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const b = new TokenBucket(10, 5, () => now);
    for (let i = 0; i < 5; i++) assert.equal(b.take(), true);
    assert.equal(b.take(), false);
    now += 100;
    assert.equal(b.take(), true);
    assert.equal(b.take(), false);
  });
});
