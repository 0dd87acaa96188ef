// Real Chromium (B1, B2, B6, C4, H5, G1): a host signs in and creates a meeting; guests enter only
// through the password and the waiting room; removal is a ban that holds; lock refuses newcomers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  const r = await server.cli(['user', 'add', 'hana', '--admin'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function joinAs(page: Page, url: string, name: string, password?: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  if (password !== undefined) await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

const waitingStatus = (page: Page) => page.getByRole('status').filter({ hasText: 'Waiting for the host to let you in' });

describe('entering a meeting only through its password and waiting room (B1, B2, B6, C4, H5, G1)', () => {
  it('runs the whole admission story in real browsers', async () => {
    // The host signs in and creates a meeting.
    const host = await newParticipant(browser);
    await host.page.goto(`${server.url}/signin`);
    await host.page.getByRole('textbox', { name: 'Username' }).fill('hana');
    await host.page.getByRole('textbox', { name: 'Password' }).fill(HOST_PASSWORD);
    await host.page.getByRole('button', { name: 'Sign in' }).click();
    await host.page.getByRole('textbox', { name: 'Meeting title' }).fill('Board meeting');
    // Guests may wait before the host is there only when the host allows it (C4; off by default).
    await host.page.getByRole('checkbox', { name: 'Allow joining before the host' }).check();
    await host.page.getByRole('button', { name: 'Create meeting' }).click();
    const joinUrl = await host.page.getByRole('textbox', { name: 'Join URL' }).first().inputValue();
    const url = new URL(joinUrl);
    assert.match(url.hash, /^#pwd=.{10,}/, 'the password rides in the fragment');
    const bare = `${url.origin}${url.pathname}`;

    // Guest A opens the join link: the password is pre-filled, camera and microphone are off.
    const a = await newParticipant(browser);
    await a.page.goto(joinUrl);
    const pw = await a.page.getByRole('textbox', { name: 'Password' }).inputValue();
    assert.equal(pw, decodeURIComponent(url.hash.slice('#pwd='.length)));
    // The page wipes the fragment from the address bar right after reading it.
    await a.page.waitForFunction('location.hash === ""', undefined, { timeout: 30_000 });
    assert.equal(new URL(a.page.url()).hash, '', 'the fragment is wiped from the address bar');
    await a.page.getByRole('button', { name: 'Turn camera on' }).waitFor();
    await a.page.getByRole('button', { name: 'Turn microphone on' }).waitFor();
    await a.page.getByRole('textbox', { name: 'Display name' }).fill('Alice');
    await a.page.getByRole('button', { name: 'Join', exact: true }).click();
    await waitingStatus(a.page).waitFor();

    // Guest B arrives before the host and waits until the host is there.
    const b = await newParticipant(browser);
    await joinAs(b.page, joinUrl, 'Bob');
    await waitingStatus(b.page).filter({ hasText: 'The host has not arrived yet' }).waitFor();
    assert.equal(await b.page.getByRole('list', { name: 'Participants' }).count(), 0, 'nothing of the meeting before admission');

    // The host opens the host view and sees both in the waiting room.
    await host.page.getByRole('link', { name: 'Open host view' }).first().click();
    const waitingRoom = host.page.getByRole('region', { name: 'Waiting room' });
    await waitingRoom.getByRole('button', { name: 'Admit Alice' }).waitFor();
    await waitingRoom.getByRole('button', { name: 'Admit Bob' }).waitFor();
    await waitingStatus(b.page).waitFor();
    await b.page.getByText('The host has not arrived yet').waitFor({ state: 'detached' });

    // Admit A, deny B.
    await waitingRoom.getByRole('button', { name: 'Admit Alice' }).click();
    const aList = a.page.getByRole('list', { name: 'Participants' });
    await aList.getByRole('listitem').filter({ hasText: 'Alice' }).waitFor();
    await aList.getByRole('listitem').filter({ hasText: 'hana' }).waitFor();
    await waitingRoom.getByRole('button', { name: 'Deny Bob' }).click();
    await b.page.getByRole('alert').filter({ hasText: 'The host did not let you in' }).waitFor();
    assert.equal(await b.page.getByRole('list', { name: 'Participants' }).count(), 0);

    // C with a wrong password is refused.
    const c = await newParticipant(browser);
    await joinAs(c.page, bare, 'Carol', 'not-the-password');
    await c.page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();

    // The host sees how A entered, then removes A.
    const hostList = host.page.getByRole('list', { name: 'Participants' });
    await hostList.getByRole('listitem').filter({ hasText: 'Alice' }).filter({ hasText: 'Guest' }).waitFor();
    await hostList.getByRole('button', { name: 'Remove Alice' }).click();
    await a.page.getByRole('alert').filter({ hasText: 'You were removed from this meeting' }).waitFor();
    await hostList.getByRole('listitem').filter({ hasText: 'Alice' }).waitFor({ state: 'detached' });

    // A opens the same link again and rejoins under a new name: refused. (From another page: the
    // join page already open at that path would take the link as a fragment-only navigation,
    // keep its emptied password field, and the join would be a wrong password instead.)
    await a.page.goto('about:blank');
    await joinAs(a.page, joinUrl, 'Alicia');
    await a.page.getByRole('alert').filter({ hasText: 'You were removed from this meeting' }).waitFor();
    assert.equal(await waitingStatus(a.page).count(), 0);
    await host.page.getByRole('region', { name: 'Removed participants' }).getByRole('button', { name: 'Lift ban Alice' }).waitFor();

    // Lock refuses D.
    await host.page.getByRole('button', { name: 'Lock meeting' }).click();
    await host.page.getByRole('button', { name: 'Unlock meeting' }).waitFor();
    const d = await newParticipant(browser);
    await joinAs(d.page, joinUrl, 'Dave');
    await d.page.getByRole('alert').filter({ hasText: 'This meeting is locked' }).waitFor();

    const v = await server.cli(['audit', 'verify']);
    assert.equal(v.code, 0, v.stdout);
    for (const p of [host, a, b, c, d]) await p.context.close();
  });

  it('speaks Japanese to a Japanese browser and switches language on request (UI: ja/en)', async () => {
    const p = await newParticipant(browser, 'ja-JP');
    await p.page.goto(`${server.url}/m/0000000000000000`);
    assert.equal(await p.page.locator('html').getAttribute('lang'), 'ja');
    await p.page.getByRole('button', { name: '参加' }).waitFor();
    await p.page.getByRole('combobox', { name: 'Language' }).selectOption('en');
    await p.page.getByRole('button', { name: 'Join', exact: true }).waitFor();
    await p.context.close();
  });
});
