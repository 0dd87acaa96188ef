// A6: simulcast. A subscriber whose downlink is limited is moved to a lower layer by the SFU and
// keeps decoding; an unlimited one keeps the high layer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { createMeeting, hostSession } from '../support/fixtures.js';
import { rawClient, until, waitAdmitted, type RawMediaClient } from '../support/rawMedia.js';
import { limitPort } from '../support/shaping.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let browser: Browser;
let hostWs: WsClient;
let meeting: { id: string; password: string };

before(async () => {
  server = await startServer();
  const host = await hostSession(server);
  meeting = await createMeeting(host, 'Simulcast');
  hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  await hostWs.request({ type: 'join', meetingId: meeting.id, displayName: 'Host' });
  hostWs.socket.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'waitingRoom') for (const e of m.entries) hostWs.send({ type: 'admit', participantId: e.id });
  });
  browser = await launchBrowser();
});

after(async () => {
  hostWs?.close();
  await browser?.close();
  await server?.stop();
});

async function join(name: string): Promise<RawMediaClient> {
  const c = await rawClient(browser, server.url, meeting.id, name, meeting.password);
  await waitAdmitted(c);
  return c;
}

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
      // Give the congested queue a moment to drain, then count decoded frames.
      for (let i = 0; i < 4; i++) {
        const before = (await video(limited)).framesDecoded;
        await new Promise((r) => setTimeout(r, 2000));
        const s = await video(limited);
        console.log(`  window ${i}: ${s.framesDecoded - before} frames in 2 s at ${s.frameWidth} px`);
      }
      const before = (await video(limited)).framesDecoded;
      await new Promise((r) => setTimeout(r, 3000));
      const afterFrames = (await video(limited)).framesDecoded;
      assert.ok(afterFrames - before > 20, `keeps decoding (${afterFrames - before} frames in 3 s)`);
      assert.ok((await video(free)).frameWidth >= 640, 'the free subscriber keeps its layer');
    } finally {
      unlimit();
    }
    for (const c of [publisher, free, limited]) await c.page.close();
  });
});
