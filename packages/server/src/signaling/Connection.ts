import type { WebSocket, RawData } from 'ws';
import {
  AuditKind,
  ClientMessage,
  CloseCode,
  ERROR_MESSAGES,
  ErrorCode,
  LIMITS,
  type ClientMessageType,
  type ServerMessage,
} from '@kaigi/protocol';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AuditLog } from '../audit/AuditLog.js';
import { auditedByConnection, KaigiError } from '../errors.js';
import type { Participant } from '../meeting/Participant.js';
import type { Admission } from '../rooms/Admission.js';
import type { ConnectionContext, EndCode, Peer } from '../rooms/Peer.js';
import type { Room, SeatHandle } from '../rooms/Room.js';
import { addressKey } from '../security/RateLimiter.js';
import type { Call, Door, HandlerDeps, MessageOf, RouteTable, SeatedWhen } from './Route.js';
import { ROUTES } from './routes.js';
import { TokenBucket } from './TokenBucket.js';

/** The table, typed per message type, so that a message and its route are checked together. */
const TABLE: RouteTable = ROUTES;

/** Rejections audited per connection; the rest are counted and summed up at close. */
const AUDITED_REJECTIONS = 20;
/** A connection that keeps flooding after being told is closed. */
const DROPS_BEFORE_CLOSE = 200;

/**
 * One WebSocket. Parses and validates every frame, looks up its route (signaling/routes.ts),
 * checks the route's `when` against this connection's seat, and runs it, one message at a time
 * in arrival order.
 */
export class Connection implements Peer, Call, Door {
  private seat: SeatHandle | null = null;
  private joining = false;
  private ended = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly bucket = new TokenBucket(LIMITS.signalingRatePerSecond, LIMITS.signalingBurst);
  private rejections = 0;
  private drops = 0;
  private unjoinedTimer: NodeJS.Timeout | null;

  constructor(
    private readonly socket: WebSocket,
    readonly ctx: ConnectionContext,
    readonly admission: Admission,
    readonly deps: HandlerDeps,
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

  get peer(): Peer {
    return this;
  }

  send(msg: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  reply(msg: ServerMessage): void {
    this.send(msg);
  }

  leaving(): void {
    this.seat = null;
    this.ended = true;
  }

  hangUp(reason: string): void {
    this.socket.close(1000, reason);
  }

  end(code: EndCode): void {
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
    if (bytes > LIMITS.signalingMessageBytes && !large(msg.type)) {
      return this.reject(msg.reqId, ErrorCode.MESSAGE_TOO_LARGE, `Messages are limited to ${LIMITS.signalingMessageBytes} bytes.`);
    }
    this.chain = this.chain.then(() => this.handle(msg)).catch((err: unknown) => this.fail(msg.reqId, err));
  }

  private async handle(msg: ClientMessage): Promise<void> {
    if (this.ended) return;
    return this.route(msg.type, msg);
  }

  /** Runs the message's route where its `when` allows it; the route and the message are typed together. */
  private async route<T extends ClientMessageType>(type: T, msg: MessageOf<T>): Promise<void> {
    const route = TABLE[type];
    switch (route.when) {
      case 'any':
        return route.run(msg, this);
      case 'outside':
        return this.enter(() => route.run(msg, this));
      default: {
        const { room, me } = this.seated(route.when);
        await route.run(room, me, msg, this);
        if (!route.answersItself) this.send({ type: 'ok', reqId: msg.reqId });
      }
    }
  }

  /** Join or resume: one at a time, and never twice. */
  private async enter(admit: () => Promise<SeatHandle>): Promise<void> {
    if (this.seat || this.joining) throw new KaigiError(ErrorCode.ALREADY_JOINED);
    this.joining = true;
    try {
      this.seat = await admit();
      this.clearUnjoinedTimer();
    } finally {
      this.joining = false;
    }
  }

  /** The room and participant of this connection, resolved once, in the state the route needs. */
  private seated(when: SeatedWhen): { room: Room; me: Participant } {
    const room = this.seat?.room;
    const me = this.seat && !this.seat.room.closed ? this.seat.room.meeting.get(this.seat.participantId) : undefined;
    if (!room || !me) throw new KaigiError(ErrorCode.NOT_JOINED);
    switch (when) {
      case 'joined':
        return { room, me };
      case 'admitted':
        if (me.state !== 'admitted') throw new KaigiError(ErrorCode.NOT_ADMITTED);
        return { room, me };
      case 'admittedOrChecked':
        // A newcomer in the waiting room sends and receives media only while a verifier checks them (B7).
        if (me.state !== 'admitted' && room.checks.of(me.id) === undefined) throw new KaigiError(ErrorCode.NOT_ADMITTED);
        return { room, me };
    }
  }

  private fail(reqId: number | undefined, err: unknown): void {
    if (err instanceof KaigiError) {
      // Refusals decided (and audited) by Admission are not audited again here.
      this.reject(reqId, err.code, err.message, err.retryAfterMs, auditedByConnection(err.code));
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
      ? this.audit.append({ kind, actor: this.seat.participantId, meetingId: this.seat.room.meeting.id, data })
      : this.admission.refused({ kind, source: addressKey(this.ctx.ip), actor: `address:${this.ctx.ip}`, meetingId: null, data });
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
      this.audit.record({
          kind: AuditKind.MESSAGE_REJECTED,
          actor: `address:${this.ctx.ip}`,
          meetingId: this.seat?.room.meeting.id ?? null,
          data: { suppressed: this.rejections - AUDITED_REJECTIONS },
        });
    }
    const seat = this.seat;
    this.seat = null;
    this.ended = true;
    if (seat) seat.room.connectionLost(seat.participantId, this);
  }
}

/** Only a seated connection's media, MLS and chat messages may exceed the small limit. */
function large(type: ClientMessageType): boolean {
  const route = TABLE[type];
  return route.when !== 'any' && route.when !== 'outside' && route.large === true;
}
