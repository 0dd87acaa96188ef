// Adapter for Janus (Debian's `janus` 1.1.2, C): the VideoRoom plugin over Janus's HTTP API, in a
// namespace of its own (below) with the config folder next to this file (VideoRoom + HTTP transport
// only). The bench's
// peer for "Kaigi >= 1.25x Janus" (issue 15). Janus is installed by run.ts before it enters the
// loopback-only namespace (apt-get needs the network).
//  - Orchestrator side (JanusSfu): a fresh `janus` process per start(), config copied to a temp
//    folder with its address and a free HTTP port written in.
//  - Bot side (janusSignal): one Janus session per bot process, one long-poll loop for its events;
//    each participant attaches its own handles: a publisher handle (join + configure with the bot's
//    offer) and a subscriber handle (join ptype=subscriber with every wanted feed -> Janus's offer ->
//    start with the bot's answer). Non-trickle: the SDPs carry the candidates, then
//    `trickle {completed: true}`.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, spawnLogged, stopChild } from '../../lib/proc.js';
import type { SfuPeer, SfuSignal, SfuUnderTest, SignalConfig } from '../adapter.js';

const CONF_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'conf');
const ROOM = 1234; // janus.plugin.videoroom.jcfg
// Janus (ice.c) never gathers ICE candidates on a loopback interface, and libnice would not pair
// with a bot in the same namespace (tried: every check failed). So Janus runs as the janus-peer
// harness ran it: in a network namespace of its own (`unshare -n`, inside the bench's loopback-only
// one), joined to the bench's namespace by a veth pair; no route leads anywhere else. Janus's end
// (10.213.0.1, HTTP API and ICE) is named in janus.jcfg's ice_enforce_list; the bots bind the
// bench's end (10.213.0.2, SignalConfig.botAddress). The pair exists only while Janus runs.
const JANUS_IF = 'kbjanus0';
const BOTS_IF = 'kbjanus1';
const JANUS_ADDR = '10.213.0.1';
const BOT_ADDR = '10.213.0.2';
let runs = 0;

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

const netns = (pid: number | 'self') => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
};

/** The veth pair; Janus's end waits in this namespace until janus's own namespace exists. */
function addVeth(): void {
  // Only inside the bench's own namespace (run.ts sets this after `unshare -n`): never on the host.
  if (!process.env.KAIGI_BENCH_UNSHARED) throw new Error('janus needs the bench namespace (run through npm run bench:sfu)');
  spawnSync('ip', ['link', 'del', BOTS_IF]); // left over from a killed run
  ip(['link', 'add', JANUS_IF, 'type', 'veth', 'peer', 'name', BOTS_IF]);
  ip(['addr', 'add', `${BOT_ADDR}/24`, 'dev', BOTS_IF]);
  ip(['link', 'set', BOTS_IF, 'up']);
}

/** Moves Janus's end into the namespace of `pid` once that process has entered it. */
async function handOver(pid: number): Promise<void> {
  for (let i = 0; netns(pid) === netns('self'); i++) {
    if (i > 100 || netns(pid) === null) throw new Error('janus namespace did not appear');
    await sleep(20);
  }
  ip(['link', 'set', JANUS_IF, 'netns', String(pid)]);
}

/** Janus's executable, or null when it is not installed. */
export function janusBinary(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v janus'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export class JanusSfu implements SfuUnderTest {
  readonly name = 'janus';
  private proc: ChildProcess | undefined;
  private dir = '';

  unavailable(): string | null {
    return janusBinary() ? null : "Debian's janus is not installed (run.ts installs it before entering the namespace; apt-get failed or was not allowed)";
  }

  async start() {
    addVeth();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-bench-janus-'));
    const port = await freePort();
    for (const f of fs.readdirSync(CONF_DIR)) {
      const text = fs.readFileSync(path.join(CONF_DIR, f), 'utf8').replaceAll('@PORT@', String(port)).replaceAll('@IP@', JANUS_ADDR);
      fs.writeFileSync(path.join(this.dir, f), text);
    }
    const base = `http://${JANUS_ADDR}:${port}/janus`;
    // -d 3: warnings only (as in the janus-peer harness); -o: no colours in the log file. The shell
    // waits until its veth end has been moved in, configures it, then becomes janus (same pid).
    const janus = ['janus', '-F', this.dir, '-C', path.join(this.dir, 'janus.jcfg'), '-o', '-d', process.env.KAIGI_BENCH_JANUS_DEBUG ?? '3'];
    const script = `ip link set lo up; while ! ip link show ${JANUS_IF} >/dev/null 2>&1; do sleep 0.02; done; ip addr add ${JANUS_ADDR}/24 dev ${JANUS_IF} && ip link set ${JANUS_IF} up && exec "$@"`;
    this.proc = spawnLogged('unshare', ['-n', 'sh', '-c', script, 'sh', ...janus], `janus-${++runs}`);
    await handOver(this.proc.pid!);
    for (let i = 0; ; i++) {
      if (this.proc.exitCode !== null) throw new Error(`janus exited at start (code ${this.proc.exitCode})`);
      if (await fetch(`${base}/info`).then((r) => r.ok, () => false)) break;
      if (i > 100) throw new Error('janus did not answer /janus/info in 10 s');
      await sleep(100);
    }
    return { pid: this.proc.pid!, signal: { kind: 'janus', base, botAddress: BOT_ADDR, publisherDtlsClient: true } satisfies SignalConfig };
  }

  async stop() {
    await stopChild(this.proc);
    this.proc = undefined;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    spawnSync('ip', ['link', 'del', BOTS_IF]); // gone with janus's namespace already, as a rule
  }
}

type Msg = Record<string, any>;

/** One Janus session (per bot process): requests, and a long-poll loop that routes events by transaction. */
class JanusSession {
  private readonly waiters = new Map<string, (ev: Msg) => void>();
  private alive = true;
  private txn = 0;
  private id = 0;
  private keepalive: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly base: string) {}

  private async post(p: string, body: Msg): Promise<Msg> {
    const r = await fetch(this.base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await r.json()) as Msg;
  }

  private t(): string {
    return `t${++this.txn}`;
  }

  async create(): Promise<this> {
    const r = await this.post('', { janus: 'create', transaction: this.t() });
    if (r.janus !== 'success') throw new Error(`janus create failed: ${JSON.stringify(r)}`);
    this.id = Number(r.data.id);
    void this.poll();
    this.keepalive = setInterval(() => void this.post(`/${this.id}`, { janus: 'keepalive', transaction: this.t() }).catch(() => undefined), 20_000);
    return this;
  }

  private async poll(): Promise<void> {
    while (this.alive) {
      try {
        const r = await fetch(`${this.base}/${this.id}?maxev=50&rid=${Date.now()}`);
        const body = (await r.json()) as Msg | Msg[];
        for (const ev of Array.isArray(body) ? body : [body]) {
          const w = typeof ev.transaction === 'string' ? this.waiters.get(ev.transaction) : undefined;
          if (w && ev.janus !== 'ack') {
            this.waiters.delete(ev.transaction);
            w(ev);
          } else if (ev.janus === 'hangup' || (ev.janus === 'event' && ev.plugindata?.data?.error)) {
            console.error('janus event', JSON.stringify(ev).slice(0, 300));
          }
        }
      } catch (e) {
        if (this.alive) {
          console.error('janus poll error', (e as Error).message);
          await sleep(500);
        }
      }
    }
  }

  async attach(): Promise<number> {
    const r = await this.post(`/${this.id}`, { janus: 'attach', plugin: 'janus.plugin.videoroom', transaction: this.t() });
    if (r.janus !== 'success') throw new Error(`janus attach failed: ${JSON.stringify(r)}`);
    return Number(r.data.id);
  }

  /** A plugin message; resolves with its synchronous reply or its asynchronous event. */
  async message(handle: number, body: Msg, jsep?: Msg, timeoutMs = 30_000): Promise<Msg> {
    const transaction = this.t();
    const ev = new Promise<Msg>((resolve, reject) => {
      const t = setTimeout(() => (this.waiters.delete(transaction), reject(new Error(`janus: no event for ${String(body.request)} in ${timeoutMs} ms`))), timeoutMs);
      this.waiters.set(transaction, (x) => (clearTimeout(t), resolve(x)));
    });
    const r = await this.post(`/${this.id}/${handle}`, { janus: 'message', body, transaction, ...(jsep ? { jsep } : {}) });
    let out = r;
    if (r.janus === 'ack') out = await ev;
    else {
      this.waiters.delete(transaction);
      ev.catch(() => undefined);
      if (r.janus !== 'success') throw new Error(`janus ${String(body.request)} failed: ${JSON.stringify(r).slice(0, 300)}`);
    }
    if (out.plugindata?.data?.error) throw new Error(`janus ${String(body.request)}: ${JSON.stringify(out.plugindata.data).slice(0, 300)}`);
    return out;
  }

  trickleDone(handle: number): Promise<Msg> {
    return this.post(`/${this.id}/${handle}`, { janus: 'trickle', candidate: { completed: true }, transaction: this.t() });
  }

  detach(handle: number): Promise<Msg> {
    return this.post(`/${this.id}/${handle}`, { janus: 'detach', transaction: this.t() });
  }

  close(): void {
    this.alive = false;
    clearInterval(this.keepalive);
  }
}

/** Bot side: participants of room 1234. Janus has no admission step, so `host` changes nothing. */
export function janusSignal(cfg: SignalConfig): SfuSignal {
  const base = String(cfg.base);
  let session: Promise<JanusSession> | undefined;
  const s = () => (session ??= new JanusSession(base).create());
  return {
    async join(name): Promise<SfuPeer> {
      const handles: number[] = [];
      return {
        async publish(offerSdp) {
          const js = await s();
          const h = await js.attach();
          handles.push(h);
          const j = await js.message(h, { request: 'join', ptype: 'publisher', room: ROOM, display: name });
          const ev = await js.message(h, { request: 'configure', audio: true, video: true, bitrate: 2_000_000 }, { type: 'offer', sdp: offerSdp });
          await js.trickleDone(h);
          if (!ev.jsep?.sdp) throw new Error(`janus configure gave no answer: ${JSON.stringify(ev).slice(0, 300)}`);
          return { publisherId: String(j.plugindata.data.id), answerSdp: String(ev.jsep.sdp) };
        },
        async receive(publisherIds, answer) {
          if (!publisherIds.length) return;
          const js = await s();
          const h = await js.attach();
          handles.push(h);
          // One multistream subscription (Janus 1.x) carrying every wanted feed: one connection, as Kaigi's.
          const ev = await js.message(h, { request: 'join', ptype: 'subscriber', room: ROOM, streams: publisherIds.map((feed) => ({ feed: Number(feed) })) });
          if (!ev.jsep?.sdp) throw new Error(`janus subscribe gave no offer: ${JSON.stringify(ev).slice(0, 300)}`);
          const ans = await answer(String(ev.jsep.sdp));
          if (process.env.KAIGI_BENCH_DEBUG) console.error('OFFER', ev.jsep.sdp, 'ANSWER', ans);
          await js.message(h, { request: 'start' }, { type: 'answer', sdp: ans });
          await js.trickleDone(h);
        },
        async leave() {
          const js = await s();
          await Promise.all(handles.map((h) => js.detach(h).catch(() => undefined)));
        },
      };
    },
  };
}
