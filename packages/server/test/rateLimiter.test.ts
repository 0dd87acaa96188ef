// B1: a few failures pass, then the wait grows with each failure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey, RateLimiter } from '../src/security/RateLimiter.js';
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

  it('B1: counts an attempt in the same step that allows it, so parallel guesses cannot all pass', () => {
    let now = 0;
    const rl = new RateLimiter({ freeFailures: 5, baseDelayMs: 1000, now: () => now });
    // 30 attempts decided before any of them is verified (as when 30 arrive at once).
    const allowed = Array.from({ length: 30 }, () => rl.attempt('ip:a', 'user:x')).filter((d) => d.allowed);
    assert.equal(allowed.length, 5);
    assert.equal(rl.attempt('ip:a').allowed, false, 'every key of a refused attempt stays counted');
    assert.equal(rl.attempt('ip:b', 'user:x').allowed, false, 'one blocked key refuses the attempt');
    assert.equal(rl.attempt('ip:b').allowed, true, 'a refused attempt counts nothing under its other keys');
    now += 1000;
    assert.equal(rl.attempt('ip:a').allowed, true, 'after the wait, one more attempt');
    assert.equal(rl.attempt('ip:a').allowed, false);
  });

  it('B1: a right answer is forgiven, so the rightful user is not slowed by its own success', () => {
    const now = 0;
    const rl = new RateLimiter({ freeFailures: 2, now: () => now });
    for (let i = 0; i < 10; i++) {
      assert.equal(rl.attempt('k').allowed, true);
      rl.succeeded('k');
    }
    rl.succeeded('never-seen');
    assert.equal(rl.attempt('k').allowed, true);
    assert.equal(rl.attempt('k').allowed, true);
    assert.equal(rl.attempt('k').allowed, false, 'unforgiven attempts count as failures');
  });

  it('B1: keys an IPv6 address by its /64, an IPv4 address as is', () => {
    assert.equal(addressKey('203.0.113.7'), 'ip:203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), 'ip:203.0.113.7');
    assert.equal(addressKey('2001:db8:0:1::5'), addressKey('2001:DB8:0:1:ffff:1:2:3'));
    assert.notEqual(addressKey('2001:db8:0:1::5'), addressKey('2001:db8:0:2::5'));
    assert.equal(addressKey('::1'), 'ip6:0:0:0:0::/64');
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
