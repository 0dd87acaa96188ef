// A6: simulcast. A subscriber whose downlink is limited is moved to a lower layer by the SFU and
// keeps decoding; an unlimited one keeps the high layer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { until, type RawMediaClient } from '../support/rawMedia.js';
import { rawMeeting, type RawMeeting } from '../support/rawMeeting.js';
import { limitPort } from '../support/shaping.js';

let room: RawMeeting;

before(async () => {
  room = await rawMeeting('Simulcast');
});

after(async () => {
  await room?.close();
});

const join = (name: string) => room.join(name);

describe('simulcast layer choice (A6)', () => {
  it('moves a bandwidth-limited subscriber to a lower layer, and it keeps decoding', async () => {
    const publisher = await join('Publisher');
    const free = await join('Free');
    const limited = await join('Limited');
    assert.equal((await publisher.publish({ video: 'camera' }, true)).type, 'publishAnswer');
    const video = (c: RawMediaClient) =>
      c.inbound().then((l) => l.find((s) => s.participantId === publisher.participantId && s.kind === 'video') ?? { framesDecoded: 0, frameWidth: 0 });
    // Both start on a layer of at least half resolution once the publisher's encoder ramps up.
    await until(() => video(free), (s) => s.frameWidth >= 640, 40_000, 'the free subscriber at >= 640 wide');
    await until(() => video(limited), (s) => s.frameWidth >= 640, 20_000, 'the limited subscriber at >= 640 wide before the limit');
    const port = await limited.recvPort();
    assert.ok(port, 'the limited subscriber has a selected candidate pair');
    const unlimit = limitPort(port, 300);
    try {
      const t0 = Date.now();
      const low = await until(() => video(limited), (s) => s.frameWidth > 0 && s.frameWidth <= 320, 30_000, 'the limited subscriber on the lowest layer');
      console.log(`limited subscriber switched to ${low.frameWidth} px wide after ${Date.now() - t0} ms`);
      // It keeps decoding: 30 more frames within 8 s (the SFU may try a higher layer now and
      // then, which costs a moment; a frozen picture fails).
      const before = (await video(limited)).framesDecoded;
      const later = await until(() => video(limited), (v) => v.framesDecoded >= before + 30, 30_000, 'the limited subscriber to keep decoding');
      console.log(`limited subscriber decoded ${later.framesDecoded - before} frames after the switch`);
      assert.ok((await video(free)).frameWidth >= 640, 'the free subscriber keeps its layer');
    } finally {
      unlimit();
    }
    for (const c of [publisher, free, limited]) await c.page.close();
  });
});
