import type { Browser, Page } from 'playwright-core';
import { newParticipant } from './browser.js';
import { HOST_PASSWORD } from './fixtures.js';

// Helpers for the confidentiality-level tests (F1, C1–C4, B4, B7): the host's form with the
// meeting's rules, and admission with the check a High meeting asks for.

// Tiles tall enough that the SFU sends a real layer (as in meetingUi).
const BIG = { width: 1920, height: 1400 };

/** Uncaught errors in any page these helpers opened (a crashed React tree shows as a blank page). */
export const pageErrors: string[] = [];

/** A person's browser page, big enough for the video grid. */
export async function bigPage(browser: Browser): Promise<Page> {
  const { page } = await newParticipant(browser, 'en-US', BIG);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

/** The host signs in through the UI and lands on the dashboard. */
export async function hostSignsIn(browser: Browser, base: string, username: string): Promise<Page> {
  const page = await bigPage(browser);
  await page.goto(`${base}/signin`);
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(HOST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'Meeting title' }).waitFor();
  return page;
}

export interface MeetingForm {
  title: string;
  level?: 'High' | 'Medium' | 'Low';
  joinBeforeHost?: boolean;
  /** "Names must look like a pattern" with this pattern. */
  namePattern?: string;
  /** The time window, as datetime-local values (the browser's local time), e.g. "2025-01-06T09:00". */
  window?: { startsAt: string; endsAt: string };
}

/**
 * Fills the dashboard's new-meeting form and creates the meeting; returns its join URL (the
 * password in the fragment) and its ID, from the new meeting's card (newest first).
 */
export async function createThroughForm(page: Page, form: MeetingForm): Promise<{ joinUrl: string; meetingId: string }> {
  await page.getByRole('textbox', { name: 'Meeting title' }).fill(form.title);
  if (form.level) await page.getByRole('combobox', { name: 'Confidentiality level' }).selectOption({ label: form.level });
  if (form.joinBeforeHost !== undefined) await page.getByRole('checkbox', { name: 'Allow joining before the host' }).setChecked(form.joinBeforeHost);
  if (form.namePattern !== undefined) {
    await page.getByRole('radio', { name: 'Names must look like a pattern' }).check();
    await page.getByRole('textbox', { name: 'Name pattern' }).fill(form.namePattern);
  }
  if (form.window) {
    await page.getByLabel('Starts at').fill(form.window.startsAt);
    await page.getByLabel('Ends at').fill(form.window.endsAt);
  }
  const before = await page.getByRole('textbox', { name: 'Join URL' }).count();
  await page.getByRole('button', { name: 'Create meeting' }).click();
  const urls = page.getByRole('textbox', { name: 'Join URL' });
  const deadline = Date.now() + 10_000;
  while ((await urls.count()) <= before) {
    if (Date.now() > deadline) throw new Error('the new meeting did not appear on the dashboard');
    await new Promise((r) => setTimeout(r, 100));
  }
  const joinUrl = await urls.first().inputValue();
  return { joinUrl, meetingId: new URL(joinUrl).pathname.split('/').pop() ?? '' };
}

/** From the dashboard, the host view of one meeting (its card's "Open host view" link). */
export async function openHostView(page: Page, meetingId: string): Promise<void> {
  await page.getByRole('link', { name: 'Open host view' }).and(page.locator(`[href$="/m/${meetingId}/host"]`)).click();
  await page.getByRole('button', { name: 'Lock meeting' }).waitFor();
}

/** A guest fills the join form and presses Join (the password comes from the URL's fragment). */
export async function guestAsksToJoin(browser: Browser, joinUrl: string, name: string, before?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await bigPage(browser);
  await page.goto(joinUrl);
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  if (before) await before(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  return page;
}

/** In a High meeting: the host opens the check dialog for `name`, ticks what they checked, and admits. */
export async function admitWithCheck(host: Page, name: string, check: { face?: boolean; voice?: boolean; name?: boolean }): Promise<void> {
  await host.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: `Admit ${name}` }).click();
  const dialog = host.getByRole('dialog', { name: `Check ${name} before admitting` });
  await dialog.waitFor();
  if (check.face) await dialog.getByRole('checkbox', { name: 'I saw their face' }).check();
  if (check.voice) await dialog.getByRole('checkbox', { name: 'I heard their voice' }).check();
  if (check.name) await dialog.getByRole('checkbox', { name: 'Their name matches the invitation list' }).check();
  await dialog.getByRole('button', { name: 'Admit', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}
