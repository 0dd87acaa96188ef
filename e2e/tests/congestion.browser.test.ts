// Real Chromium publishing its fake 720p camera to an in-process werift peer that sends our
// transport-wide congestion-control feedback: the publisher's own bandwidth estimator must grant
// at least 1 Mbps within 15 s, the stream must not collapse, and the camera must reach 1280x720,
// with no bitrate forced anywhere (no b=AS, no x-google-*).
//
// KAIGI_TWCC=werift runs the same measurement with werift's built-in feedback instead (to
// compare; it fails: the estimate stays near 300 kbps and the stream at 640x360, ~100 kbps).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { attachTwccFeedback } from '@kaigi/server/sfu/congestion/attachTwccFeedback';
import { launchBrowser, newParticipant } from '../support/browser.js';
import {
  answerOffer,
  createPublisherOffer,
  createWeriftReceiver,
  sampleSend,
  serveBlankPage,
  type SendSample,
} from '../support/werift-loopback.js';

const TARGET_BPS = 1_000_000;
const DEADLINE_S = 15;
/** Chromium raises resolution only step by step (QP-based), 640x360 -> 960x540 -> 1280x720. */
const MAX_RUN_S = 60;
const MIN_SEND_BPS = 200_000;
const useWeriftFeedback = process.env.KAIGI_TWCC === 'werift';

let browser: Browser;
let site: Awaited<ReturnType<typeof serveBlankPage>>;

before(async () => {
  site = await serveBlankPage();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

describe('transport-wide congestion control feedback (werift receiver, Chromium sender)', () => {
  it(`gives a 720p camera at least ${TARGET_BPS / 1e6} Mbps within ${DEADLINE_S} s, and the camera reaches 1280x720`, async (t) => {
    const { page } = await newParticipant(browser);
    await page.goto(site.url);
    const receiver = createWeriftReceiver();
    const twcc = useWeriftFeedback ? undefined : attachTwccFeedback(receiver);
    try {
      const offer = await createPublisherOffer(page);
      assert.match(offer, /transport-wide-cc/, 'Chromium offers the transport-wide-cc extension');
      await answerOffer(page, receiver, offer);
      const answer = receiver.localDescription!.sdp;
      assert.match(answer, /a=extmap:\d+ http:\/\/www\.ietf\.org\/id\/draft-holmer-rmcat-transport-wide-cc-extensions-01/);
      assert.match(answer, /a=rtcp-fb:\d+ transport-cc/);
      assert.doesNotMatch(answer, /x-google-|b=AS|b=TIAS/, 'no bitrate is forced');

      const samples: (SendSample & { sendBps: number })[] = [];
      let first: Awaited<ReturnType<typeof sampleSend>> | undefined;
      let previous: Awaited<ReturnType<typeof sampleSend>> | undefined;
      const started = Date.now();
      // Once a second: the bitrate on the wire (from bytesSent), what the congestion controller
      // grants (bandwidth estimate, encoder target) and the resolution, until 720p or the limit.
      while ((Date.now() - started) / 1000 < MAX_RUN_S) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const s = await sampleSend(page);
        first ??= s;
        if (previous && s.timestamp > previous.timestamp) {
          const sendBps = ((s.bytesSent - previous.bytesSent) * 8 * 1000) / (s.timestamp - previous.timestamp);
          const { timestamp: _timestamp, ...rest } = s;
          const sample = { t: (s.timestamp - first.timestamp) / 1000, sendBps, ...rest };
          samples.push(sample);
          t.diagnostic(
            `t=${sample.t.toFixed(1).padStart(4)}s  send ${kbps(sendBps)}  ${s.frameWidth}x${s.frameHeight} ${s.framesPerSecond}fps` +
              `  encoder target ${kbps(s.targetBitrate)}  estimate ${kbps(s.availableOutgoingBitrate)}  limited by: ${s.qualityLimitationReason}`,
          );
          if (s.frameWidth >= 1280 && sample.t >= DEADLINE_S) break;
        }
        previous = s;
      }
      const early = samples.filter((s) => s.t <= DEADLINE_S);
      const peak = (k: 'sendBps' | 'targetBitrate' | 'availableOutgoingBitrate', of = samples) => Math.max(0, ...of.map((s) => s[k]));
      const widest = samples.reduce((w, s) => Math.max(w, s.frameWidth), 0);
      t.diagnostic(
        `feedback: ${useWeriftFeedback ? "werift's own" : 'Kaigi TwccFeedback'}; within ${DEADLINE_S} s: estimate ${kbps(peak('availableOutgoingBitrate', early))},` +
          ` encoder target ${kbps(peak('targetBitrate', early))}, send ${kbps(peak('sendBps', early))}; overall send peak ${kbps(peak('sendBps'))}, widest ${widest}px`,
      );
      assert.ok(early.length > 0, 'the page sent video');
      // What congestion control decides: the estimate and the encoder's allocation. (The fake
      // camera's easy 20 fps picture needs only ~0.7 Mbps even at 720p, so bytesSent is bounded
      // by the encoder, not by the network; see the second assertion for the wire.)
      assert.ok(peak('availableOutgoingBitrate', early) >= TARGET_BPS, 'bandwidth estimate below target');
      assert.ok(peak('targetBitrate', early) >= TARGET_BPS, 'encoder target below target');
      // On the wire the stream must not be throttled: no collapse after ramp-up, and full 720p.
      const late = samples.filter((s) => s.t >= 5);
      const minLate = Math.min(...late.map((s) => s.sendBps));
      assert.ok(minLate >= MIN_SEND_BPS, `send bitrate fell to ${kbps(minLate)} after ramp-up`);
      const cpuLimited = samples.some((s) => s.qualityLimitationReason === 'cpu');
      if (!cpuLimited) assert.ok(widest >= 1280, `never reached 1280x720 (widest ${widest}px)`);
    } finally {
      twcc?.stop();
      await receiver.close();
      await page.context().close();
    }
  });
});

function kbps(bps: number): string {
  return `${(bps / 1000).toFixed(0).padStart(5)} kbps`;
}
