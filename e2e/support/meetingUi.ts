import type { Browser, Page } from 'playwright-core';
import { newParticipant } from './browser.js';
import { HOST_PASSWORD } from './fixtures.js';

/** The host signs in through the UI, creates a meeting and opens its host view. */
// A large window: tiles tall enough that the SFU sends the 360p layer or better.
const BIG = { width: 1920, height: 1400 };

export async function hostOpensMeeting(
  browser: Browser,
  base: string,
  username: string,
  title: string,
  opts: { e2ee?: boolean } = {},
): Promise<{ page: Page; joinUrl: string }> {
  const { page } = await newParticipant(browser, 'en-US', BIG);
  await page.goto(`${base}/signin`);
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(HOST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'Meeting title' }).fill(title);
  if (opts.e2ee) await page.getByRole('checkbox', { name: 'End-to-end encryption' }).check();
  await page.getByRole('button', { name: 'Create meeting' }).click();
  const joinUrl = await page.getByRole('textbox', { name: 'Join URL' }).first().inputValue();
  await page.getByRole('link', { name: 'Open host view' }).first().click();
  await page.getByRole('button', { name: 'Lock meeting' }).waitFor();
  return { page, joinUrl };
}

/** A guest joins through the link and the host admits them. */
export async function guestJoins(browser: Browser, host: Page, joinUrl: string, name: string): Promise<Page> {
  const { page } = await newParticipant(browser, 'en-US', BIG);
  await page.goto(joinUrl);
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await host.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: `Admit ${name}` }).click();
  await page.getByRole('list', { name: 'Participants' }).waitFor();
  return page;
}

/** Camera on, then microphone on, each confirmed by the toolbar's button changing. */
export async function startMedia(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Start video' }).click();
  await page.getByRole('button', { name: 'Stop video' }).waitFor();
  await page.getByRole('button', { name: 'Unmute' }).click();
  await page.getByRole('button', { name: 'Mute' }).waitFor();
}

export interface InboundVideo {
  participantId: string | null;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
}

/**
 * What a page decodes, read from its receive connection's statistics: per remote video track,
 * the participant it belongs to (from the tile's <video> element) and the frames decoded.
 */
export async function inbound(page: Page): Promise<{ video: (InboundVideo & { source: string | null })[]; audioSamples: number }> {
  return page.evaluate(`(async () => {
    const pcs = window.__kaigi && window.__kaigi.pcs();
    const recv = pcs && pcs.recv;
    if (!recv) return { video: [], audioSamples: 0 };
    const byTrack = new Map();
    for (const v of document.querySelectorAll('video[data-participant-id]')) {
      const s = v.srcObject;
      const t = s && s.getVideoTracks()[0];
      if (t) byTrack.set(t.id, { participantId: v.getAttribute('data-participant-id'), source: v.getAttribute('data-source') });
    }
    const midToTrack = new Map();
    for (const tr of recv.getTransceivers()) if (tr.mid) midToTrack.set(tr.mid, tr.receiver.track.id);
    const stats = await recv.getStats();
    const video = [];
    let audioSamples = 0;
    stats.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') { audioSamples += s.totalSamplesReceived || 0; return; }
      const who = byTrack.get(midToTrack.get(s.mid)) || { participantId: null, source: null };
      video.push({ participantId: who.participantId, source: who.source, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0 });
    });
    return { video, audioSamples };
  })()`);
}

/** Video bytes sent by a page's send connection, for its bitrate. */
export async function videoBytesSent(page: Page): Promise<number> {
  return page.evaluate(`(async () => {
    const pcs = window.__kaigi && window.__kaigi.pcs();
    if (!pcs || !pcs.send) return 0;
    let n = 0;
    (await pcs.send.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.bytesSent || 0; });
    return n;
  })()`);
}

/** What the browser's send connection negotiated: SRTP profile, DTLS cipher and version. */
export async function sendTransportSecurity(page: Page): Promise<{ srtpCipher?: string; dtlsCipher?: string; tlsVersion?: string; dtlsRole?: string }> {
  return page.evaluate(`(async () => {
    const pcs = window.__kaigi && window.__kaigi.pcs();
    let out = {};
    if (!pcs || !pcs.send) return out;
    (await pcs.send.getStats()).forEach((s) => {
      if (s.type === 'transport') out = { srtpCipher: s.srtpCipher, dtlsCipher: s.dtlsCipher, tlsVersion: s.tlsVersion, dtlsRole: s.dtlsRole };
    });
    return out;
  })()`);
}
