// Issue 15 item 1 (A1): one UDP port for every transport of a node. Three people in Chromium
// publish cameras, one also shares a screen; every send and receive connection of every
// participant has its selected candidate pair's remote port equal to the server's one media port
// (KAIGI_MEDIA_PORT), and media really flows (frames decoded keep rising) through it.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { guestJoins, hostOpensMeeting, inbound, startMedia } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;
let mediaPort = 0;

/** A UDP port nothing uses on 127.0.0.1 right now (the test runs in its own network namespace). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

before(async () => {
  mediaPort = await freeUdpPort();
  server = await startServer({ KAIGI_MEDIA_PORT: String(mediaPort), KAIGI_MEDIA_IP: '127.0.0.1' });
  const r = await server.cli(['user', 'add', 'hana'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

interface SelectedPair {
  pc: 'send' | 'recv';
  remote: string;
  state: string;
}

/** Each of a page's connections (send, receive): the remote side of its selected candidate pair. */
async function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(`(async () => {
    const pcs = window.__kaigi && window.__kaigi.pcs();
    const out = [];
    for (const name of ['send', 'recv']) {
      const pc = pcs && pcs[name];
      if (!pc) continue;
      const stats = await pc.getStats();
      const byId = new Map();
      stats.forEach((s) => byId.set(s.id, s));
      let found = false;
      stats.forEach((s) => {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
        const pair = byId.get(s.selectedCandidatePairId);
        const remote = pair && byId.get(pair.remoteCandidateId);
        found = true;
        out.push({ pc: name, remote: remote ? remote.address + ':' + remote.port : 'none', state: pair ? pair.state : 'none' });
      });
      if (!found) out.push({ pc: name, remote: 'none', state: 'no selected pair' });
    }
    return out;
  })()`);
}

const videoFrames = async (page: Page): Promise<number> => (await inbound(page)).video.reduce((n, v) => n + v.framesDecoded, 0);

describe('one media port for the whole node (issue 15 item 1, A1)', () => {
  it("puts every participant's send and receive transport on the server's one UDP port, and media flows", async () => {
    const host = await hostOpensMeeting(browser, server.url, 'hana', 'One port');
    const alice = await guestJoins(browser, host.page, host.joinUrl, 'Alice');
    const bob = await guestJoins(browser, host.page, host.joinUrl, 'Bob');
    const pages: Record<string, Page> = { hana: host.page, Alice: alice, Bob: bob };
    try {
      for (const p of Object.values(pages)) await startMedia(p);
      await host.page.getByRole('button', { name: 'Share screen' }).click();
      await host.page.getByRole('button', { name: 'Stop sharing' }).waitFor();
      for (const [name, page] of Object.entries(pages)) {
        // Everyone decodes the others (two cameras, plus the screen for the guests), still rising.
        const first = await until(() => videoFrames(page), (n) => n > 20, 30_000, `${name} decoding video`);
        await until(() => videoFrames(page), (n) => n >= first + 20, 30_000, `${name}: frames keep being decoded`);
        const pairs = await until(
          () => selectedPairs(page),
          (ps) => ps.length === 2 && ps.every((p) => p.remote !== 'none'),
          20_000,
          `${name}'s two connections with a selected pair`,
        );
        console.log(`${name}: ${JSON.stringify(pairs)}`);
        for (const p of pairs) assert.equal(p.remote, `127.0.0.1:${mediaPort}`, `${name}'s ${p.pc} connection`);
      }
      const screens = await Promise.all([alice, bob].map((p) => inbound(p).then((x) => x.video.filter((v) => v.source === 'screen').length)));
      assert.deepEqual(screens, [1, 1], 'the screen share is received, on the same port');
    } finally {
      for (const p of Object.values(pages)) await p.context().close();
    }
  });
});
