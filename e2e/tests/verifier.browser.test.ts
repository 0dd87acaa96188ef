// B7 in real Chromium: the host makes Vera a verifier; Vera checks Newt, who waits, one to one.
// Both decode each other's video (and hear each other); the host and Bob, in the meeting,
// receive nothing of either. Vera admits Newt with face and voice ticked: the audit log records
// the admission with the check and Vera as the one who checked, and the roster shows it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { guestAsksToJoin, pageErrors } from '../support/levels.js';
import { guestJoins, hostOpensMeeting, inbound } from '../support/meetingUi.js';
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

function auditRows(meetingId: string): { kind: string; actor: string; data: Record<string, any> }[] {
  const db = new Database(path.join(server.dataDir, 'kaigi.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select kind, actor, data from audit_log where meeting_id = ? order by seq').all(meetingId) as { kind: string; actor: string; data: string }[];
    return rows.map((r) => ({ kind: r.kind, actor: r.actor, data: JSON.parse(r.data) as Record<string, any> }));
  } finally {
    db.close();
  }
}

async function framesFrom(page: Page, participantId: string): Promise<number> {
  const v = (await inbound(page)).video.find((s) => s.participantId === participantId);
  return v?.framesDecoded ?? 0;
}

/** Everything a page receives: video frames decoded over all its tracks, audio samples, and receiving tracks. */
async function received(page: Page): Promise<{ frames: number; audioSamples: number; tracks: number }> {
  const r = await inbound(page);
  const tracks = (await page.evaluate(`(() => {
    const pcs = window.__kaigi && window.__kaigi.pcs();
    const recv = pcs && pcs.recv;
    if (!recv) return 0;
    return recv.getTransceivers().filter((t) => t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv').length;
  })()`)) as number;
  return { frames: r.video.reduce((n, v) => n + v.framesDecoded, 0), audioSamples: r.audioSamples, tracks };
}

describe('the verifier (B7) in real browsers', () => {
  it('checks a newcomer one to one, nobody else receives it, and the admission records the check', async () => {
    const { page: host, joinUrl } = await hostOpensMeeting(browser, server.url, 'hana', 'Checked entry');
    const meetingId = new URL(joinUrl).pathname.split('/').pop() ?? '';
    const bob = await guestJoins(browser, host, joinUrl, 'Bob');
    const vera = await guestJoins(browser, host, joinUrl, 'Vera');

    // The host makes Vera a verifier: her page shows the waiting room as a verifier sees it.
    await host.getByRole('button', { name: 'Make Vera a verifier' }).click();
    const veraWaiting = vera.getByRole('region', { name: 'Waiting room (verifier)' });
    await veraWaiting.waitFor();
    await host.getByRole('list', { name: 'Participants' }).getByText('Verifier', { exact: true }).waitFor();

    // Newt waits; Vera opens the check.
    const newt = await guestAsksToJoin(browser, joinUrl, 'Newt');
    await newt.getByRole('heading', { name: 'Waiting room' }).waitFor();
    await veraWaiting.getByRole('button', { name: 'Check Newt' }).click();
    const panel = vera.getByTestId('check-panel');
    await panel.getByRole('heading', { name: 'Checking Newt' }).waitFor();
    const newtSide = newt.getByTestId('newcomer-check');
    await newtSide.getByRole('heading', { name: 'A verifier is checking you' }).waitFor();
    await newtSide.getByText('Vera is checking you before letting you in.').waitFor();

    // Each turns on camera and microphone themselves.
    for (const where of [newtSide, panel]) {
      await where.getByRole('button', { name: 'Turn on camera' }).click();
      await where.getByRole('button', { name: 'Turn off camera' }).waitFor();
      await where.getByRole('button', { name: 'Turn on microphone' }).click();
      await where.getByRole('button', { name: 'Turn off microphone' }).waitFor();
    }

    // Both decode each other's video, and frames keep coming.
    const newtVideo = panel.getByTestId('check-remote-video');
    await newtVideo.waitFor({ timeout: 15_000 });
    const newtId = (await newtVideo.getAttribute('data-participant-id')) ?? '';
    const veraVideo = newtSide.getByTestId('check-remote-video');
    await veraVideo.waitFor({ timeout: 15_000 });
    const veraId = (await veraVideo.getAttribute('data-participant-id')) ?? '';
    assert.ok(newtId && veraId && newtId !== veraId);
    const v1 = await until(() => framesFrom(vera, newtId), (n) => n > 10, 20_000, 'Vera decoding Newt');
    const n1 = await until(() => framesFrom(newt, veraId), (n) => n > 10, 20_000, 'Newt decoding Vera');
    await until(() => framesFrom(vera, newtId), (n) => n > v1 + 10, 10_000, "Vera's frames from Newt rising");
    await until(() => framesFrom(newt, veraId), (n) => n > n1 + 10, 10_000, "Newt's frames from Vera rising");
    await until(async () => (await inbound(newt)).audioSamples, (n) => n > 0, 10_000, 'Newt hearing Vera');
    await until(async () => (await inbound(vera)).audioSamples, (n) => n > 0, 10_000, 'Vera hearing Newt');

    // The host and Bob receive nothing of the check: nobody else sends, so they receive nothing at all.
    for (const [who, page] of [['host', host], ['Bob', bob]] as const) {
      const r = await received(page);
      assert.deepEqual(r, { frames: 0, audioSamples: 0, tracks: 0 }, `${who} receives nothing of the check`);
      assert.equal(await page.locator(`[data-participant-id="${newtId}"]`).count(), 0, `${who} shows nothing of Newt`);
    }

    // Vera ticks face and voice and admits Newt.
    await panel.getByRole('checkbox', { name: 'Face seen' }).check();
    await panel.getByRole('checkbox', { name: 'Voice heard' }).check();
    await panel.getByRole('button', { name: 'Admit', exact: true }).click();
    await newt.getByRole('list', { name: 'Participants' }).waitFor();
    await panel.waitFor({ state: 'hidden' });

    // The roster shows who checked, and what.
    const note = host.getByRole('list', { name: 'Participants' }).getByText('Checked by Vera: face, voice');
    await note.waitFor();

    // The audit log: the admission with the check, made by Vera.
    const rows = await until(async () => auditRows(meetingId), (rs) => rs.some((r) => r.kind === 'participant.admitted' && r.data.participantId === newtId), 5000, 'the admission in the audit log');
    const admission = rows.find((r) => r.kind === 'participant.admitted' && r.data.participantId === newtId);
    assert.equal(admission?.actor, veraId);
    assert.deepEqual(admission?.data.check, { face: true, voice: true, name: false });
    assert.ok(rows.some((r) => r.kind === 'participant.check_started' && r.actor === veraId && r.data.participantId === newtId));
    assert.deepEqual(pageErrors, []);
  });
});
