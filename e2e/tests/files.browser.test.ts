// A4, D2 in real Chromium: a file shared in an E2EE meeting is encrypted in the sender's
// browser; the server stores ciphertext it cannot open, and another participant downloads the
// original bytes (the key travels through the MLS group). The file's name travels only inside the
// encryption: the other participant sees and saves it under its name, the server has none.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD, lowDefaultPolicyFile } from '../support/fixtures.js';
import { guestJoins, hostOpensMeeting } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;

before(async () => {
  // Sharing files is a Low-level feature (F1); the UI creates meetings at the organisation's default.
  server = await startServer({ KAIGI_POLICY_FILE: lowDefaultPolicyFile() });
  const r = await server.cli(['user', 'add', 'hana'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();

/** The files under dir (database, WAL, objects, keys) whose bytes contain needle. */
const holding = (dir: string, needle: Buffer): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => fs.readFileSync(f).includes(needle));

describe('files in an E2EE meeting (A4, D2)', () => {
  it('stores ciphertext only, and participants download the original bytes', async () => {
    const host = await hostOpensMeeting(browser, server.url, 'hana', 'Sealed files', { e2ee: true });
    const meetingId = new URL(host.joinUrl).pathname.split('/').pop() ?? '';
    const alice = await guestJoins(browser, host.page, host.joinUrl, 'Alice');
    // Both in the same epoch of the group before the key is shared.
    await until(async () => [await safetyCode(host.page), await safetyCode(alice)], ([a, b]) => !!a && a === b, 20_000, 'one safety code');

    const marker = randomBytes(32);
    const content = Buffer.concat([Buffer.from('%PDF-1.7 board minutes '), marker, randomBytes(20_000)]);
    const name = `取締役会 minutes ${randomBytes(6).toString('hex')}.pdf`;
    await alice.getByLabel('Share a file').setInputFiles({ name, mimeType: 'application/pdf', buffer: content });
    const files = host.page.getByRole('region', { name: 'Files' });
    // The host's list shows the name from the group's key message: the server does not have it.
    await files.getByRole('list', { name: 'Shared files' }).getByRole('listitem').filter({ hasText: name }).waitFor();

    const [download] = await Promise.all([host.page.waitForEvent('download'), files.getByRole('button', { name: `Download ${name}` }).click()]);
    const saved = await download.path();
    assert.ok(saved);
    assert.ok(fs.readFileSync(saved).equals(content), 'the host downloads the original bytes');
    assert.equal(download.suggestedFilename(), name, 'saved under the name sealed inside the file');
    // D2: the name is nowhere in the server's data folder (database, its WAL, the stored objects).
    for (const form of [Buffer.from(name), Buffer.from(encodeURIComponent(name))]) {
      assert.deepEqual(holding(server.dataDir, form), [], 'the file name is on the server');
    }

    // What the server holds: the data map lists it as e2ee, and its bytes are not the file.
    const map = await host.page.request.get(`${server.url}/api/meetings/${meetingId}/data-map`);
    const obj = ((await map.json()) as { objects: { id: string; name: string | null; protection: string; kind: string }[] }).objects.find((o) => o.kind === 'file');
    assert.equal(obj?.protection, 'e2ee');
    assert.equal(obj?.name, null, 'the data map has no name for it');
    const stored = Buffer.from(await (await host.page.request.get(`${server.url}/api/meetings/${meetingId}/objects/${obj?.id}`)).body());
    assert.ok(stored.length >= content.length, 'stored ciphertext');
    assert.equal(stored.includes(marker), false, 'the server copy holds no plaintext');
    assert.equal(stored.includes(content.subarray(0, 20)), false);
    await alice.close();
    await host.page.close();
  });
});
