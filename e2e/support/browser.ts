import fs from 'node:fs';
import { busyCameraFile } from './fakeVideo.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KAIGI_CHROMIUM ?? '/usr/bin/chromium';

// Flags measured on this machine kind (docs/field-notes): headless as root, fake devices, no
// background traffic, and loopback allowed for WebRTC.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/**
 * One Chromium process (Playwright gives each launch a fresh temporary profile); each
 * participant gets its own context, so its own cookies and device key.
 */
export async function launchBrowser(opts: { busyCamera?: boolean } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run the README's test command, which installs it`);
  const args = opts.busyCamera ? [...FLAGS, `--use-file-for-fake-video-capture=${busyCameraFile()}`] : FLAGS;
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

export async function newParticipant(
  browser: Browser,
  locale = 'en-US',
  viewport = { width: 1280, height: 720 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale, viewport });
  const page = await context.newPage();
  // A wait for a state, not a time: generous, because CI runs on a busy machine and a state that
  // comes late is not a failure; latency goals are asserted where they are measured.
  page.setDefaultTimeout(45_000);
  return { context, page };
}
