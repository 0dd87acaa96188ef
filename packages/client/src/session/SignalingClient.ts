import { ClientMessage, CloseCode, ServerMessage, type ErrorCode, type HostActionMessage } from '@kaigi/protocol';
import { resumeStore, type ResumeCredentials } from './resumeStore';
import { registrationFor } from './registrationToken';

// The WebSocket signalling client: joins or resumes, keeps the connection alive, reconnects with
// backoff and resumes the participant's place. Plain class with events; no React in here.

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Messages that expect an `ok` or `error` answer (host actions and leave). */
export type ActionMessage = DistributiveOmit<HostActionMessage, 'reqId'>;

/** Media messages answered by `ok` or `error`. */
export type MediaRequest = DistributiveOmit<
  Extract<ClientMessage, { type: 'subscribeAnswer' | 'resubscribe' | 'videoPreferences' }>,
  'reqId'
>;

/** E2EE delivery-service and chat messages, answered by `ok` or `error`. */
export type E2eeRequest = DistributiveOmit<
  Extract<ClientMessage, { type: 'mlsKeyPackage' | 'mlsCommit' | 'mlsSync' | 'mlsFailed' | 'chat' | 'checkKey' }>,
  'reqId'
>;

type PublishTracks = Extract<ClientMessage, { type: 'publish' }>['tracks'];

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface Failure {
  code: ErrorCode | 'NETWORK' | 'TIMEOUT';
  retryAfterMs?: number | undefined;
  /** The server's message with the refusal (it states the rule broken, e.g. the name pattern). */
  message?: string | undefined;
}

export class SignalingError extends Error {
  constructor(
    readonly code: Failure['code'],
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

export interface SignalingEvents {
  /** Every valid server message, after the client has handled it. */
  message: ServerMessage;
  /** The connection's state changed. */
  state: ConnectionState;
  /** The join or resume attempt was refused (or could not be sent); the client has stopped. */
  failed: Failure & { attempt: 'join' | 'resume' };
}

type Listener<K extends keyof SignalingEvents> = (payload: SignalingEvents[K]) => void;

type Attempt =
  | { kind: 'join'; displayName: string; password?: string | undefined }
  | { kind: 'resume'; creds: ResumeCredentials };

const BACKOFF_MS = [500, 1000, 2000, 4000, 5000] as const;
const PING_INTERVAL_MS = 20_000;
const REQUEST_TIMEOUT_MS = 15_000;

export interface SignalingClientOptions {
  meetingId: string;
  /** Defaults to wss://<location.host>/ws. */
  url?: string;
  /** This browser can encrypt media end to end; E2EE meetings refuse it otherwise. */
  e2ee?: boolean;
}

export class SignalingClient {
  readonly meetingId: string;
  private readonly url: string;
  private readonly e2ee: boolean;
  /** Protected for the e2e test build's subclass (testing/TestSignalingClient.ts), which drops it as a network would. */
  protected ws: WebSocket | null = null;
  private attempt: Attempt | null = null;
  private established = false;
  private stopped = true;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private nextReqId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (msg: ServerMessage) => void; reject: (e: SignalingError) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly listeners: { [K in keyof SignalingEvents]: Set<Listener<K>> } = {
    message: new Set(),
    state: new Set(),
    failed: new Set(),
  };
  private _state: ConnectionState = 'idle';
  private _resumed = false;

  constructor(opts: SignalingClientOptions) {
    this.meetingId = opts.meetingId;
    this.e2ee = opts.e2ee ?? false;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.url = opts.url ?? `${scheme}://${location.host}/ws`;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Whether the last `joined` answered a resume (the place was taken back), not a fresh join. */
  get resumed(): boolean {
    return this._resumed;
  }

  on<K extends keyof SignalingEvents>(event: K, fn: Listener<K>): () => void {
    this.listeners[event].add(fn);
    return () => {
      this.listeners[event].delete(fn);
    };
  }

  /** Joins as a new participant. The host omits the password. */
  join(displayName: string, password?: string): void {
    this.start({ kind: 'join', displayName, password: password || undefined });
  }

  /** Resumes a stored place; returns false when there is none for this meeting. */
  resumeStored(): boolean {
    const creds = resumeStore.load(this.meetingId);
    if (!creds) return false;
    this.start({ kind: 'resume', creds });
    return true;
  }

  /** Sends a host action (or a media request) and resolves on `ok`, rejects with the server's error. */
  async request(action: ActionMessage | MediaRequest): Promise<void> {
    await this.call(action);
  }

  /** Sends a message that expects `ok` or `error` (E2EE delivery, chat). */
  async send(msg: E2eeRequest): Promise<void> {
    await this.call(msg);
  }

  /** Offers the send transport; resolves with the server's answer SDP. */
  async publish(sdp: string, tracks: PublishTracks): Promise<string> {
    const answer = await this.call({ type: 'publish', sdp, tracks });
    if (answer.type !== 'publishAnswer') throw new SignalingError('INVALID_MESSAGE', 'no answer');
    return answer.sdp;
  }

  private call(msg: DistributiveOmit<ClientMessage, 'reqId'>): Promise<ServerMessage> {
    const reqId = this.nextReqId++;
    if (this.nextReqId > 2 ** 30) this.nextReqId = 1;
    return new Promise<ServerMessage>((resolve, reject) => {
      if (!this.sendRaw({ ...msg, reqId } as ClientMessage)) {
        reject(new SignalingError('NETWORK', 'not connected'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new SignalingError('TIMEOUT', 'no answer'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(reqId, { resolve, reject, timer });
    });
  }

  /** Leaves the meeting for good: tells the server, forgets the stored place and stops. */
  leave(): void {
    this.sendRaw({ type: 'leave' });
    resumeStore.clear(this.meetingId);
    this.stop();
  }

  /** Closes the connection without leaving (the stored place stays for a later resume). */
  stop(): void {
    this.stopped = true;
    this.attempt = null;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState === WebSocket.OPEN) {
        // Give a just-queued `leave` a moment to go out before closing.
        setTimeout(() => ws.close(1000), 50);
      } else {
        ws.close();
      }
    }
    this.rejectPending('NETWORK');
    this.setState('stopped');
  }

  // ---- internals ------------------------------------------------------------------------

  private start(attempt: Attempt): void {
    this.stop();
    this.stopped = false;
    this.attempt = attempt;
    this.established = false;
    this.retries = 0;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.established || this.retries > 0 ? 'reconnecting' : 'connecting');
    this.established = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.onOpen();
    ws.onmessage = (ev) => this.onMessage(ev);
    ws.onclose = (ev) => this.onClose(ev);
  }

  private onOpen(): void {
    const a = this.attempt;
    if (!a) return;
    if (a.kind === 'join') {
      const msg: ClientMessage = { type: 'join', meetingId: this.meetingId, displayName: a.displayName, e2ee: this.e2ee };
      if (a.password !== undefined) msg.password = a.password;
      // A registrant's personal link (B3); the server ignores it for the host.
      const registration = registrationFor(this.meetingId);
      if (registration !== null) msg.registration = registration;
      this.sendRaw(msg);
    } else {
      this.sendRaw({ type: 'resume', ...a.creds });
    }
    this.pingTimer = setInterval(() => this.sendRaw({ type: 'ping' }), PING_INTERVAL_MS);
  }

  private onMessage(ev: MessageEvent): void {
    if (typeof ev.data !== 'string') return;
    let raw: unknown;
    try {
      raw = JSON.parse(ev.data);
    } catch {
      return;
    }
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;

    switch (msg.type) {
      case 'joined': {
        const creds = { meetingId: this.meetingId, participantId: msg.participantId, resumeToken: msg.resumeToken };
        this._resumed = this.attempt?.kind === 'resume';
        resumeStore.save(creds);
        this.attempt = { kind: 'resume', creds };
        this.established = true;
        this.retries = 0;
        this.setState('open');
        break;
      }
      case 'ok':
      case 'publishAnswer':
      case 'error': {
        const p = msg.reqId !== undefined ? this.pending.get(msg.reqId) : undefined;
        if (p && msg.reqId !== undefined) {
          this.pending.delete(msg.reqId);
          clearTimeout(p.timer);
          if (msg.type !== 'error') p.resolve(msg);
          else p.reject(new SignalingError(msg.code, msg.message, msg.retryAfterMs));
          return;
        }
        if (msg.type === 'error' && !this.established && this.attempt) {
          this.onAttemptRefused(msg.code, msg.retryAfterMs, msg.message);
          return;
        }
        break;
      }
      case 'ended':
        resumeStore.clear(this.meetingId);
        this.emit('message', msg);
        this.stop();
        return;
      case 'pong':
        return;
      default:
        break;
    }
    this.emit('message', msg);
  }

  private onAttemptRefused(code: ErrorCode, retryAfterMs?: number, message?: string): void {
    const kind = this.attempt?.kind ?? 'join';
    if (kind === 'resume' && code === 'RATE_LIMITED') {
      // Keep our place: try again once the server allows it.
      this.closeSocket();
      this.scheduleReconnect(retryAfterMs);
      return;
    }
    if (kind === 'resume') resumeStore.clear(this.meetingId);
    this.stop();
    this.emit('failed', { attempt: kind, code, retryAfterMs, message });
  }

  private onClose(ev: CloseEvent): void {
    this.clearTimers();
    this.ws = null;
    this.rejectPending('NETWORK');
    if (this.stopped) return;
    if (ev.code === CloseCode.ENDED) {
      // Ended without an `ended` message reaching us: the place is gone.
      resumeStore.clear(this.meetingId);
      const kind = this.attempt?.kind ?? 'join';
      this.stop();
      this.emit('failed', { attempt: kind, code: 'MEETING_ENDED' });
      return;
    }
    if (this.attempt?.kind === 'join') {
      // Never got in: do not repeat a join behind the user's back.
      this.stop();
      this.emit('failed', { attempt: 'join', code: 'NETWORK' });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.stopped) return;
    const backoff = BACKOFF_MS[Math.min(this.retries, BACKOFF_MS.length - 1)] ?? 5000;
    this.retries++;
    this.setState('reconnecting');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, Math.max(delayMs ?? 0, backoff));
  }

  private closeSocket(): void {
    const ws = this.ws;
    this.ws = null;
    this.clearTimers();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close();
    }
  }

  private sendRaw(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private rejectPending(code: Failure['code']): void {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SignalingError(code, 'connection closed'));
    }
    this.pending.clear();
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(s: ConnectionState): void {
    if (s === this._state) return;
    this._state = s;
    this.emit('state', s);
  }

  private emit<K extends keyof SignalingEvents>(event: K, payload: SignalingEvents[K]): void {
    for (const fn of [...this.listeners[event]]) fn(payload);
  }
}
