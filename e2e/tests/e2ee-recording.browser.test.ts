// A5 in an E2EE meeting (D4), in real Chromium: the host's browser records what it decodes,
// encrypts it as it records to a key only that browser holds and to the organisation's escrow
// key, and uploads ciphertext. Everyone is told. The server stores an envelope it cannot open;
// the host's browser opens it into a WebM that ffprobe (Debian's ffmpeg) plays with both
// people's video and sound; the escrow key opens the same bytes with the CLI. The server
// refuses plaintext, envelopes without the escrow key, and uploads by anyone but the host.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { readRecordingEnvelope, RecordingSealer } from '@kaigi/protocol';
import { auditRows } from '../support/audit.js';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD, lowDefaultPolicyFile } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { guestJoins, hostOpensMeeting, inbound, startMedia } from '../support/meetingUi.js';
import { until } from '../support/rawMedia.js';
import { startServer, type RunningServer } from '../support/server.js';

const run = promisify(execFile);
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

let server: RunningServer;
let browser: Browser;
let work: string;
let escrowPublic: string;
let escrowPrivate: string;

before(async () => {
  work = fs.mkdtempSync(path.join(tmpdir(), 'kaigi-e2ee-recording-'));
  // The organisation's escrow pair, made with Kaigi's CLI; the server gets only the public half.
  const { ROOT } = await import('../support/server.js');
  const keygen = await run(process.execPath, [path.join(ROOT, 'packages/server/dist/cli/main.js'), 'recording', 'keygen', '--out', path.join(work, 'escrow')]);
  assert.match(keygen.stdout, /escrow-public\.pem/);
  escrowPublic = path.join(work, 'escrow', 'escrow-public.pem');
  escrowPrivate = path.join(work, 'escrow', 'escrow-private.pem');
  assert.equal(fs.statSync(escrowPrivate).mode & 0o777, 0o600);
  // Recording is a Low-level feature (F1); the UI creates meetings at the organisation's default.
  server = await startServer({ KAIGI_RECORDING_ESCROW_KEY: escrowPublic, KAIGI_POLICY_FILE: lowDefaultPolicyFile() });
  const r = await server.cli(['user', 'add', 'aiko'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const escrowKeyId = () =>
  createHash('sha256')
    .update(
      Buffer.from(
        fs
          .readFileSync(escrowPublic, 'utf8')
          .replace(/-----[A-Z ]+-----/g, '')
          .replace(/\s+/g, ''),
        'base64',
      ),
    )
    .digest('base64url');

interface ProbeStream {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
}

async function ffprobe(file: string): Promise<{ streams: ProbeStream[]; format: { duration?: string; format_name: string } }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** One late frame as 8-bit luma (1280x720), to see what the recording shows. */
async function lumaAt(file: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
    encoding: 'buffer',
    maxBuffer: 8 * 1024 * 1024,
  });
  return stdout as unknown as Buffer;
}

function meanLuma(frame: Buffer, width: number, x0: number, y0: number, w: number, h: number): number {
  let sum = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) sum += frame[y * width + x]!;
  return sum / (w * h);
}

/** The loudest sample of the decoded audio, in dBFS (ffmpeg's volumedetect). */
async function maxVolume(file: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-nostats', '-i', file, '-vn', '-af', 'volumedetect', '-f', 'null', '-'], { maxBuffer: 8 * 1024 * 1024 });
  const m = /max_volume: (-?[\d.]+|-inf) dB/.exec(stderr);
  assert.ok(m, stderr.slice(-500));
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

describe('recording in the host’s browser, end to end encrypted (A5, D4, E1)', () => {
  it('records both people, uploads only ciphertext, and the host’s browser and the escrow key open it', async (t) => {
    const host = await hostOpensMeeting(browser, server.url, 'aiko', 'Encrypted board meeting', { e2ee: true });
    const meetingId = /\/m\/([^/]+)\/host/.exec(host.page.url())?.[1];
    assert.ok(meetingId, host.page.url());
    const guest = await guestJoins(browser, host.page, host.joinUrl, 'Guest');
    t.after(async () => {
      await guest.context().close();
      await host.page.context().close();
    });
    await startMedia(host.page);
    await startMedia(guest);
    const frames = async (p: typeof guest) => (await inbound(p)).video.reduce((n, v) => n + v.framesDecoded, 0);
    await until(() => frames(host.page), (n) => n > 20, 45_000, 'the host decoding the guest');
    await until(() => frames(guest), (n) => n > 20, 45_000, 'the guest decoding the host');

    // The host records; the guest is told, naming the host's browser.
    await host.page.getByRole('button', { name: 'Record in this browser' }).click();
    await host.page.getByRole('button', { name: 'Stop recording in this browser' }).waitFor();
    const indicator = guest.getByTestId('recording-indicator');
    await indicator.waitFor();
    assert.match((await indicator.textContent()) ?? '', /Recording.*in the host’s browser/);
    assert.match((await host.page.getByText(/Encrypted to your key/).textContent()) ?? '', /escrow key/);

    await new Promise((r) => setTimeout(r, 9_000));
    await host.page.getByRole('button', { name: 'Stop recording in this browser' }).click();
    await host.page.getByText(/Part 1: uploaded, encrypted/).waitFor({ timeout: 30_000 });
    await indicator.waitFor({ state: 'detached' });

    // The server holds an envelope: no WebM, encrypted to the host and to escrow, for this meeting.
    const http = new HttpClient(server.url);
    await http.signIn('aiko', HOST_PASSWORD);
    const map = await http.request('GET', `/api/meetings/${meetingId}/data-map`);
    const recs = (map.json.objects as { id: string; kind: string; name: string | null; protection: string }[]).filter((o) => o.kind === 'recording');
    assert.equal(recs.length, 1, JSON.stringify(map.json.objects));
    assert.equal(recs[0]!.protection, 'e2ee');
    assert.equal(recs[0]!.name, null, 'the server keeps no name for an e2ee object (D2)');
    const res = await fetch(`${server.url}/api/meetings/${meetingId}/objects/${recs[0]!.id}`, { headers: { cookie: http.cookieHeader() } });
    const stored = Buffer.from(await res.arrayBuffer());
    assert.equal(stored.subarray(0, 6).toString(), 'KGREC1');
    assert.equal(stored.indexOf(EBML_MAGIC), -1, 'no WebM header anywhere in what the server keeps');
    const { header, records } = readRecordingEnvelope(stored);
    assert.equal(header.meetingId, meetingId);
    assert.deepEqual(header.recipients.map((r) => r.role).sort(), ['escrow', 'host']);
    assert.equal(header.recipients.find((r) => r.role === 'escrow')!.keyId, escrowKeyId());
    assert.ok(records.length >= 8, `about one record a second: ${records.length}`);
    // Not even the server's own at-rest layer hides a WebM underneath: the plaintext never arrived.
    const atRest = fs.readdirSync(path.join(server.dataDir, 'objects', meetingId));
    assert.equal(atRest.length, 1);

    // The host's browser opens it from the data map into a playable WebM.
    await host.page.goto(`${server.url}/m/${meetingId}/data`);
    const [download] = await Promise.all([
      host.page.waitForEvent('download', { timeout: 30_000 }),
      host.page.getByRole('button', { name: `Download and decrypt Encrypted name (${recs[0]!.id})` }).click(),
    ]);
    // Named from the envelope's own header, as the server named it when it kept names.
    assert.match(download.suggestedFilename(), /^recording-\d{4}-\d\d-\d\dT[\d-]+Z-part1\.webm$/);
    const file = path.join(work, 'opened.webm');
    await download.saveAs(file);
    const opened = fs.readFileSync(file);
    assert.ok(opened.subarray(0, 4).equals(EBML_MAGIC), 'the browser saved a WebM');
    const probe = await ffprobe(file);
    const video = probe.streams.filter((s) => s.codec_type === 'video');
    const audio = probe.streams.filter((s) => s.codec_type === 'audio');
    console.log(`browser recording: ${stored.length} bytes stored, ${opened.length} opened, ${JSON.stringify(probe.streams.map((s) => [s.codec_name, s.width, s.height, s.nb_read_frames]))}`);
    assert.equal(video.length, 1);
    assert.equal(audio.length, 1);
    assert.equal(video[0]!.codec_name, 'vp8');
    assert.equal(`${video[0]!.width}x${video[0]!.height}`, '1280x720');
    // 9 s at the mixer's 15 fps is 135 frames; a loaded 2-core machine has given 48.
    assert.ok(Number(video[0]!.nb_read_frames) >= 40, `video frames decoded: ${video[0]!.nb_read_frames}`);
    assert.equal(audio[0]!.codec_name, 'opus');
    // MediaRecorder writes 60 ms Opus frames: 150 in 9 s.
    assert.ok(Number(audio[0]!.nb_read_frames) >= 100, `audio frames decoded: ${audio[0]!.nb_read_frames}`);

    // Both people are in the picture: two tiles side by side, each brighter than the background.
    const frame = await lumaAt(file, 6);
    assert.equal(frame.length, 1280 * 720);
    const left = meanLuma(frame, 1280, 160, 260, 320, 200);
    const right = meanLuma(frame, 1280, 800, 260, 320, 200);
    // Above two side-by-side tiles is background; one tile alone would fill it.
    const above = meanLuma(frame, 1280, 100, 20, 1080, 80);
    console.log(`luma: left tile ${left.toFixed(1)}, right tile ${right.toFixed(1)}, above the tiles ${above.toFixed(1)}`);
    assert.ok(above < 40, 'two tiles side by side, not one');
    assert.ok(left > above + 40 && right > above + 40, 'both cameras in the recorded picture');
    // And there is sound (the fake microphones beep), not a silent track.
    const loudest = await maxVolume(file);
    assert.ok(loudest > -40, `max volume ${loudest} dB`);

    // The organisation's escrow key opens the very same bytes with the CLI.
    const envelopeFile = path.join(work, 'stored.kgrec');
    fs.writeFileSync(envelopeFile, stored);
    const viaEscrow = path.join(work, 'escrow.webm');
    const cli = await server.cli(['recording', 'open', envelopeFile, '--key', escrowPrivate, '--out', viaEscrow]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /opened as escrow/);
    assert.ok(fs.readFileSync(viaEscrow).equals(opened), 'escrow and host open the same recording');
    // A wrong key opens nothing, and nothing is written.
    const other = await server.cli(['recording', 'keygen', '--out', path.join(work, 'other')]);
    assert.equal(other.code, 0, other.stderr);
    const refused = await server.cli(['recording', 'open', envelopeFile, '--key', path.join(work, 'other', 'escrow-private.pem'), '--out', path.join(work, 'no.webm')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot open/);
    assert.equal(fs.existsSync(path.join(work, 'no.webm')), false);

    // Audited (H2): the local recording's start, the stored object with who can open it, the stop.
    const rows = auditRows(server.dataDir, meetingId).filter((r) => r.kind.startsWith('recording.') || r.kind === 'object.stored');
    // The stop is announced at once; the upload it triggered may land before or after.
    assert.deepEqual(rows[0] && [rows[0].kind, rows[0].data.mode], ['recording.started', 'local']);
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => `${r.kind}:${r.data.mode}`)
        .sort(),
      ['object.stored:local', 'recording.stopped:local'],
    );
    const storedRow = rows.find((r) => r.kind === 'object.stored')!;
    assert.equal(storedRow.data.objectId, recs[0]!.id);
    assert.deepEqual(storedRow.data.recipients.map((r: { role: string }) => r.role).sort(), ['escrow', 'host']);
  });

  it('accepts only envelopes, with the escrow key, from the meeting’s signed-in host, in E2EE meetings', async () => {
    const http = new HttpClient(server.url);
    await http.signIn('aiko', HOST_PASSWORD);
    const e2ee = await http.request('POST', '/api/meetings', { title: 'Refusals', e2ee: true });
    const plain = await http.request('POST', '/api/meetings', { title: 'Plain' });
    assert.equal(e2ee.status, 201);
    const keys = await http.request('GET', `/api/meetings/${e2ee.json.id}/recording-keys`);
    assert.equal(keys.status, 200);
    assert.equal(keys.json.escrow.keyId, escrowKeyId());

    const EC = { name: 'ECDH', namedCurve: 'P-256' } as const;
    const hostPair = (await crypto.subtle.generateKey(EC, false, ['deriveBits'])) as CryptoKeyPair;
    const escrowSpki = Buffer.from(keys.json.escrow.spki, 'base64url');
    const envelope = async (meetingId: string, withEscrow: boolean) => {
      const sealer = await RecordingSealer.create({
        meetingId,
        part: 1,
        mimeType: 'video/webm;codecs=vp8,opus',
        startedAt: new Date().toISOString(),
        recipients: [{ role: 'host', publicKey: hostPair.publicKey }, ...(withEscrow ? [{ role: 'escrow' as const, publicKey: escrowSpki }] : [])],
      });
      return Buffer.concat([sealer.head, await sealer.seal(Buffer.from('webm bytes')), await sealer.seal(new Uint8Array(0), true)]);
    };
    const upload = (meetingId: string, body: Buffer, client = http) =>
      client.request('POST', `/api/meetings/${meetingId}/recordings`, body);

    const good = await envelope(e2ee.json.id, true);
    const cases: [string, Promise<{ status: number; json: any }>, number, string][] = [
      ['a plaintext WebM', upload(e2ee.json.id, Buffer.concat([EBML_MAGIC, Buffer.alloc(100)])), 400, 'VALIDATION'],
      ['an envelope cut short', upload(e2ee.json.id, good.subarray(0, good.length - 3)), 400, 'VALIDATION'],
      ['no escrow recipient', upload(e2ee.json.id, await envelope(e2ee.json.id, false)), 400, 'RECORDING_ESCROW_MISSING'],
      ['another meeting’s envelope', upload(e2ee.json.id, await envelope(plain.json.id, true)), 400, 'VALIDATION'],
      ['a meeting without E2EE', upload(plain.json.id, await envelope(plain.json.id, true)), 400, 'E2EE_NOT_ENABLED'],
    ];
    for (const [what, pending, status, code] of cases) {
      const r = await pending;
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, code, what);
    }
    // Someone else, signed in or not, learns nothing about the meeting.
    await server.cli(['user', 'add', 'mallory'], `${HOST_PASSWORD}\n`);
    const mallory = new HttpClient(server.url);
    await mallory.signIn('mallory', HOST_PASSWORD);
    assert.equal((await upload(e2ee.json.id, good, mallory)).status, 404);
    const anon = new HttpClient(server.url);
    await anon.request('GET', '/api/auth/session');
    assert.equal((await upload(e2ee.json.id, good, anon)).status, 401);

    const ok = await upload(e2ee.json.id, good);
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    assert.equal(ok.json.part, 1);
    const map = await http.request('GET', `/api/meetings/${e2ee.json.id}/data-map`);
    assert.deepEqual(
      (map.json.objects as { kind: string; protection: string }[]).map((o) => [o.kind, o.protection]),
      [['recording', 'e2ee']],
    );
  });
});
