// Issue 15 item 3: a media worker that dies mid-meeting. Two admitted people decode each other;
// the worker thread hosting their meeting is terminated (workerKillServer.ts, SIGUSR2). A new
// worker takes its place, the meeting's Router is rebuilt there, and both decode each other's
// video again within 10 s, by themselves. A guest in the waiting room receives nothing before,
// during or after, and the audit log shows no admission that did not happen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { auditRows } from '../support/audit.js';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { guestJoins, hostOpensMeeting, inbound, startMedia } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer({}, undefined, { killableWorkers: true });
  const r = await server.cli(['user', 'add', 'hana'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Frames of one participant's camera decoded at `page` on its current receive connection, with
 * a tag of that connection (a rebuilt connection starts counting from 0 again).
 */
async function decoded(page: Page, participantId: string): Promise<{ conn: number; frames: number }> {
  const conn = (await page.evaluate(`(() => {
    const recv = window.__kaigi && window.__kaigi.pcs().recv;
    if (!recv) return 0;
    recv.__testTag = recv.__testTag || Math.random();
    return recv.__testTag;
  })()`)) as number;
  const v = (await inbound(page)).video.find((s) => s.participantId === participantId && s.source === 'camera');
  return { conn, frames: v?.framesDecoded ?? 0 };
}

/** Decoding after `since`: 15 more frames on the same connection, or 15 on a new one. */
const decodingAgain = (since: { conn: number; frames: number }) => (now: { conn: number; frames: number }) =>
  now.conn === since.conn ? now.frames >= since.frames + 15 : now.conn !== 0 && now.frames >= 15;

/** Everything a page receives: video tracks and audio samples (none for a waiting guest). */
async function receivesNothing(page: Page): Promise<void> {
  const got = await inbound(page);
  assert.deepEqual({ video: got.video.length, audio: got.audioSamples }, { video: 0, audio: 0 }, 'the waiting guest received media');
}

describe('a media worker dies mid-meeting (issue 15 item 3)', () => {
  it('participants decode each other again within 10 s; the waiting guest receives nothing; nobody is admitted anew', async (t) => {
    const host = await hostOpensMeeting(browser, server.url, 'hana', 'Worker death');
    const alice = await guestJoins(browser, host.page, host.joinUrl, 'Alice');
    const { page: eve } = await newParticipant(browser, 'en-US');
    t.after(async () => {
      for (const p of [host.page, alice, eve]) await p.context().close();
    });
    await eve.goto(host.joinUrl);
    await eve.getByRole('textbox', { name: 'Display name' }).fill('Eve');
    await eve.getByRole('button', { name: 'Join', exact: true }).click();
    await host.page.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Eve' }).waitFor();
    await startMedia(host.page);
    await startMedia(alice);
    const videos = (p: Page) => p.getByRole('region', { name: 'Videos' });
    await videos(alice).getByLabel('Video of hana').waitFor();
    await videos(host.page).getByLabel('Video of Alice').waitFor();
    const hanaId = (await videos(alice).getByLabel('Video of hana').getAttribute('data-participant-id'))!;
    const aliceId = (await videos(host.page).getByLabel('Video of Alice').getAttribute('data-participant-id'))!;
    await until(() => decoded(alice, hanaId), (d) => d.frames > 15, 30_000, 'Alice decodes hana');
    await until(() => decoded(host.page, aliceId), (d) => d.frames > 15, 30_000, 'hana decodes Alice');
    await receivesNothing(eve);
    const meetingId = new URL(host.joinUrl).pathname.split('/').pop() ?? '';
    const admitted = () => auditRows(server.dataDir, meetingId).filter((r) => r.kind === 'participant.admitted' || r.kind === 'host.joined');
    const admissionsBefore = admitted();

    const atAlice = await decoded(alice, hanaId);
    const atHost = await decoded(host.page, aliceId);
    const killedAt = Date.now();
    server.proc.kill('SIGUSR2');
    await until(async () => server.log(), (log) => /KAIGI_WORKERS_KILLED [1-9]/.test(log), 5_000, 'the worker killed');

    await Promise.all([
      until(() => decoded(alice, hanaId), decodingAgain(atAlice), 10_000, 'Alice decodes hana again within 10 s'),
      until(() => decoded(host.page, aliceId), decodingAgain(atHost), 10_000, 'hana decodes Alice again within 10 s'),
    ]);
    console.log(`media back ${Date.now() - killedAt} ms after the worker was killed`);
    assert.ok(Date.now() - killedAt <= 12_000);
    await receivesNothing(eve);
    await eve.getByText(/waiting/i).first().waitFor();
    assert.deepEqual(admitted(), admissionsBefore, 'no admission was written after the worker died');
  });
});
