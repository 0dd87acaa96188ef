// Adapter for the werift reference SFU (server.ts in this folder): its own process, HTTP signalling.
import type { ChildProcess } from 'node:child_process';
import { freePort, sleep, spawnLogged, stopChild } from '../../lib/proc.js';
import type { SfuPeer, SfuSignal, SfuUnderTest, SignalConfig } from '../adapter.js';

async function post<T>(base: string, path: string, body: unknown): Promise<T> {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const j = (await r.json()) as T & { error?: string };
  if (!r.ok) throw new Error(`${path}: ${r.status} ${j.error ?? ''}`);
  return j;
}

let runs = 0;

export class ReferenceSfu implements SfuUnderTest {
  readonly name = 'werift-ref';
  private proc: ChildProcess | undefined;
  private base = '';

  unavailable(): string | null {
    return null;
  }

  async start() {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.proc = spawnLogged(process.execPath, ['--import', 'tsx', 'e2e/bench/sfu/reference/server.ts', String(port)], `werift-ref-${++runs}`);
    for (let i = 0; i < 100; i++) {
      if (this.proc.exitCode !== null) throw new Error('reference SFU exited at start');
      if (await fetch(`${this.base}/stats`).then((r) => r.ok, () => false)) break;
      await sleep(100);
    }
    return { pid: this.proc.pid!, signal: { kind: 'reference', base: this.base } satisfies SignalConfig };
  }

  async stop() {
    await stopChild(this.proc);
    this.proc = undefined;
  }
}

/** Bot side: the reference SFU has no notion of participants or hosts; join() only makes a peer. */
export function referenceSignal(cfg: SignalConfig): SfuSignal {
  const base = String(cfg.base);
  const peer: SfuPeer = {
    async publish(offerSdp) {
      const r = await post<{ id: string; sdp: string }>(base, '/publish', { sdp: offerSdp });
      return { publisherId: r.id, answerSdp: r.sdp };
    },
    async receive(publisherIds, answer) {
      const r = await post<{ id: string; sdp: string }>(base, '/subscribe', { publisherIds });
      await post(base, '/answer', { id: r.id, sdp: await answer(r.sdp) });
    },
    async leave() {},
  };
  return { join: async () => peer };
}
