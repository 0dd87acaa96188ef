import type { WebSocket, RawData } from 'ws';
import {
  AuditKind,
  ClientMessage,
  CloseCode,
  ERROR_MESSAGES,
  ErrorCode,
  LIMITS,
  type ServerMessage,
} from '@kaigi/protocol';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AuditLog } from '../audit/AuditLog.js';
import { KaigiError } from '../errors.js';
import { MeetingError } from '../meeting/MeetingError.js';
import type { MeetingHub, Seat } from './MeetingHub.js';
import type { HostActionHandler, HostActionMsg } from './HostActionHandler.js';
import type { ConnectionContext, Peer } from './Peer.js';
import { TokenBucket } from './TokenBucket.js';
import { addressKey } from '../security/RateLimiter.js';
import { MEDIA_TYPES, type MediaHandler, type MediaMsg } from './MediaHandler.js';
import { E2EE_TYPES, type E2eeHandler, type E2eeMsg } from './E2eeHandler.js';
import type { ChatHandler } from './ChatHandler.js';
import { RECORDING_TYPES, type RecordingHandler, type RecordingMsg } from './RecordingHandler.js';

export interface Handlers {
  host: HostActionHandler;
  media: MediaHandler;
  e2ee: E2eeHandler;
  chat: ChatHandler;
  recording: RecordingHandler;
}

/** Messages of an admitted participant that may exceed the small size limit (SDP, MLS). */
const LARGE_TYPES: ReadonlySet<string> = new Set([...MEDIA_TYPES, 'mlsKeyPackage', 'mlsCommit', 'chat']);

/** Rejections audited per connection; the rest are counted and summed up at close. */
const AUDITED_REJECTIONS = 20;
/** A connection that keeps flooding after being told is closed. */
const DROPS_BEFORE_CLOSE = 200;

/**
 * One WebSocket. Parses and validates every frame, checks it against the state of this
 * connection (joined or not) and hands it to the hub, one message at a time in arrival order.
 */
export class Session implements Peer {
  private seat: Seat | null = null;
  private joining = false;
  private ended = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly bucket = new TokenBucket(LIMITS.signalingRatePerSecond, LIMITS.signalingBurst);
  private rejections = 0;
  private drops = 0;
  private unjoinedTimer: NodeJS.Timeout | null;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: ConnectionContext,
    private readonly hub: MeetingHub,
    private readonly handlers: Handlers,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    /** A socket that has not joined a meeting by then is closed: it holds a connection slot of its address. */
    private readonly unjoinedMs: number,
  ) {
    this.unjoinedTimer = setTimeout(() => this.unjoinedTimeout(), unjoinedMs).unref();
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', () => this.closed());
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
  }

  send(msg: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  end(code: 'DENIED' | 'REMOVED' | 'MEETING_ENDED' | 'REPLACED'): void {
    if (this.ended) return;
    this.ended = true;
    this.seat = null;
    this.send({ type: 'ended', code, message: ERROR_MESSAGES[code] });
    this.socket.close(CloseCode.ENDED, code);
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (!this.bucket.take()) {
      if (++this.drops > DROPS_BEFORE_CLOSE) {
        this.socket.close(CloseCode.POLICY, 'rate limit');
        return;
      }
      if (this.drops === 1 || this.drops % 50 === 0) this.reject(undefined, ErrorCode.RATE_LIMITED, 'Too many messages; slow down.');
      return;
    }
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (isBinary) return this.reject(undefined, ErrorCode.INVALID_MESSAGE, 'Binary frames are not accepted.');
    // Only an admitted participant's media and MLS messages may exceed the small limit.
    const limit = this.seat ? LIMITS.mediaMessageBytes : LIMITS.signalingMessageBytes;
    if (bytes > limit) {
      return this.reject(undefined, ErrorCode.MESSAGE_TOO_LARGE, `Messages are limited to ${limit} bytes.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch {
      return this.reject(undefined, ErrorCode.INVALID_MESSAGE, 'The message is not JSON.');
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      // Echo the reqId only if it is one a valid message could carry: an answer must itself be a
      // valid ServerMessage, and clients match answers by it (H4; found by the fuzzer).
      const raw = (json as { reqId?: unknown } | null)?.reqId;
      const reqId = typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 2 ** 31 ? raw : undefined;
      // Name the fields at fault, never echo their values.
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'message'}: ${i.message}`)
        .join('; ');
      return this.reject(reqId, ErrorCode.INVALID_MESSAGE, `Invalid message (${where}).`);
    }
    const msg = parsed.data;
    if (bytes > LIMITS.signalingMessageBytes && !LARGE_TYPES.has(msg.type)) {
      return this.reject(msg.reqId, ErrorCode.MESSAGE_TOO_LARGE, `Messages are limited to ${LIMITS.signalingMessageBytes} bytes.`);
    }
    this.chain = this.chain.then(() => this.handle(msg)).catch((err: unknown) => this.fail(msg.reqId, err));
  }

  private async handle(msg: ClientMessage): Promise<void> {
    if (this.ended) return;
    switch (msg.type) {
      case 'ping':
        return this.send({ type: 'pong', reqId: msg.reqId });
      case 'join':
      case 'resume': {
        if (this.seat || this.joining) throw new MeetingError(ErrorCode.ALREADY_JOINED);
        this.joining = true;
        try {
          this.seat = msg.type === 'join' ? await this.hub.join(this, this.ctx, msg) : await this.hub.resume(this, this.ctx, msg);
          this.clearUnjoinedTimer();
        } finally {
          this.joining = false;
        }
        return;
      }
      case 'leave': {
        const seat = this.requireSeat();
        this.seat = null;
        this.ended = true;
        await this.hub.leave(seat, 'left');
        this.send({ type: 'ok', reqId: msg.reqId });
        this.socket.close(1000, 'left');
        return;
      }
      default: {
        const seat = this.requireSeat();
        if (MEDIA_TYPES.has(msg.type)) return this.handlers.media.handle(seat, this, msg as MediaMsg);
        if (E2EE_TYPES.has(msg.type)) await this.handlers.e2ee.handle(seat, msg as E2eeMsg);
        else if (msg.type === 'chat') this.handlers.chat.handle(seat, msg);
        // Either side of a check, the newcomer still waiting included (B7).
        else if (msg.type === 'checkKey') this.hub.liveOf(seat).checks.relayKey(seat.participantId, msg.publicKey);
        else if (RECORDING_TYPES.has(msg.type)) await this.handlers.recording.handle(seat, msg as RecordingMsg);
        else await this.handlers.host.handle(seat, msg as HostActionMsg);
        this.send({ type: 'ok', reqId: msg.reqId });
      }
    }
  }

  private requireSeat(): Seat {
    if (!this.seat) throw new MeetingError(ErrorCode.NOT_JOINED);
    return this.seat;
  }

  private fail(reqId: number | undefined, err: unknown): void {
    if (err instanceof KaigiError) {
      const retryAfterMs = err.retryAfterMs;
      // Password failures are audited by the hub already.
      const audited = err.code !== ErrorCode.WRONG_PASSWORD && err.code !== ErrorCode.INVALID_RESUME && err.code !== ErrorCode.RATE_LIMITED && err.code !== ErrorCode.BANNED && err.code !== ErrorCode.LOCKED;
      this.reject(reqId, err.code, err.message, retryAfterMs, audited);
      return;
    }
    this.log.error({ err }, 'signalling handler failed');
    this.reject(reqId, ErrorCode.INTERNAL, ERROR_MESSAGES.INTERNAL, undefined, false);
  }

  private reject(reqId: number | undefined, code: ErrorCode, message: string, retryAfterMs?: number, audited = true): void {
    this.send({ type: 'error', reqId, code, message, ...(retryAfterMs !== undefined && { retryAfterMs: Math.ceil(retryAfterMs) }) });
    if (!audited) return;
    this.rejections++;
    if (this.rejections > AUDITED_REJECTIONS) return;
    const kind = code === ErrorCode.FORBIDDEN || code === ErrorCode.NOT_ADMITTED ? AuditKind.ACCESS_DENIED : AuditKind.MESSAGE_REJECTED;
    const data = { code, address: this.ctx.ip };
    // Outside a meeting, one connection after another from one address are summed (H2).
    const written = this.seat
      ? this.audit.append({ kind, actor: this.seat.participantId, meetingId: this.seat.meetingId, data })
      : this.hub.refused({ kind, source: addressKey(this.ctx.ip), actor: `address:${this.ctx.ip}`, meetingId: null, data });
    void written.catch((err: unknown) => this.log.error({ err }, 'audit append failed'));
  }

  /** Still not in a meeting: closed, unless a join is being decided (then it gets its answer first). */
  private unjoinedTimeout(): void {
    this.unjoinedTimer = null;
    if (this.seat || this.ended) return;
    if (this.joining) {
      this.unjoinedTimer = setTimeout(() => this.unjoinedTimeout(), this.unjoinedMs).unref();
      return;
    }
    this.ended = true;
    this.socket.close(CloseCode.POLICY, 'join timeout');
  }

  private clearUnjoinedTimer(): void {
    if (this.unjoinedTimer) clearTimeout(this.unjoinedTimer);
    this.unjoinedTimer = null;
  }

  private closed(): void {
    this.clearUnjoinedTimer();
    if (this.rejections > AUDITED_REJECTIONS) {
      void this.audit
        .append({
          kind: AuditKind.MESSAGE_REJECTED,
          actor: `address:${this.ctx.ip}`,
          meetingId: this.seat?.meetingId ?? null,
          data: { suppressed: this.rejections - AUDITED_REJECTIONS },
        })
        .catch(() => undefined);
    }
    const seat = this.seat;
    this.seat = null;
    this.ended = true;
    if (seat) this.hub.disconnected(seat, this);
  }
}
