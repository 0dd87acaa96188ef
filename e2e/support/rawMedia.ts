import type { Page } from 'playwright-core';
import { newParticipant } from './browser.js';
import type { Browser } from 'playwright-core';

// A deliberately bare media client injected into a page: it speaks Kaigi's signalling directly,
// so a test can do what a modified client would (claim other sources, send unlisted tracks) and
// read decoding statistics without the app's UI in the way.
const SCRIPT = String.raw`
(() => {
  const k = (window.__raw = { messages: [], pcs: {} });
  let rid = 1;
  const waiters = new Map();
  k.connect = () => new Promise((resolve, reject) => {
    const ws = new WebSocket('wss://' + location.host + '/ws');
    k.ws = ws;
    ws.onopen = () => resolve(true);
    ws.onerror = () => reject(new Error('ws error'));
    ws.onmessage = async (e) => {
      const m = JSON.parse(e.data);
      k.messages.push(m);
      if (m.reqId && waiters.has(m.reqId)) { waiters.get(m.reqId)(m); waiters.delete(m.reqId); }
      if (m.type === 'subscribeOffer') {
        let pc = k.pcs.recv;
        if (!pc) {
          pc = k.pcs.recv = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
          pc.ontrack = (ev) => {
            if (ev.track.kind === 'audio') { const a = new Audio(); a.srcObject = new MediaStream([ev.track]); a.play().catch(() => {}); }
          };
        }
        k.tracks = m.tracks;
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        k.request({ type: 'subscribeAnswer', sdp: pc.localDescription.sdp });
      }
    };
  });
  k.request = (m) => new Promise((resolve) => { const reqId = rid++; waiters.set(reqId, resolve); k.ws.send(JSON.stringify({ ...m, reqId })); });
  k.join = (meetingId, displayName, password, e2ee) => k.request({ type: 'join', meetingId, displayName, password, e2ee });
  k.admitted = () => new Promise((resolve) => { const t = setInterval(() => { if (k.messages.some((m) => m.type === 'admitted')) { clearInterval(t); resolve(true); } }, 50); });
  // Publishes the fake devices; labels maps kind -> the source the client claims (null: unlisted).
  k.publish = async (labels, simulcast) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: simulcast ? { width: 1280, height: 720 } : { width: 640, height: 360 } });
    const pc = (k.pcs.send = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
    const tracks = [];
    for (const kind of ['audio', 'video']) {
      if (!(kind in labels)) continue;
      const init = { direction: 'sendonly' };
      if (kind === 'video' && simulcast) {
        init.sendEncodings = [
          { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
          { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
          { rid: 'f', maxBitrate: 1500000 },
        ];
      }
      const t = pc.addTransceiver(stream.getTracks().find((x) => x.kind === kind), init);
      k['mid_' + kind] = t;
    }
    await pc.setLocalDescription(await pc.createOffer());
    for (const kind of ['audio', 'video']) {
      if (labels[kind]) tracks.push({ mid: k['mid_' + kind].mid, source: labels[kind] });
    }
    const r = await k.request({ type: 'publish', sdp: pc.localDescription.sdp, tracks });
    if (r.type === 'publishAnswer') await pc.setRemoteDescription({ type: 'answer', sdp: r.sdp });
    return r;
  };
  // The UDP port the receive transport uses on this side (for shaping it in tests).
  k.recvPort = async () => {
    const stats = await k.pcs.recv.getStats();
    let pair = null;
    stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
    if (!pair) return null;
    const local = stats.get(pair.localCandidateId);
    return local ? local.port : null;
  };
  k.outbound = async () => {
    const out = [];
    const stats = await k.pcs.send.getStats();
    stats.forEach((s) => { if (s.type === 'outbound-rtp') out.push({ kind: s.kind, rid: s.rid, bytes: s.bytesSent, frameWidth: s.frameWidth || 0, active: s.active }); });
    return out;
  };
  k.inbound = async () => {
    const pc = k.pcs.recv;
    if (!pc) return [];
    const out = [];
    const byMid = new Map((k.tracks || []).map((t) => [t.mid, t]));
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const t = byMid.get(s.mid);
      out.push({ kind: s.kind, mid: s.mid, participantId: t && t.participantId, source: t && t.source, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, bytes: s.bytesReceived || 0, packets: s.packetsReceived || 0, samples: s.totalSamplesReceived || 0 });
    });
    return out;
  };
})();
`;

export interface RawMediaClient {
  page: Page;
  participantId: string;
  publish(labels: { audio?: string | null; video?: string | null }, simulcast?: boolean): Promise<Record<string, any>>;
  recvPort(): Promise<number | null>;
  outbound(): Promise<{ kind: string; rid?: string; bytes: number; frameWidth: number }[]>;
  inbound(): Promise<{ kind: string; participantId?: string; source?: string; framesDecoded: number; frameWidth: number; bytes: number; packets: number; samples: number }[]>;
  messages(): Promise<Record<string, any>[]>;
  request(m: Record<string, unknown>): Promise<Record<string, any>>;
}

/** Opens a page on the server's origin (cookies, CSP) and joins through the raw client. */
/** `claimE2ee`: the client says it can do E2EE (and then does not: it holds no group key). */
export async function rawClient(browser: Browser, base: string, meetingId: string, name: string, password: string, claimE2ee = false): Promise<RawMediaClient> {
  const { page } = await newParticipant(browser);
  // Only the origin matters (cookies, CSP): no need to wait for the app under a busy CPU.
  await page.goto(`${base}/signin`, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  await page.evaluate(SCRIPT);
  await page.evaluate(() => (window as any).__raw.connect());
  const joined = await page.evaluate(([id, n, pw, e]) => (window as any).__raw.join(id, n, pw, e), [meetingId, name, password, claimE2ee] as const);
  if (joined.type !== 'joined') throw new Error(`join failed: ${JSON.stringify(joined)}`);
  return {
    page,
    participantId: joined.participantId,
    publish: (labels, simulcast = false) => page.evaluate(([l, sc]) => (window as any).__raw.publish(l, sc), [labels, simulcast] as const),
    recvPort: () => page.evaluate(() => (window as any).__raw.recvPort()),
    outbound: () => page.evaluate(() => (window as any).__raw.outbound()),
    inbound: () => page.evaluate(() => (window as any).__raw.inbound()),
    messages: () => page.evaluate(() => (window as any).__raw.messages),
    request: (m) => page.evaluate((x) => (window as any).__raw.request(x), m),
  };
}

export async function waitAdmitted(c: RawMediaClient): Promise<void> {
  await c.page.evaluate(() => (window as any).__raw.admitted());
}

/** Polls until `pred` holds, or fails with the last value after `timeoutMs`. */
export async function until<T>(get: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const start = Date.now();
  let v = await get();
  while (!pred(v)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
    v = await get();
  }
  return v;
}
