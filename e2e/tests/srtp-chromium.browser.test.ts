// Kaigi's SRTP (packages/server/src/sfu/srtp) against Chromium's (libsrtp), AEAD_AES_128_GCM
// (issue 15 item 2, D5): every SRTP and SRTCP packet Chromium sends opens with
// SrtpReceiveContext to the same bytes werift's session gives; and RTP sealed by SrtpSendContext,
// across the 65535 -> 0 rollover, is counted by Chromium's receiver (Chromium drops packets that
// fail SRTP authentication before counting them). The peer is an in-process werift connection
// with the keys its DTLS exports, as sfu/Transport.srtpKeys() takes them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { MediaStreamTrack, type RTCDtlsTransport, type RTCPeerConnection as WeriftPeerConnection } from 'werift';
import { SrtpReceiveContext, SrtpSendContext } from '@kaigi/server/sfu/srtp/SrtpContext';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { answerOffer, createWeriftReceiver, serveBlankPage } from '../support/werift-loopback.js';

const AEAD_AES_128_GCM = 0x0007;
const WANT_FROM_CHROMIUM = 200;
const SENT_TO_CHROMIUM = 120;

let browser: Browser;
let site: Awaited<ReturnType<typeof serveBlankPage>>;

before(async () => {
  site = await serveBlankPage();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** The werift DTLS transport's private parts this test reads (the same ones Transport.srtpKeys() reads). */
interface DtlsInside {
  dtls?: {
    srtp: { srtpProfile?: number };
    extractSessionKeys(k: number, s: number): { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer };
  };
}

/** Resolves when `check` gives a value, re-checking on the event loop; fails after 30 s. */
async function until<T>(what: string, check: () => T | null | undefined | Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Camera and microphone sent, and one audio m-line on which the page receives. */
async function offerFromPage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    (globalThis as unknown as { pub: RTCPeerConnection }).pub = pc;
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        });
      });
    }
    return pc.localDescription!.sdp;
  });
}

async function pageStats(page: Page): Promise<{ received: number; srtpCipher: string }> {
  return page.evaluate(async () => {
    const report = await (globalThis as unknown as { pub: RTCPeerConnection }).pub.getStats();
    let received = 0;
    let srtpCipher = '';
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') received += Number(s.packetsReceived ?? 0);
      if (s.type === 'transport') srtpCipher = String(s.srtpCipher ?? '');
    });
    return { received, srtpCipher };
  });
}

/** Takes the DTLS server role, as Transport.preferDtlsServer() does, so werift picks AEAD_AES_128_GCM. */
function answerAsDtlsServer(peer: WeriftPeerConnection): void {
  for (const t of peer.getTransceivers()) {
    if (t.dtlsTransport && t.dtlsTransport.role === 'auto') t.dtlsTransport.role = 'server';
    if (t.kind === 'audio' && t.mid === '2') {
      t.setDirection('sendonly');
      t.sender.replaceTrack(new MediaStreamTrack({ kind: 'audio' }));
    }
  }
}

test('Chromium and Kaigi open each other\'s SRTP (AEAD_AES_128_GCM), across the rollover', async () => {
  const { page } = await newParticipant(browser);
  await page.goto(site.url);
  const peer = createWeriftReceiver();
  const offer = await offerFromPage(page);
  await peer.setRemoteDescription({ type: 'offer', sdp: offer });
  answerAsDtlsServer(peer);
  await answerOffer(page, peer, offer);
  try {
    const dtls = await until('DTLS up', () => {
      const d = peer.dtlsTransports[0] as (RTCDtlsTransport & DtlsInside) | undefined;
      return d && d.state === 'connected' && d.srtpStarted && d.dtls ? d : null;
    });
    assert.equal(dtls.dtls?.srtp.srtpProfile, AEAD_AES_128_GCM);
    const k = dtls.dtls!.extractSessionKeys(16, 12);
    const rx = new SrtpReceiveContext({ key: k.remoteKey, salt: k.remoteSalt });
    const tx = new SrtpSendContext({ key: k.localKey, salt: k.localSalt });

    // Chromium -> Kaigi: each packet werift opens, Kaigi opens to the same bytes.
    const seen = { rtp: 0, rtcp: 0, mismatched: 0 };
    const weriftRtp = dtls.srtp.decrypt;
    const weriftRtcp = dtls.srtcp.decrypt;
    dtls.srtp.decrypt = (buf: Buffer) => {
      const ours = Buffer.from(buf);
      const n = rx.unprotectRtp(ours, ours.length);
      const theirs = weriftRtp(buf);
      if (n >= 0 && ours.subarray(0, n).equals(theirs)) seen.rtp++;
      else seen.mismatched++;
      return theirs;
    };
    dtls.srtcp.decrypt = (buf: Buffer) => {
      const ours = Buffer.from(buf);
      const n = rx.unprotectRtcp(ours, ours.length);
      const theirs = weriftRtcp(buf);
      if (n >= 0 && ours.subarray(0, n).equals(theirs)) seen.rtcp++;
      else seen.mismatched++;
      return theirs;
    };
    await until(`${WANT_FROM_CHROMIUM} RTP packets from Chromium`, () => seen.rtp >= WANT_FROM_CHROMIUM && seen.rtcp >= 1);
    assert.equal(seen.mismatched, 0);

    // Kaigi -> Chromium: Opus silence frames on the page's receive m-line, sealed by Kaigi.
    const sender = peer.getTransceivers().find((t) => t.mid === '2')?.sender;
    assert.ok(sender, 'the page\'s receive m-line');
    const before = (await pageStats(page)).received;
    const buf = Buffer.alloc(12 + 3 + 16);
    for (let i = 0; i < SENT_TO_CHROMIUM; i++) {
      const seq = (65_500 + i) & 0xffff;
      buf.set([0x80, 111, seq >> 8, seq & 0xff]);
      buf.writeUInt32BE((i * 960) >>> 0, 4);
      buf.writeUInt32BE(sender.ssrc, 8);
      buf.set([0xf8, 0xff, 0xfe], 12);
      const n = tx.protectRtp(buf, 15);
      // A copy: werift's send keeps a reference to the buffer until the datagram has left, and the
      // next packet would overwrite it (seen here: Chromium then counted none of them).
      await dtls.iceTransport.connection.send(Buffer.from(buf.subarray(0, n)));
    }
    const stats = await until(`Chromium to count ${SENT_TO_CHROMIUM} packets`, async () => {
      const s = await pageStats(page);
      return s.received - before >= SENT_TO_CHROMIUM ? s : null;
    });
    assert.match(stats.srtpCipher, /AEAD_AES_128_GCM/);
  } finally {
    await peer.close();
  }
});
