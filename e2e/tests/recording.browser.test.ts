// A5 in real Chromium: the server records a two-person meeting (both people with camera and
// microphone) into one WebM file, stores it encrypted at rest, leaves no plaintext on disk, and
// the host downloads a file that ffprobe (Debian's ffmpeg) reads as two VP8 and two Opus
// streams that really carry frames. Everyone in the meeting is told when recording starts and
// stops, newcomers included. Server recording is refused in an E2EE meeting (D4) and to guests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { auditRows } from '../support/audit.js';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { HOST_PASSWORD, lowDefaultPolicyFile } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { hostOpensMeeting, inbound, startMedia } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

const run = promisify(execFile);

let server: RunningServer;
let browser: Browser;
let work: string;

before(async () => {
  work = fs.mkdtempSync(path.join(tmpdir(), 'kaigi-recording-'));
  // Recording is a Low-level feature (F1); the UI creates meetings at the organisation's default.
  server = await startServer({ KAIGI_POLICY_FILE: lowDefaultPolicyFile() });
  // hana's dashboard must list only the recorded meeting (hostOpensMeeting takes the first one).
  for (const u of ['hana', 'kenji']) {
    const r = await server.cli(['user', 'add', u], `${HOST_PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A guest joins through the UI and is admitted; every signalling message its page receives is kept. */
async function guestJoinsWatched(host: Page, joinUrl: string, name: string): Promise<{ page: Page; received: Record<string, any>[] }> {
  const { page } = await newParticipant(browser, 'en-US', { width: 1920, height: 1400 });
  const received: Record<string, any>[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string') received.push(JSON.parse(f.payload));
    });
  });
  await page.goto(joinUrl);
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await host.getByRole('region', { name: 'Waiting room' }).getByRole('button', { name: `Admit ${name}` }).click();
  await page.getByRole('list', { name: 'Participants' }).waitFor();
  return { page, received };
}

/** Another signalling connection of the signed-in host (a second host participant). */
async function hostSocket(page: Page, meetingId: string, displayName: string): Promise<WsClient> {
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const ws = await WsClient.connect(server.url, { cookie, origin: server.url });
  const joined = await ws.request({ type: 'join', meetingId, displayName });
  assert.equal(joined.type, 'joined', JSON.stringify(joined));
  assert.equal(joined.role, 'host');
  return ws;
}

async function cameraFrames(page: Page): Promise<number> {
  return (await inbound(page)).video.filter((v) => v.source === 'camera').reduce((n, v) => n + v.framesDecoded, 0);
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** The host's recording, downloaded through the API: data map, then the object (decrypted on the fly). */
async function downloadRecording(meetingId: string): Promise<{ id: string; bytes: Buffer }> {
  const http = new HttpClient(server.url);
  await http.signIn('hana', HOST_PASSWORD);
  const map = await http.request('GET', `/api/meetings/${meetingId}/data-map`);
  assert.equal(map.status, 200, JSON.stringify(map.json));
  const recordings = (map.json.objects as { id: string; kind: string; protection: string; size: number }[]).filter((o) => o.kind === 'recording');
  assert.equal(recordings.length, 1, `one recording in the data map: ${JSON.stringify(map.json.objects)}`);
  assert.equal(recordings[0]!.protection, 'server');
  const id = recordings[0]!.id;
  const res = await fetch(`${server.url}/api/meetings/${meetingId}/objects/${id}`, { headers: { cookie: http.cookieHeader() } });
  assert.equal(res.status, 200);
  return { id, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every recording of a meeting, decrypted by the ObjectStore on the server's data folder. */
async function recordingsThroughObjectStore(meetingId: string): Promise<{ id: string; protection: string; bytes: Buffer }[]> {
  const { openDatabase } = await import('@kaigi/server/storage/Database');
  const { ObjectStore } = await import('@kaigi/server/storage/ObjectStore');
  const { serverKey } = await import('@kaigi/server/security/serverKey');
  const { CertificateSigner } = await import('@kaigi/server/security/CertificateSigner');
  // SQLite in WAL mode allows this second connection while the server runs.
  const db = await openDatabase(server.dataDir);
  try {
    const store = new ObjectStore(db, server.dataDir, {
      kek: serverKey(server.dataDir, 'objects'),
      signer: CertificateSigner.open(server.dataDir),
      node: 'test',
      region: 'test',
    });
    const out = [];
    for (const o of (await store.list(meetingId)).filter((x) => x.kind === 'recording')) {
      out.push({ id: o.id, protection: o.protection, bytes: (await store.read(o.id)).data });
    }
    return out;
  } finally {
    await db.destroy();
  }
}

interface ProbeStream {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  duration?: string;
  nb_read_frames?: string;
  nb_read_packets?: string;
  tags?: Record<string, string>;
}

interface Probe {
  streams: ProbeStream[];
  format: { duration?: string; format_name: string };
}

/** ffprobe from Debian's ffmpeg, decoding every frame (-count_frames). */
async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Probe;
}

describe('server recording (A5, D4)', () => {
  it('refuses server recording in an E2EE meeting and to a guest', async () => {
    const http = new HttpClient(server.url);
    await http.signIn('kenji', HOST_PASSWORD);
    const e2ee = await http.request('POST', '/api/meetings', { title: 'Secret', e2ee: true });
    assert.equal(e2ee.status, 201, JSON.stringify(e2ee.json));
    const hostWs = await WsClient.connect(server.url, { cookie: http.cookieHeader(), origin: server.url });
    try {
      const joined = await hostWs.request({ type: 'join', meetingId: e2ee.json.id, displayName: 'kenji', e2ee: true });
      assert.equal(joined.role, 'host');
      const refused = await hostWs.request({ type: 'setRecording', active: true });
      assert.equal(refused.type, 'error');
      assert.equal(refused.code, 'RECORDING_UNAVAILABLE');
      // A host may still announce recording in the browser; everyone is told.
      const local = await hostWs.request({ type: 'announceLocalRecording', active: true });
      assert.equal(local.type, 'ok', JSON.stringify(local));
      const shown = await hostWs.next((m) => m.type === 'recording' && m.active === true);
      assert.equal(shown.mode, 'local');
      const hidden = hostWs.after('recording', (m) => m.active === false);
      const off = await hostWs.request({ type: 'announceLocalRecording', active: false });
      assert.equal(off.type, 'ok');
      await hidden;
    } finally {
      hostWs.close();
    }

    // A guest, admitted, is not a host: FORBIDDEN.
    const plain = await http.request('POST', '/api/meetings', { title: 'Plain' });
    assert.equal(plain.status, 201);
    const owner = await WsClient.connect(server.url, { cookie: http.cookieHeader(), origin: server.url });
    const guestHttp = new HttpClient(server.url);
    await guestHttp.request('GET', '/api/auth/session');
    const guestWs = await WsClient.connect(server.url, { cookie: guestHttp.cookieHeader(), origin: server.url });
    try {
      await owner.request({ type: 'join', meetingId: plain.json.id, displayName: 'kenji' });
      const g = await guestWs.request({ type: 'join', meetingId: plain.json.id, displayName: 'Mallory', password: plain.json.password });
      assert.equal(g.state, 'waiting');
      await owner.request({ type: 'admit', participantId: g.participantId });
      await guestWs.next((m) => m.type === 'admitted');
      const denied = await guestWs.request({ type: 'setRecording', active: true });
      assert.equal(denied.type, 'error');
      assert.equal(denied.code, 'FORBIDDEN');
      const alsoDenied = await guestWs.request({ type: 'announceLocalRecording', active: true });
      assert.equal(alsoDenied.code, 'FORBIDDEN');
      assert.equal(guestWs.messages.filter((m) => m.type === 'recording' && m.active).length, 0);
    } finally {
      owner.close();
      guestWs.close();
    }
  });

  it('records both people of a meeting into one WebM, stored encrypted, that the host downloads', async (t) => {
    const host = await hostOpensMeeting(browser, server.url, 'hana', 'Recorded meeting');
    const meetingId = /\/m\/([^/]+)\/host/.exec(host.page.url())?.[1];
    assert.ok(meetingId, host.page.url());
    const guest = await guestJoinsWatched(host.page, host.joinUrl, 'Guest');
    const sockets: WsClient[] = [];
    t.after(async () => {
      for (const s of sockets) s.close();
      await guest.page.context().close();
      await host.page.context().close();
    });
    await startMedia(host.page);
    await startMedia(guest.page);
    // Both cameras flow through the SFU before recording starts.
    await until(() => cameraFrames(host.page), (n) => n > 20, 30_000, 'the host decoding the guest');
    await until(() => cameraFrames(guest.page), (n) => n > 20, 30_000, 'the guest decoding the host');

    // The host starts recording (the page has no button yet: a second connection of the host).
    const control = await hostSocket(host.page, meetingId, 'hana (control)');
    sockets.push(control);
    const started = await control.request({ type: 'setRecording', active: true });
    assert.equal(started.type, 'ok', JSON.stringify(started));
    const on = await until(
      async () => guest.received.find((m) => m.type === 'recording' && m.active === true),
      (m) => m !== undefined,
      30_000,
      'the guest told that recording started',
    );
    assert.equal(on!.mode, 'server');
    assert.equal(on!.by, 'hana (control)');
    assert.ok(typeof on!.since === 'number' && Math.abs(on!.since - Date.now()) < 60_000);

    // Someone admitted while recording is on is told at once.
    const late = await hostSocket(host.page, meetingId, 'hana (late)');
    sockets.push(late);
    const told = await late.next((m) => m.type === 'recording', 30_000);
    assert.equal(told.active, true);
    assert.equal(told.mode, 'server');

    // Recording plaintext exists only as a 0600 file in a 0700 folder while the recording runs.
    const tmp = path.join(server.dataDir, 'tmp');
    const live = await until(async () => (fs.existsSync(tmp) ? filesUnder(tmp) : []), (f) => f.length > 0, 30_000, 'the recording being written');
    assert.equal(fs.statSync(tmp).mode & 0o777, 0o700);
    assert.equal(live.length, 1, `one recording being written: ${live.join(', ')}`);
    assert.equal(fs.statSync(live[0]!).mode & 0o777, 0o600);
    // The recording's length, not a wait for a state: ~8 s of both people (the checks below count frames).
    await new Promise((r) => setTimeout(r, 8_000));

    const stopped = await control.request({ type: 'setRecording', active: false }, 30_000);
    assert.equal(stopped.type, 'ok', JSON.stringify(stopped));
    const off = await until(
      async () => guest.received.slice(guest.received.indexOf(on!) + 1).find((m) => m.type === 'recording'),
      (m) => m !== undefined,
      30_000,
      'the guest told that recording stopped',
    );
    assert.deepEqual(off, { type: 'recording', active: false, mode: null, by: null, since: null });

    // No plaintext left: the temporary file is gone; the stored object is ciphertext.
    assert.deepEqual(filesUnder(tmp), []);
    const stored = filesUnder(path.join(server.dataDir, 'objects', meetingId));
    assert.equal(stored.length, 1, stored.join(', '));
    const atRest = fs.readFileSync(stored[0]!);
    assert.equal(atRest.indexOf(EBML_MAGIC), -1, 'the stored recording is not a readable WebM');

    // The host downloads it, decrypted on the fly; ffprobe finds both people's audio and video.
    const { id, bytes } = await downloadRecording(meetingId);
    assert.ok(bytes.subarray(0, 4).equals(EBML_MAGIC), 'the download is a WebM file');
    assert.ok(bytes.length < atRest.length, 'the stored object is the file plus nonce and tag');
    const file = path.join(work, 'recording.webm');
    fs.writeFileSync(file, bytes);
    const probe = await ffprobe(file);
    const summary = probe.streams.map((s) => ({
      codec: s.codec_name,
      size: s.width ? `${s.width}x${s.height}` : undefined,
      frames: Number(s.nb_read_frames ?? 0),
      duration: s.duration ?? s.tags?.DURATION,
    }));
    console.log(`recording ${id}: ${bytes.length} bytes, ${probe.format.format_name}, ${probe.format.duration} s: ${JSON.stringify(summary)}`);
    assert.match(probe.format.format_name, /matroska|webm/);
    const video = probe.streams.filter((s) => s.codec_type === 'video');
    const audio = probe.streams.filter((s) => s.codec_type === 'audio');
    assert.equal(video.length, 2, 'two video streams');
    assert.equal(audio.length, 2, 'two audio streams');
    for (const v of video) {
      assert.equal(v.codec_name, 'vp8');
      // ~8 s at the fake camera's 20 fps; a busy machine's encoder may halve that on the top layer.
      assert.ok(Number(v.nb_read_frames) >= 40, `video frames decoded: ${v.nb_read_frames}`);
      assert.ok((v.width ?? 0) > 0 && (v.height ?? 0) > 0);
    }
    for (const a of audio) {
      assert.equal(a.codec_name, 'opus');
      // 20 ms Opus frames: ~400 in 8 s.
      assert.ok(Number(a.nb_read_frames) >= 250, `audio frames decoded: ${a.nb_read_frames}`);
    }
    assert.ok(Number(probe.format.duration) >= 6, `duration ${probe.format.duration} s`);

    // Audited: started, the object stored, stopped (H2).
    const rows = auditRows(server.dataDir, meetingId).filter((r) => r.kind.startsWith('recording.') || r.kind === 'object.stored');
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['recording.started', 'object.stored', 'recording.stopped'],
    );
    assert.equal(rows[1]!.data.objectId, id);
    assert.equal(rows[1]!.data.kind, 'recording');
    assert.equal(rows[1]!.data.tracks.length, 4);
    assert.deepEqual(rows[2]!.data.objects, [id]);

    // The server shuts down (SIGTERM) while recording: the recording is stored first. The
    // browsers and sockets go first, so that no client holds the shutdown up; the participants
    // keep their places (resume grace) and the recorder keeps running.
    const again = await control.request({ type: 'setRecording', active: true });
    assert.equal(again.type, 'ok', JSON.stringify(again));
    await new Promise((r) => setTimeout(r, 3_000));
    for (const s of sockets) s.close();
    await guest.page.context().close();
    await host.page.context().close();
    assert.equal(await server.stop('SIGTERM'), 0, server.log());
    assert.deepEqual(filesUnder(tmp), [], 'no plaintext left after shutdown');
    const all = await recordingsThroughObjectStore(meetingId);
    assert.equal(all.length, 2, 'the recording running at shutdown was stored');
    const second = all.find((r) => r.id !== id)!;
    fs.writeFileSync(file, second.bytes);
    const atShutdown = await ffprobe(file);
    assert.equal(atShutdown.streams.filter((x) => x.codec_type === 'video').length, 2);
    assert.equal(atShutdown.streams.filter((x) => x.codec_type === 'audio').length, 2);
    const last = auditRows(server.dataDir, meetingId).filter((r) => r.kind === 'recording.stopped').at(-1);
    assert.ok(['shutdown', 'meeting-ended'].includes(last?.data.reason), JSON.stringify(last));
  });
});
