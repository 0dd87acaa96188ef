// Adapter for Kaigi's own SFU: the real server (packages/server/dist/main.js) on 127.0.0.1 with a
// fresh data folder, an admin made with the CLI, one meeting. Every bot peer is a participant with
// its own /ws connection: the host (first publisher) is signed in and admits the guests; media
// uses the signalling of packages/protocol (publish -> publishAnswer; subscribeOffer ->
// subscribeAnswer, pushed by the server whenever the set of publishers changes).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { HttpClient } from '../../../support/http.js';
import { freePort, LOG_DIR, ROOT, sleep, spawnLogged, stopChild } from '../../lib/proc.js';
import type { SfuPeer, SfuSignal, SfuUnderTest, SignalConfig } from '../adapter.js';

// Kaigi serves HTTPS with its own self-signed certificate; the bench talks to it on loopback only.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

export const MEDIA_PROTOCOL = path.join(ROOT, 'packages/protocol/src/media.ts');
const PASSWORD = 'bench password for loopback only';
let built = false;
let runs = 0;

/** nodeArgs/env: extra flags and variables for the server process (the soak's memory probe). */
export interface KaigiSfuOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export class KaigiSfu implements SfuUnderTest {
  readonly name = 'kaigi';
  private proc: ChildProcess | undefined;
  private dir = '';
  private http: HttpClient | undefined;

  constructor(private readonly opts: KaigiSfuOptions = {}) {}

  unavailable(): string | null {
    return fs.existsSync(MEDIA_PROTOCOL) ? null : 'packages/protocol/src/media.ts does not exist yet (media signalling not written)';
  }

  async start() {
    if (!built) {
      // The server as it is now in the work tree (the same command as `npm run kaigi`'s build).
      execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/protocol', 'packages/server'], { cwd: ROOT, stdio: 'pipe' });
      built = true;
    }
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-bench-'));
    const port = await freePort();
    const env = { KAIGI_HOST: '127.0.0.1', KAIGI_PORT: String(port), KAIGI_DATA_DIR: this.dir, KAIGI_LOG_LEVEL: 'warn', KAIGI_ALLOW_ROOT: '1', ...this.opts.env };
    const name = `kaigi-${++runs}`;
    this.proc = spawnLogged(process.execPath, [...(this.opts.nodeArgs ?? []), 'packages/server/dist/main.js'], name, env);
    const logFile = path.join(LOG_DIR, `${name}.log`);
    for (let i = 0; !fs.readFileSync(logFile, 'utf8').includes('KAIGI_LISTENING'); i++) {
      if (i > 200 || this.proc.exitCode !== null) throw new Error(`kaigi did not start: ${fs.readFileSync(logFile, 'utf8').slice(-500)}`);
      await sleep(100);
    }
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, ['packages/server/dist/cli/main.js', 'user', 'add', 'bench', '--admin'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`user add failed: ${err}`))));
      c.stdin.end(`${PASSWORD}\n`);
    });
    const base = `https://127.0.0.1:${port}`;
    const http = new HttpClient(base);
    await http.signIn('bench', PASSWORD);
    const r = await http.request('POST', '/api/meetings', { title: 'SFU bench' });
    if (r.status !== 201) throw new Error(`create meeting failed: ${r.status} ${JSON.stringify(r.json)}`);
    const signal: SignalConfig = { kind: 'kaigi', base, meetingId: r.json.id, password: r.json.password, hostCookie: http.cookieHeader() };
    this.http = http;
    return { pid: this.proc.pid!, signal };
  }

  /** Another meeting on the running server, same host (the two-meetings step: issue 15, goal 2). */
  async addMeeting(): Promise<SignalConfig> {
    if (!this.http) throw new Error('kaigi is not started');
    const r = await this.http.request('POST', '/api/meetings', { title: 'SFU bench, second meeting' });
    if (r.status !== 201) throw new Error(`create meeting failed: ${r.status} ${JSON.stringify(r.json)}`);
    return { kind: 'kaigi', base: this.http.base, meetingId: r.json.id, password: r.json.password, hostCookie: this.http.cookieHeader() };
  }

  async stop() {
    await stopChild(this.proc, 5000);
    this.proc = undefined;
    this.http = undefined;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

type Msg = Record<string, any>;

/** One participant: a /ws connection that has joined (and, as a guest, been admitted). */
class KaigiPeer implements SfuPeer {
  private reqId = 1;
  private readonly waiters = new Map<number, (m: Msg) => void>();
  private participantId = '';
  private admitted = false;
  private onAdmitted: (() => void) | null = null;
  private pendingOffer: Msg | null = null;
  private onOffer: ((m: Msg) => void) | null = null;

  private constructor(private readonly ws: WebSocket, host: boolean) {
    // The host lets every waiting bot in, one admitAll in flight at a time (the rate limit). A
    // waitingRoom update that arrives while one is in flight is not lost: when it completes, the
    // latest waiting room is checked again (a bot left waiting there was never admitted: field notes).
    let admitting = false;
    let waiting = 0;
    const admitWaiting = (): void => {
      if (!host || admitting || waiting === 0) return;
      admitting = true;
      void this.request({ type: 'admitAll' })
        // Refused (rate limit): wait a moment rather than ask again at once.
        .then((r) => (r.type === 'error' ? sleep(250) : undefined))
        .catch(() => undefined)
        .finally(() => {
          admitting = false;
          admitWaiting();
        });
    };
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      if (typeof m.reqId === 'number' && this.waiters.has(m.reqId)) {
        this.waiters.get(m.reqId)!(m);
        this.waiters.delete(m.reqId);
      }
      if (m.type === 'admitted') {
        this.admitted = true;
        this.onAdmitted?.();
      }
      if (m.type === 'waitingRoom') {
        waiting = (m.entries as unknown[]).length;
        admitWaiting();
      }
      if (m.type === 'subscribeOffer') {
        if (this.onOffer) this.onOffer(m);
        else this.pendingOffer = m; // the server waits for this answer before offering again
      }
    });
  }

  static async join(cfg: SignalConfig, name: string, host: boolean): Promise<KaigiPeer> {
    const http = new HttpClient(String(cfg.base));
    const cookie = host ? String(cfg.hostCookie) : (await http.request('GET', '/api/auth/session'), http.cookieHeader());
    // Each bot from a loopback address of its own, as people in a meeting come from many: the
    // server caps WebSockets per address (64), which a ramp past 60 subscribers would hit.
    const ws = new WebSocket(String(cfg.base).replace('https:', 'wss:') + '/ws', { headers: { cookie }, rejectUnauthorized: false, localAddress: loopbackFor(name) });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const p = new KaigiPeer(ws, host);
    const r = await p.request({ type: 'join', meetingId: cfg.meetingId, displayName: name, ...(host ? {} : { password: cfg.password }) });
    if (r.type !== 'joined') throw new Error(`join failed: ${JSON.stringify(r)}`);
    p.participantId = r.participantId;
    if (r.state !== 'admitted' && !p.admitted) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name} not admitted in 30 s`)), 30_000);
        p.onAdmitted = () => (clearTimeout(t), resolve());
      });
    }
    return p;
  }

  request(m: Msg, timeoutMs = 20_000): Promise<Msg> {
    const reqId = this.reqId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (this.waiters.delete(reqId), reject(new Error(`no answer to ${m.type}`))), timeoutMs);
      this.waiters.set(reqId, (x) => (clearTimeout(t), resolve(x)));
      this.ws.send(JSON.stringify({ ...m, reqId }));
    });
  }

  async publish(offerSdp: string) {
    // Each m-section's mid, labelled with the source Kaigi expects for its kind.
    const tracks = offerSdp
      .split(/\r\nm=/)
      .slice(1)
      .map((sec) => ({ kind: sec.split(' ')[0], mid: /a=mid:(\S+)/.exec(sec)?.[1] }))
      .filter((t): t is { kind: string; mid: string } => !!t.mid && (t.kind === 'audio' || t.kind === 'video'))
      .map((t) => ({ mid: t.mid, source: t.kind === 'audio' ? 'microphone' : 'camera' }));
    const r = await this.request({ type: 'publish', sdp: offerSdp, tracks });
    if (r.type !== 'publishAnswer') throw new Error(`publish refused: ${JSON.stringify(r)}`);
    return { publisherId: this.participantId, answerSdp: String(r.sdp) };
  }

  receive(publisherIds: string[], answer: (offerSdp: string) => Promise<string>): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no offer with ${publisherIds.length} publishers in 60 s`)), 60_000);
      let chain = Promise.resolve();
      // Offers are answered in order; done once an answered one carries every wanted publisher.
      this.onOffer = (m) => {
        chain = chain.then(async () => {
          const r = await this.request({ type: 'subscribeAnswer', sdp: await answer(String(m.sdp)) });
          if (r.type !== 'ok') console.error('subscribeAnswer refused', JSON.stringify(r));
          const have = new Set((m.tracks as { participantId: string }[]).map((x) => x.participantId));
          if (publisherIds.every((id) => have.has(id))) {
            clearTimeout(t);
            // As the browser does (VideoGrid -> videoPreferences): each tile's height, so the SFU
            // forwards the layer the tile needs (issue 15: a 5x5 grid takes the lowest layer).
            await this.request({ type: 'videoPreferences', tiles: tilesFor(publisherIds) });
            resolve();
          }
        }).catch((e: unknown) => (clearTimeout(t), reject(e as Error)));
      };
      if (!publisherIds.length) {
        clearTimeout(t);
        resolve();
      }
      const pending = this.pendingOffer;
      this.pendingOffer = null;
      if (pending) this.onOffer(pending);
    });
  }

  async leave() {
    this.ws.close();
  }
}

/** The tiles a browser shows for these cameras: a square-ish grid in a 1280x720 area. */
function tilesFor(publisherIds: string[]) {
  const cols = Math.ceil(Math.sqrt(publisherIds.length));
  const rows = Math.ceil(publisherIds.length / cols);
  const maxHeight = Math.floor(720 / Math.max(1, rows));
  return publisherIds.map((participantId) => ({ participantId, source: 'camera', maxHeight }));
}

export function kaigiSignal(cfg: SignalConfig): SfuSignal {
  return { join: (name, host) => KaigiPeer.join(cfg, name, host) };
}

/** A loopback address in 127.1.0.0/16 for a bot, from its name (Linux answers all of 127/8 on lo). */
function loopbackFor(name: string): string {
  const h = createHash('sha256').update(name).digest();
  return `127.1.${h[0] ?? 0}.${1 + ((h[1] ?? 0) % 254)}`;
}
