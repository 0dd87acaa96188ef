// D1–D5, B7 in real Chromium: an end-to-end encrypted meeting. Three browsers decode each
// other through the SFU while a tap inside the server sees only SFrame ciphertext; a member that
// runs in Node (Kaigi's own KeyManager) holds the group keys outside any browser, proves the
// frames decrypt with the group's keys and that its keys stop working once it is removed; a
// browser admitted to the router without the keys decodes nothing. Chat is MLS ciphertext at
// the server, safety codes agree within an epoch and change with it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { decryptSFrame, parseSFramePayload } from '@kaigi/client/e2ee/FrameCryptor';
import { KeyManager } from '@kaigi/client/e2ee/KeyManager';
import { auditRows } from '../support/audit.js';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { guestJoins, hostOpensMeeting, inbound, startMedia } from '../support/meetingUi.js';
import { rawClient, until } from '../support/rawMedia.js';
import { RawMlsMember } from '../support/rawMls.js';
import { startServer, type RunningServer } from '../support/server.js';
import { readTap } from '../support/tap.js';
import { WsClient } from '../support/ws.js';


let server: RunningServer;
let browser: Browser;
let dir: string;
let tapPath: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kaigi-e2ee-'));
  tapPath = path.join(dir, 'tap.jsonl');
  server = await startServer({}, undefined, { tap: tapPath });
  const r = await server.cli(['user', 'add', 'hana'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const snapshot = (page: Page) => page.evaluate(`window.__kaigi.e2ee.snapshot()`) as Promise<{ status: string; epoch: number | null; safetyCode: string | null; members: string[] }>;
const safetyCodeOf = (page: Page) => page.getByTestId('safety-code').textContent();

async function framesFrom(page: Page, participantId: string): Promise<number> {
  const v = (await inbound(page)).video.find((s) => s.participantId === participantId && s.source === 'camera');
  return v?.framesDecoded ?? 0;
}

describe('end-to-end encrypted meeting (D1–D5, B7)', () => {
  it('keeps media and chat unreadable to the server, and moves keys on removal', async (t) => {
    const marker = randomBytes(12);
    const markerHex = marker.toString('hex');
    const host = await hostOpensMeeting(browser, server.url, 'hana', 'Board meeting', { e2ee: true });
    const meetingId = new URL(host.joinUrl).pathname.split('/').pop() ?? '';
    const password = decodeURIComponent(new URL(host.joinUrl).hash.replace('#pwd=', ''));

    // A browser that says it cannot do E2EE is refused before the waiting room, with a clear code.
    const plain = await WsClient.connect(server.url);
    const refused = await plain.request({ type: 'join', meetingId, displayName: 'Old browser', password });
    assert.equal(refused.code, 'E2EE_UNSUPPORTED', JSON.stringify(refused));
    plain.close();

    const alice = await guestJoins(browser, host.page, host.joinUrl, 'Alice');
    const bob = await guestJoins(browser, host.page, host.joinUrl, 'Bob');
    const pages = { hana: host.page, alice, bob };

    // Eve runs in Node with Kaigi's KeyManager: a full member, later removed.
    const eve = await RawMlsMember.join(server, meetingId, password, 'Eve');
    await host.page.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Eve' }).click();

    for (const [name, page] of Object.entries(pages)) {
      await page.getByRole('status').filter({ hasText: 'End-to-end encrypted' }).first().waitFor();
      await until(() => snapshot(page), (s) => s.status === 'ready' && s.members.length === 4, 20_000, `${name} in a 4-member group`);
      await page.evaluate(`window.__kaigi.e2ee.setMarker(${JSON.stringify(markerHex)})`);
    }
    await until(async () => eve.current()?.members.length ?? 0, (n) => n === 4, 10_000, 'Eve in the 4-member group');

    // Safety codes: equal everywhere in one epoch, Eve's (computed in Node) included.
    const epochBefore = (await snapshot(host.page)).epoch ?? -1;
    await until(async () => Promise.all(Object.values(pages).map(snapshot)), (ss) => ss.every((s) => s.epoch === epochBefore), 10_000, 'same epoch everywhere');
    const codesBefore = await Promise.all(Object.values(pages).map(safetyCodeOf));
    assert.match(codesBefore[0] ?? '', /^\d{4}( \d{4}){4}$/);
    assert.deepEqual(new Set(codesBefore), new Set([eve.current()?.safetyCode]), 'safety codes agree within the epoch');

    // Bob's connection drops before he sends anything: on resume his page opens a send
    // connection with only an inactive placeholder m-line. His microphone, turned on next, must
    // still reach everyone, encrypted (the tap checks below cover his audio).
    await bob.evaluate('window.__kaigi.cutMedia()');
    await until(() => bob.evaluate('window.__kaigi.pcs().send !== null') as Promise<boolean>, (x) => x, 15_000, "Bob's send connection rebuilt after the resume");
    for (const page of Object.values(pages)) await startMedia(page);

    // A browser admitted to the router that holds no group key.
    const keyless = await rawClient(browser, server.url, meetingId, 'Keyless', password, true);
    await host.page.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Keyless' }).click();

    const ids: Record<string, string> = {};
    for (const [name, page] of Object.entries(pages)) {
      const label = name === 'hana' ? 'hana' : name === 'alice' ? 'Alice' : 'Bob';
      const other = name === 'hana' ? alice : host.page;
      ids[name] = (await other.getByRole('region', { name: 'Videos' }).getByLabel(`Video of ${label}`).getAttribute('data-participant-id')) ?? '';
      void page;
    }
    for (const [name, page] of Object.entries(pages)) {
      for (const [other, id] of Object.entries(ids)) {
        if (other === name) continue;
        await until(() => framesFrom(page, id), (n) => n > 30, 30_000, `${name} decodes ${other}`);
      }
    }
    const keylessIn = await until(
      () => keyless.inbound(),
      (s) => s.filter((x) => x.kind === 'video' && x.packets > 100).length >= 3,
      20_000,
      'keyless browser receives the three cameras',
    );
    const keylessFrames = keylessIn.filter((x) => x.kind === 'video').reduce((n, x) => n + x.framesDecoded, 0);
    t.diagnostic(`keyless browser: ${keylessIn.filter((x) => x.kind === 'video').map((x) => `${x.packets} pkts/${x.framesDecoded} frames`).join(', ')}`);
    assert.equal(keylessFrames, 0, 'a browser without the group keys decodes no frame');

    // Chat: in order at every member; the server relays MLS ciphertext only.
    const chatLines = ['Agenda item one', 'Figures are final', 'Agreed, thanks'];
    for (const [i, page] of [host.page, alice, bob].entries()) {
      await page.getByRole('textbox', { name: 'Chat message' }).fill(chatLines[i] ?? '');
      await page.getByRole('region', { name: 'Chat' }).getByRole('button', { name: 'Send', exact: true }).click();
      await page.getByRole('list', { name: 'Chat messages' }).getByRole('listitem').filter({ hasText: chatLines[i] ?? '' }).waitFor();
    }
    await eve.sendChat('Eve was here');
    const expected = ['hana: Agenda item one', 'Alice: Figures are final', 'Bob: Agreed, thanks', 'Eve: Eve was here'];
    for (const page of Object.values(pages)) {
      const items = page.getByRole('list', { name: 'Chat messages' }).getByRole('listitem');
      await until(() => items.allTextContents(), (xs) => xs.length === 4, 10_000, 'four chat messages');
      const texts = await items.allTextContents();
      expected.forEach((e, i) => {
        const [who, what] = e.split(': ');
        assert.ok(texts[i]?.includes(who ?? '') && texts[i]?.includes(what ?? ''), `message ${i} is "${e}": ${texts[i]}`);
      });
    }
    await until(async () => eve.chat.length, (n) => n === 4, 10_000, 'Eve sees four chat messages');
    for (const [i, c] of eve.chat.entries()) {
      assert.equal(c.text, undefined, 'the server never relays chat as text in an E2EE meeting');
      assert.ok(c.ciphertext, 'relayed as ciphertext');
      const plain = expected[i]?.split(': ')[1] ?? '';
      // MLS does not let a member decrypt its own message; everyone else's Eve reads.
      if (c.from !== eve.participantId) assert.equal(c.plaintext, plain, 'a member decrypts it');
      assert.equal(Buffer.from(c.ciphertext ?? '', 'base64').includes(Buffer.from(plain)), false, 'the server copy holds no plaintext');
    }

    // The tap: everything forwarded so far is SFrame, the marker never shows, Eve's keys open it.
    const tapBefore = readTap(tapPath);
    assert.ok(tapBefore.length > 500, `tap saw ${tapBefore.length} packets`);
    for (const r of tapBefore) assert.equal(Buffer.from(r.payload, 'base64').includes(marker), false, 'plaintext marker in a forwarded packet');
    const eveKeys = eve.current();
    assert.ok(eveKeys);
    const audioBefore = tapBefore.filter((r) => r.kind === 'audio' && r.to === keyless.participantId).slice(-60);
    let opened = 0;
    let marked = 0;
    for (const r of audioBefore) {
      const info = parseSFramePayload(Buffer.from(r.payload, 'base64'), 'audio');
      assert.ok(info, 'every forwarded audio packet carries an SFrame header');
      const out = await decryptSFrame(eveKeys.epochSecret, eveKeys.epoch, Buffer.from(r.payload, 'base64'), 'audio');
      if (out) opened++;
      if (out && Buffer.from(out.data).subarray(-marker.length).equals(marker)) marked++;
    }
    const bits = new Set(audioBefore.map((r) => parseSFramePayload(Buffer.from(r.payload, 'base64'), 'audio')?.epochBits));
    assert.deepEqual([...bits], [eveKeys.epoch % 256], 'all frames in the current epoch');
    t.diagnostic(`Eve's keys (epoch ${eveKeys.epoch}) open ${opened}/${audioBefore.length} forwarded audio frames, ${marked} with the marker`);
    assert.ok(opened >= audioBefore.length - 5 && marked === opened, `a member's keys open the frames and find the marker`);

    // What the server holds of the group is public MLS: its copy of the Welcome does not let a
    // non-member in (it is sealed to the newcomer's KeyPackage).
    const welcome = eve.relayed.find((x) => x.length > 0 && eve.relayedKinds.get(x) === 'welcome');
    assert.ok(welcome, 'Eve was sent a Welcome');
    const outsider = await KeyManager.create({ participantId: 'p_server000000000000000' });
    await outsider.keyPackage();
    await assert.rejects(outsider.joinFromWelcome(new Uint8Array(Buffer.from(welcome, 'base64'))), 'the relayed Welcome opens for no one else');

    // Verification (B7): the host marks Alice verified in this epoch.
    await host.page.getByRole('button', { name: 'Mark Alice verified' }).click();
    await alice.getByRole('list', { name: 'Participants' }).getByText('Verified', { exact: true }).waitFor();

    // Removal: every sender moves to the next epoch, and Eve's keys no longer open anything.
    const removedAt = Date.now();
    await host.page.getByRole('button', { name: 'Remove Eve' }).click();
    const epochAfter = epochBefore + 1;
    for (const [name, page] of Object.entries(pages)) {
      await until(() => snapshot(page), (s) => (s.epoch ?? 0) >= epochAfter, 30_000, `${name} in the epoch after removal`);
    }
    await new Promise((r) => setTimeout(r, 2500));
    // The removal happens at the server: its audit entry's time (the click is ~0.2 s earlier).
    const removedRow = auditRows(server.dataDir, meetingId).find((k) => k.kind === 'participant.removed');
    assert.ok(removedRow, 'the removal is audited');
    const removedAtServer = Date.parse(removedRow.at);
    const tapAfter = readTap(tapPath).filter((r) => r.t > removedAt && r.kind === 'audio' && r.to === keyless.participantId);
    for (const [name, id] of Object.entries(ids)) {
      const mine = tapAfter.filter((r) => r.from === id);
      const firstNew = mine.findIndex((r) => parseSFramePayload(Buffer.from(r.payload, 'base64'), 'audio')?.epochBits === epochAfter % 256);
      assert.ok(firstNew >= 0, `${name} sends in the new epoch (${mine.length} audio packets since the removal)`);
      const ms = (mine[firstNew]?.t ?? 0) - removedAtServer;
      t.diagnostic(`${name}: first frame in epoch ${epochAfter} ${ms} ms after the removal (${(mine[firstNew]?.t ?? 0) - removedAt} ms after the click)`);
      assert.ok(ms <= 2000, `${name} moved to the new epoch within 2 s (${ms} ms)`);
      const later = mine.slice(firstNew);
      for (const r of later) {
        assert.equal(parseSFramePayload(Buffer.from(r.payload, 'base64'), 'audio')?.epochBits, epochAfter % 256, `${name} does not fall back to the old epoch`);
        const out = await decryptSFrame(eveKeys.epochSecret, eveKeys.epoch, Buffer.from(r.payload, 'base64'), 'audio');
        assert.equal(out, null, 'the removed member cannot decrypt frames of the new epoch');
      }
    }

    const codesAfter = await Promise.all(Object.values(pages).map(safetyCodeOf));
    assert.equal(new Set(codesAfter).size, 1, 'safety codes agree in the new epoch');
    assert.notEqual(codesAfter[0], codesBefore[0], 'the safety code changed with membership');
    await host.page.getByRole('list', { name: 'Participants' }).getByText('Verify again').waitFor();

    // Bob's network drops while someone joins: he misses that commit, resumes his place, gets
    // the commit replayed, and decodes again in the same epoch as everyone else.
    await bob.evaluate('window.__kaigi.cutMedia()');
    const dave = await RawMlsMember.join(server, meetingId, password, 'Dave');
    await host.page.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: 'Admit Dave' }).click();
    await until(async () => dave.current()?.epoch ?? -1, (e) => e > epochAfter, 10_000, 'Dave added in a later epoch');
    const missedAt = Date.now();
    for (const [name, page] of Object.entries(pages)) {
      await until(
        async () => ({ page: await snapshot(page), dave: dave.current()?.epoch }),
        (s) => s.page.epoch === s.dave && s.page.members.length === 4,
        20_000,
        `${name} in Dave's epoch`,
      );
    }
    const framesNow = await framesFrom(bob, ids.hana ?? '');
    await until(() => framesFrom(bob, ids.hana ?? ''), (n) => n > framesNow + 20, 20_000, 'Bob decodes hana again after the drop');
    t.diagnostic(`Bob caught up with the missed commit and decodes again ${Date.now() - missedAt} ms after Dave's epoch`);
    const codesDave = await Promise.all(Object.values(pages).map(safetyCodeOf));
    assert.deepEqual(new Set(codesDave), new Set([dave.current()?.safetyCode]), 'one safety code after the catch-up');

    const audit = await server.cli(['audit', 'verify']);
    assert.equal(audit.code, 0, audit.stderr);
    const kinds = auditRows(server.dataDir, meetingId);
    const removalCommit = kinds.find((k) => k.kind === 'e2ee.epoch' && k.data.epoch === epochAfter);
    if (removalCommit) t.diagnostic(`the server accepted the removal commit ${Date.parse(removalCommit.at) - removedAtServer} ms after the removal`);
    for (const k of kinds.filter((x) => x.kind === 'e2ee.rejoin')) t.diagnostic(`${k.kind} ${JSON.stringify(k.data)}`);
    const verified = kinds.find((k) => k.kind === 'participant.verified');
    assert.ok(verified && verified.data.displayName === 'Alice', 'the verification is in the audit log');
    assert.ok(kinds.filter((k) => k.kind === 'e2ee.epoch').length >= 5, 'every epoch change is audited');
    for (const k of kinds) assert.equal(JSON.stringify(k.data).includes(chatLines[0] ?? '-'), false, 'no chat text in the audit log');
    await keyless.page.close();
    for (const page of Object.values(pages)) await page.close();
  });
});
