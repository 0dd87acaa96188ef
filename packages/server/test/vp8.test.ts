// A6: keyframe detection decides where a simulcast subscriber may switch layers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVp8KeyframeStart, vp8KeyframeSize } from '../src/sfu/vp8.js';

// Descriptor with X, I (15-bit picture ID), L, T; then a keyframe header 640x360.
const key = Buffer.from([0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);

describe('VP8 payload (RFC 7741)', () => {
  it('finds the start of a keyframe and its size', () => {
    assert.equal(isVp8KeyframeStart(key), true);
    assert.deepEqual(vp8KeyframeSize(key), { width: 640, height: 360 });
  });

  it('does not switch on delta frames or on later packets of a keyframe', () => {
    const delta = Buffer.from(key);
    delta[6] = 0x51; // P bit set: interframe
    assert.equal(isVp8KeyframeStart(delta), false);
    const later = Buffer.from(key);
    later[0] = 0x80; // S bit clear: not the first packet of the partition
    assert.equal(isVp8KeyframeStart(later), false);
    assert.equal(isVp8KeyframeStart(Buffer.alloc(0)), false);
    assert.equal(vp8KeyframeSize(Buffer.from([0x10, 0x00])), null);
  });
});
