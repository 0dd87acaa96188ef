// B7 in real Chromium: the host makes Vera a verifier; Vera checks Newt, who waits, one to one.
// Both decode each other's video (and hear each other); the host and Bob, in the meeting,
// receive nothing of either. Vera admits Newt with face and voice ticked: the audit log records
// the admission with the check and Vera as the one who checked, and the roster shows it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHECK_KID, parseSFramePayload } from '@kaigi/client/e2ee/FrameCryptor';
import { auditRows } from '../support/audit.js';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { guestAsksToJoin, pageErrors } from '../support/levels.js';
import { guestJoins, hostOpensMeeting, inbound } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';
import { readTap } from '../support/tap.js';

let server: RunningServer;
let browser: Browser;
let dir: string;
let tapPath: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kaigi-verifier-'));
  tapPath = path.join(dir, 'tap.jsonl');
  server = await startServer({}, undefined, { tap: tapPath });
  // One host account per test: the dashboard's first meeting is the one just created.
  for (const user of ['hana', 'kiko']) {
    const r = await server.cli(['user', 'add', user], `${HOST_PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface CheckStats {
  encrypted: number;
  decrypted: number;
  checkEncrypted: number;
  checkDecrypted: number;
}
const e2eeStats = (page: Page) => page.evaluate(`window.__kaigi.e2ee.stats()`) as Promise<CheckStats | null>;
const e2eeSnapshot = (page: Page) => page.evaluate(`window.__kaigi.e2ee.snapshot()`) as Promise<{ status: string; safetyCode: string | null; members: string[] }>;

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

/**
 * The host opens a meeting with Bob and Vera in it and makes Vera a verifier; Newt waits; Vera
 * checks Newt, both turn on camera and microphone, and each decodes the other's video (frames
 * keep coming) and hears the other. The host and Bob receive nothing of it.
 */
async function checkOneToOne(hostUser: string, title: string, opts: { e2ee?: boolean } = {}) {
  const { page: host, joinUrl } = await hostOpensMeeting(browser, server.url, hostUser, title, opts);
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
  await newtVideo.waitFor();
  const newtId = (await newtVideo.getAttribute('data-participant-id')) ?? '';
  const veraVideo = newtSide.getByTestId('check-remote-video');
  await veraVideo.waitFor();
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

  return { host, bob, vera, newt, panel, newtSide, meetingId, newtId, veraId };
}

describe('the verifier (B7) in real browsers', () => {
  it('checks a newcomer one to one, nobody else receives it, and the admission records the check', async () => {
    const { host, newt, panel, meetingId, newtId, veraId } = await checkOneToOne('hana', 'Checked entry');

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
    const rows = await until(async () => auditRows(server.dataDir, meetingId), (rs) => rs.some((r) => r.kind === 'participant.admitted' && r.data.participantId === newtId), 30_000, 'the admission in the audit log');
    const admission = rows.find((r) => r.kind === 'participant.admitted' && r.data.participantId === newtId);
    assert.equal(admission?.actor, veraId);
    assert.deepEqual(admission?.data.check, { face: true, voice: true, name: false });
    assert.ok(rows.some((r) => r.kind === 'participant.check_started' && r.actor === veraId && r.data.participantId === newtId));
    assert.deepEqual(pageErrors, []);
  });

  it('in an E2EE meeting the check has keys of its own: both sides show one code, and the server forwards only ciphertext', async () => {
    const { host, vera, newt, panel, newtSide, meetingId, newtId, veraId } = await checkOneToOne('kiko', 'Encrypted checked entry', { e2ee: true });

    // One code on both sides (the newcomer reads it aloud; the verifier compares).
    const veraCode = (await panel.getByTestId('check-code').textContent())?.trim() ?? '';
    const newtCode = (await newtSide.getByTestId('check-code').textContent())?.trim() ?? '';
    assert.match(veraCode, /^\d{4}( \d{4}){4}$/);
    assert.equal(newtCode, veraCode);
    await panel.getByText('Ask Newt to read out the code on their screen').waitFor();
    // It is the check's own, not the meeting's.
    assert.notEqual((await e2eeSnapshot(host)).safetyCode, veraCode);

    // Both workers ran the check's frames through the check's keys: decoded video above is proof
    // that they opened (a receiver's transform drops what it cannot open).
    const [ns, vs] = [await e2eeStats(newt), await e2eeStats(vera)];
    assert.ok(ns && ns.checkEncrypted > 50 && ns.checkDecrypted > 50, `Newt: ${JSON.stringify(ns)}`);
    assert.ok(vs && vs.checkEncrypted > 50 && vs.checkDecrypted > 50, `Vera: ${JSON.stringify(vs)}`);

    // What the server forwarded of the check: only between the two, every audio packet with a
    // payload an SFrame under the sender's check KID.
    const tap = readTap(tapPath).filter((r) => r.from === newtId || r.to === newtId);
    assert.ok(tap.length > 100, `the tap saw ${tap.length} packets of the check`);
    for (const r of tap) assert.ok((r.from === newtId && r.to === veraId) || (r.from === veraId && r.to === newtId), `forwarded ${r.from} → ${r.to}`);
    for (const [from, kid] of [[newtId, CHECK_KID.newcomer], [veraId, CHECK_KID.verifier]] as const) {
      // Padding-only packets (bandwidth probes at the start) carry no payload, so nothing to hide.
      const audio = tap.filter((r) => r.from === from && r.kind === 'audio' && r.payload !== '');
      assert.ok(audio.length > 20, `audio from ${from}`);
      const wrong = audio.filter((r) => BigInt(parseSFramePayload(Buffer.from(r.payload, 'base64'), 'audio')?.kid ?? -1) !== kid);
      const first = audio[0]?.t ?? 0;
      const shown = wrong.slice(0, 5).map((r) => `+${r.t - first}ms seq ${r.seq}: ${Buffer.from(r.payload, 'base64').subarray(0, 12).toString('hex')}`);
      assert.equal(wrong.length, 0, `${wrong.length}/${audio.length} audio packets from ${from} not under its check KID: ${shown.join('; ')}`);
    }

    // Vera admits Newt, who then joins the meeting's group: same meeting code as the host.
    for (const box of ['Face seen', 'Voice heard', 'Name matches the roster']) await panel.getByRole('checkbox', { name: box }).check();
    await panel.getByRole('button', { name: 'Admit', exact: true }).click();
    await newt.getByRole('list', { name: 'Participants' }).waitFor();
    const joined = await until(() => e2eeSnapshot(newt), (x) => x.status === 'ready' && x.members.includes(newtId), 20_000, 'Newt in the group');
    await until(() => e2eeSnapshot(host), (x) => x.safetyCode === joined.safetyCode, 10_000, "the host's code matching Newt's");
    const rows = await until(async () => auditRows(server.dataDir, meetingId), (rs) => rs.some((r) => r.kind === 'participant.admitted' && r.data.participantId === newtId), 30_000, 'the admission in the audit log');
    const admission = rows.find((r) => r.kind === 'participant.admitted' && r.data.participantId === newtId);
    assert.equal(admission?.actor, veraId);
    assert.equal(admission?.data.checkKeyed, true);
    // The security report counts it (B7).
    const report = (await host.evaluate(`fetch('/api/meetings/${meetingId}/report').then((r) => r.json())`)) as { clauses: { evidence: { en: string } }[] };
    assert.ok(report.clauses.some((c) => c.evidence.en.includes("Verifiers: Vera; 1 one-to-one check(s) before admission, the newcomer's media reaching the verifier only, end-to-end encrypted with the check's own keys (1 admission(s)")));
    assert.deepEqual(pageErrors, []);
  });
});
