import { KaigiError } from '../../errors.js';
import type { MediaConfig } from '../MediaConfig.js';
import { Router } from '../Router.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** How often each Router's active speaker and connection quality are pushed (the Room's tick, 400 ms). */
export const TICK_MS = 400;

/**
 * The worker's side of its meetings (issue 15 item 3): the real Routers, by the id the main
 * thread gave them, driven by validated messages (protocol.ts). Its signals, the publishing map
 * on every change and a tick's active speaker and connection quality go back as messages; the
 * RouterProxy on the main thread answers the Room's sync reads from them. close() closes every
 * Router (idempotent).
 */
export class RouterHost {
  private readonly routers = new Map<string, { router: Router; loudest: string | null; unobserve: (() => void) | null }>();
  private readonly ticker: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly media: MediaConfig,
    private readonly post: (msg: FromWorker) => void,
  ) {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  get size(): number {
    return this.routers.size;
  }

  /** One validated message; datagrams are the caller's (WorkerNet). */
  handle(msg: Exclude<ToWorker, { t: 'datagram' }>): void {
    if (this.closed) return;
    if (msg.t === 'open') return this.open(msg.router, msg.backOff);
    const entry = this.routers.get(msg.router);
    if (msg.t === 'publish') return this.publish(entry?.router, msg);
    if (msg.t === 'subscribeAnswer') {
      this.post({ t: 'result', id: msg.id, ok: true, value: entry?.router.subscribeAnswer(msg.pid, msg.sdp) ?? false });
      return;
    }
    if (!entry) return;
    const r = entry.router;
    switch (msg.t) {
      case 'subscribe':
        return r.subscribe(msg.pid);
      case 'resubscribe':
        return r.resubscribe(msg.pid);
      case 'prefs':
        return r.setVideoPreferences(msg.pid, msg.tiles);
      case 'pair':
        return r.pair(msg.pid, msg.partner);
      case 'unpair':
        return r.unpair(msg.pid);
      case 'closeProducer':
        r.closeProducer(msg.pid, msg.source);
        return;
      case 'closeParticipant':
        return r.closeParticipant(msg.pid);
      case 'close':
        this.routers.delete(msg.router);
        return r.close();
      case 'observe':
        return this.observe(msg.router, entry, msg.on);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    for (const { router } of this.routers.values()) router.close();
    this.routers.clear();
  }

  private open(id: string, backOff: boolean): void {
    if (this.routers.has(id)) return;
    const router: Router = new Router({ ...this.media, backOffKeyframeRequests: backOff }, {
      subscribeOffer: (pid, offer) => this.post({ t: 'offer', router: id, pid, sdp: offer.sdp, tracks: offer.tracks }),
      producersChanged: () => this.post({ t: 'changed', router: id, publishing: [...router.liveSources()] }),
    });
    this.routers.set(id, { router, loudest: null, unobserve: null });
  }

  /**
   * Streams the Router's 'forwarded' events to the main thread while someone listens there (the
   * e2e tap): one message per forwarded packet, with a copy of the payload (the Consumer reuses
   * its buffer). Nothing is posted per packet otherwise.
   */
  private observe(id: string, entry: { router: Router; unobserve: (() => void) | null }, on: boolean): void {
    entry.unobserve?.();
    entry.unobserve = null;
    if (!on) return;
    entry.unobserve = entry.router.observer.on('forwarded', (p) =>
      this.post({ t: 'forwarded', router: id, from: p.from, to: p.to, source: p.source, kind: p.kind, seq: p.seq, payload: new Uint8Array(p.payload) }),
    );
  }

  private publish(router: Router | undefined, msg: Extract<ToWorker, { t: 'publish' }>): void {
    if (!router) {
      this.post({ t: 'failure', id: msg.id, code: 'INVALID_MESSAGE', message: 'the meeting has ended' });
      return;
    }
    router.publish(msg.pid, { sdp: msg.sdp, tracks: msg.tracks }).then(
      (sdp) => this.post({ t: 'result', id: msg.id, ok: true, value: sdp }),
      (err: unknown) =>
        this.post({
          t: 'failure',
          id: msg.id,
          code: err instanceof KaigiError ? err.code : null,
          message: (err instanceof Error ? err.message : String(err)).slice(0, 500),
        }),
    );
  }

  private tick(): void {
    const now = Date.now();
    for (const [id, entry] of this.routers) {
      const loudest = entry.router.loudest();
      const quality = entry.router.connectionQuality(now);
      if (loudest === entry.loudest && quality.size === 0) continue;
      entry.loudest = loudest;
      this.post({ t: 'tick', router: id, loudest, quality: [...quality] });
    }
  }
}
