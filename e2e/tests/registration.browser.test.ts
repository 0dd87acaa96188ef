// B3, B5, B6 in real Chromium: the host turns registration on from the meeting's "Entry and
// registration" panel; a person registers on the public page; the host approves and copies the
// personal link; the registrant joins with it under the registered name and shows as
// "Registrant"; the same link opened in a second browser is flagged to the host; revoking takes
// both out at once. A members-only meeting tells a guest to sign in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { createMeeting, HOST_PASSWORD } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { bigPage, hostSignsIn, pageErrors } from '../support/levels.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;
let api: HttpClient;

before(async () => {
  server = await startServer();
  const r = await server.cli(['user', 'add', 'kaori'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  api = new HttpClient(server.url);
  await api.signIn('kaori', HOST_PASSWORD);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function hostView(meetingId: string): Promise<Page> {
  const page = await hostSignsIn(browser, server.url, 'kaori');
  await page.goto(`${server.url}/m/${meetingId}/host`);
  await page.getByRole('button', { name: 'Lock meeting' }).waitFor();
  return page;
}

async function joinWith(url: string, name: string): Promise<Page> {
  const page = await bigPage(browser);
  await page.goto(url);
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  return page;
}

describe('registration and members-only in the browser (B3, B5, B6)', () => {
  it('registers, approves, joins by personal link as a registrant, flags a shared link, and revokes', async () => {
    const m = await createMeeting(api, 'Seminar', { level: 'low' });
    const host = await hostView(m.id);
    const panel = host.getByRole('region', { name: 'Entry and registration' });
    await panel.getByRole('combobox', { name: 'Registration' }).selectOption('approval');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await api.request('GET', `/api/meetings/${m.id}`)).json.registration, 'approval');
    const formUrl = await panel.getByTestId('registration-form-url').inputValue();
    assert.equal(formUrl, `${server.url}/m/${m.id}/register`);

    // The public page: it says nothing of the meeting; the link comes from the host.
    const visitor = await bigPage(browser);
    await visitor.goto(formUrl);
    await visitor.getByRole('textbox', { name: 'Your name' }).fill('Aiko Tanaka');
    await visitor.getByRole('textbox', { name: 'Email address' }).fill('aiko@example.ac.jp');
    await visitor.getByRole('button', { name: 'Register' }).click();
    await visitor.getByRole('status').filter({ hasText: 'the host will send your personal link' }).waitFor();
    assert.ok(!(await visitor.content()).includes('Seminar'), 'the page never shows the meeting');

    await panel.getByRole('button', { name: 'Refresh' }).click();
    await panel.getByRole('button', { name: 'Approve Aiko Tanaka' }).click();
    const copy = panel.getByRole('button', { name: 'Copy the personal link of Aiko Tanaka' });
    await copy.waitFor();
    const link = await copy.getAttribute('data-join-url');
    assert.ok(link?.startsWith(`${server.url}/m/${m.id}#reg=`), String(link));

    // The registrant joins with the link; whatever name they type, the registered one is used.
    const aiko = await joinWith(link!, 'Anything');
    await aiko.getByRole('heading', { name: 'Waiting room' }).waitFor();
    const waiting = host.getByRole('region', { name: 'Waiting room' });
    await waiting.getByText('Aiko Tanaka').waitFor();
    await waiting.getByText('Registrant').waitFor();
    await waiting.getByRole('button', { name: 'Admit Aiko Tanaka' }).click();
    await aiko.getByRole('list', { name: 'Participants' }).waitFor();
    await aiko.getByRole('list', { name: 'Participants' }).getByText('Registrant').waitFor();
    await host.getByRole('list', { name: 'Participants' }).getByText('Aiko Tanaka').waitFor();

    // The same link from a second browser: the host is warned, the newcomer waits.
    const copycat = await joinWith(link!, 'Copycat');
    await copycat.getByRole('heading', { name: 'Waiting room' }).waitFor();
    const alert = panel.getByTestId('registration-alerts');
    await alert.getByText('Aiko Tanaka’s personal link is in use from 2 places at once.').waitFor();
    await alert.getByText('Aiko Tanaka (in the meeting)').waitFor();
    await alert.getByText('Aiko Tanaka (waiting)').waitFor();

    // Revoking: both are out at once and told so.
    await panel.getByRole('button', { name: 'Revoke the registration of Aiko Tanaka' }).click();
    const dialog = host.getByRole('dialog', { name: 'Revoke this registration?' });
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    for (const p of [aiko, copycat]) await p.getByText('You were removed from this meeting.').waitFor();
    await panel.getByText('Revoked', { exact: true }).waitFor();
    assert.equal(await panel.getByRole('button', { name: 'Copy the personal link of Aiko Tanaka' }).count(), 0, 'no link to copy any more');

    // The link no longer works.
    const again = await joinWith(link!, 'Aiko');
    await again.getByText('This registration has been withdrawn by the host.').waitFor();

    // The data map tells the host what the registrations hold and how long (E1).
    await host.goto(`${server.url}/m/${m.id}/data`);
    const section = host.getByRole('region', { name: 'Registrations' });
    await section.getByText('0 approved, 0 waiting for approval, 1 revoked.').waitFor();
    await section.getByText(/name and email address on this server until the meeting is deleted/).waitFor();
    assert.deepEqual(pageErrors, []);
  });

  it('tells a guest of a members-only meeting to sign in', async () => {
    const m = await createMeeting(api, 'Staff meeting', { level: 'medium', joinBeforeHost: true });
    const host = await hostView(m.id);
    const panel = host.getByRole('region', { name: 'Entry and registration' });
    await panel.getByRole('checkbox', { name: /Signed-in members only/ }).check();
    // Groups, one per line (names may hold spaces): stored trimmed; this guest is refused before they matter.
    await panel.getByRole('textbox', { name: /Only members of these groups/ }).fill(' staff \nLab 1\n\n');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const entry = (await api.request('GET', `/api/meetings/${m.id}`)).json.entry;
    assert.equal(entry.membersOnly, true);
    assert.deepEqual(entry.groups, ['staff', 'Lab 1']);
    assert.equal(await panel.getByRole('textbox', { name: /Only members of these groups/ }).inputValue(), 'staff\nLab 1');

    const guest = await joinWith(m.joinUrl, 'Visitor');
    await guest.getByRole('alert').filter({ hasText: 'signed-in members of the organisation only' }).waitFor();
    const signIn = guest.getByRole('link', { name: 'Sign in to join' });
    assert.equal(await signIn.getAttribute('href'), `/signin?next=${encodeURIComponent(`/m/${m.id}`)}`);
    assert.deepEqual(pageErrors, []);
  });
});
