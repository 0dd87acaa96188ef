import WebSocket from 'ws';

type Msg = Record<string, any>;

/** A raw signalling client: sends whatever a test (or an attacker) wants, records every answer. */
export class WsClient {
  readonly messages: Msg[] = [];
  closeCode: number | null = null;
  private waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private closeWaiters: ((code: number) => void)[] = [];
  private reqId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.closeWaiters.forEach((w) => w(code));
    });
  }

  /** `localAddress`: the client's own address, e.g. another 127.0.0.x to come from elsewhere. */
  static connect(base: string, opts: { cookie?: string; origin?: string; headers?: Record<string, string>; localAddress?: string } = {}): Promise<WsClient> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.origin) headers.origin = opts.origin;
    const socket = new WebSocket(base.replace('https:', 'wss:') + '/ws', {
      headers,
      rejectUnauthorized: false,
      ...(opts.localAddress && { localAddress: opts.localAddress }),
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  send(m: Msg | string): void {
    this.socket.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Sends with a fresh reqId and waits for the ok/error (or joined) answer to it. */
  async request(m: Msg, timeoutMs = 5000): Promise<Msg> {
    const reqId = this.reqId++;
    const p = this.next((x) => x.reqId === reqId, timeoutMs);
    this.send({ ...m, reqId });
    return p;
  }

  next(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Waits for a message of this type that arrives after the call (older ones do not count). */
  after(type: string, pred: (m: Msg) => boolean = () => true, timeoutMs = 5000): Promise<Msg> {
    const seen = new Set(this.messages);
    return this.next((m) => !seen.has(m) && m.type === type && pred(m), timeoutMs);
  }

  /** The latest message of a type received so far. */
  last(type: string): Msg | undefined {
    return [...this.messages].reverse().find((m) => m.type === type);
  }

  closed(timeoutMs = 5000): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.closeWaiters.push((c) => (clearTimeout(t), resolve(c)));
    });
  }

  close(): void {
    this.socket.close();
  }
}
