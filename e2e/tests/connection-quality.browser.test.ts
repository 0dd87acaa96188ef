// A6: the SFU tells each participant how its own connection looks from the server's side (loss,
// jitter and RTT in the receiver reports the browser sends about what it receives, the simulcast
// layer it can carry), and nobody else's. On loopback the link answers (how good it is depends
// on how busy the machine is, so the grade itself is not asserted).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { hostOpensMeeting, startMedia } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  const r = await server.cli(['user', 'add', 'hana'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('connection quality from the SFU (A6)', () => {
  it('tells a receiving participant about its own downlink only', async (t) => {
    const host = await hostOpensMeeting(browser, server.url, 'hana', 'Quality');
    const { context, page: alice } = await newParticipant(browser, 'en-US', { width: 1920, height: 1400 });
    t.after(async () => {
      await host.page.context().close();
      await context.close();
    });
    // Every message the server sends Alice's page, as the page receives it.
    const received: { type: string; participantId?: string; participants?: { id: string; quality: string }[] }[] = [];
    alice.on('websocket', (ws) => ws.on('framereceived', (f) => typeof f.payload === 'string' && received.push(JSON.parse(f.payload))));
    await alice.goto(host.joinUrl);
    await alice.getByRole('textbox', { name: 'Display name' }).fill('Alice');
    await alice.getByRole('button', { name: 'Join', exact: true }).click();
    await host.page.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Alice' }).click();
    await alice.getByRole('list', { name: 'Participants' }).waitFor();
    await startMedia(host.page);

    const me = received.find((m) => m.type === 'joined')?.participantId;
    assert.ok(me, 'Alice was told her participant id');
    const told = await until(
      async () => received.filter((m) => m.type === 'connectionQuality'),
      (ms) => ms.some((m) => m.participants?.some((p) => p.id === me && p.quality !== 'lost')),
      30_000,
      'Alice told how her connection is',
    );
    for (const m of told) {
      assert.ok(m.participants?.every((p) => p.id === me), `only about herself: ${JSON.stringify(m)}`);
    }
  });
});
