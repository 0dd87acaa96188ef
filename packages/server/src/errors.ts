import { ERROR_MESSAGES, type ErrorCode } from '@kaigi/protocol';

export interface KaigiErrorOptions {
  /** Fit to show to the person; defaults to the code's message from the protocol. */
  message?: string;
  /** How long to wait before trying again (rate limits). */
  retryAfterMs?: number;
  /** Structured detail the client may show (e.g. which fields were wrong); never secrets. */
  details?: unknown;
  /**
   * The requested setting this refuses (a field of the request, e.g. `retention.chat`), when the
   * refusal is of a value asked for rather than of an action: the HTTP layer answers such a
   * refusal with the code's `httpSetting` status where it has one (see ERROR_RULES). Never sent.
   */
  setting?: string;
  cause?: unknown;
}

/**
 * The server's one error (design-review §3.5): a stable code from the protocol, a message fit to
 * show, and optionally when to retry. The domain, policy and runtime throw codes; only the HTTP
 * layer maps a code to a status, and only the signalling connection decides what a code does to
 * the socket, both from the table below.
 */
export class KaigiError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;
  readonly setting: string | undefined;

  constructor(code: ErrorCode, opts: string | KaigiErrorOptions = {}) {
    const o = typeof opts === 'string' ? { message: opts } : opts;
    super(o.message ?? ERROR_MESSAGES[code], o.cause !== undefined ? { cause: o.cause } : undefined);
    this.name = 'KaigiError';
    this.code = code;
    this.retryAfterMs = o.retryAfterMs;
    this.details = o.details;
    this.setting = o.setting;
  }
}

/** What one error code means at each boundary. */
export interface ErrorRule {
  /** The HTTP status a route answers the code with (http/app.ts). 5xx bodies other than a code's own are hidden. */
  readonly http: number;
  /**
   * The status when the code refuses a requested setting (KaigiError.setting) rather than an
   * action. Only FORBIDDEN_BY_LEVEL has one: an upload the level forbids is 403, a meeting
   * setting it forbids is 422, and both are what clients and the API document were promised (F1).
   */
  readonly httpSetting?: number;
  /**
   * Over signalling: `refuse` answers the request with an `error` and keeps the socket; `end`
   * tells the person with an `ended` message and closes the socket (CloseCode.ENDED).
   */
  readonly ws: 'refuse' | 'end';
  /**
   * The connection writes a refusal with this code to the audit log. False where the refusal is
   * audited where it is decided (the admission's password, resume, rate-limit, ban and lock
   * refusals), so that one refusal is one entry (H2).
   */
  readonly audited: boolean;
}

const refuse = (http: number) => ({ http, ws: 'refuse', audited: true }) as const;
/** Audited where decided, not again by the connection (H2). */
const refuseAuditedAtDecision = (http: number) => ({ http, ws: 'refuse', audited: false }) as const;
const end = (http: number) => ({ http, ws: 'end', audited: true }) as const;

/**
 * Every error code, its HTTP status and what it does to a WebSocket. The statuses of codes that
 * routes throw are the ones the e2e tests and http/openapi.ts promise; the others (codes only
 * signalling sends today) are the closest HTTP meaning, for when a route comes to need them.
 */
export const ERROR_RULES = {
  INVALID_MESSAGE: refuse(400),
  MESSAGE_TOO_LARGE: refuse(413),
  RATE_LIMITED: refuseAuditedAtDecision(429),
  WRONG_PASSWORD: refuseAuditedAtDecision(403),
  BANNED: refuseAuditedAtDecision(403),
  LOCKED: refuseAuditedAtDecision(403),
  DENIED: end(403),
  REMOVED: end(403),
  MEETING_ENDED: end(410),
  NOT_JOINED: refuse(409),
  ALREADY_JOINED: refuse(409),
  NOT_ADMITTED: refuse(403),
  FORBIDDEN: refuse(403),
  UNKNOWN_PARTICIPANT: refuse(404),
  INVALID_RESUME: refuseAuditedAtDecision(403),
  REPLACED: end(409),
  UNAUTHENTICATED: refuse(401),
  INVALID_CREDENTIALS: refuse(401),
  CSRF: refuse(403),
  NOT_FOUND: refuse(404),
  VALIDATION: refuse(400),
  INTERNAL: refuse(500),
  E2EE_UNSUPPORTED: refuse(400),
  E2EE_PLAINTEXT_REFUSED: refuse(400),
  E2EE_NOT_ENABLED: refuse(400),
  MLS_EPOCH_MISMATCH: refuse(409),
  CHAT_DISABLED: refuse(403),
  MEETING_IN_PROGRESS: refuse(409),
  RECORDING_UNAVAILABLE: refuse(409),
  FILES_DISABLED: refuse(403),
  FILE_TOO_LARGE: refuse(413),
  RECORDING_ESCROW_MISSING: refuse(400),
  RETENTION_TOO_LONG: refuse(422),
  FORBIDDEN_BY_LEVEL: { ...refuse(403), httpSetting: 422 },
  LEVEL_NOT_ALLOWED: refuse(422),
  LEVEL_CANNOT_BE_LOWERED: refuse(409),
  E2EE_REQUIRED: refuse(422),
  HOST_NOT_PRESENT: refuse(409),
  OUTSIDE_TIME_WINDOW: refuse(403),
  NAME_NOT_ALLOWED: refuse(422),
  CHECK_REQUIRED: refuse(422),
  REGION_NOT_ALLOWED: refuse(422),
  PASSWORD_TOO_SHORT: refuse(422),
  TWO_FACTOR_REQUIRED: refuse(403),
  MEMBERS_ONLY: refuse(403),
  REGISTRATION_REQUIRED: refuse(403),
  REGISTRATION_REVOKED: refuse(409),
  // 507 Insufficient Storage: the request is fine, the room is gone (E1). Shown, not hidden.
  QUOTA_EXCEEDED: refuse(507),
  CANNOT_ACT_ON_PARTICIPANT: refuse(403),
  WAITING_ROOM_FULL: refuse(429),
  TOO_MANY_WAITING: refuse(429),
  UNSUPPORTED_MEDIA_TYPE: refuse(415),
  LENGTH_REQUIRED: refuse(411),
  WRONG_CODE: refuse(400),
  SECOND_FACTOR_MISSING: refuse(409),
  PASSKEY_IN_USE: refuse(409),
} as const satisfies Record<ErrorCode, ErrorRule>;

/** The codes that end a signalling session rather than refuse one request (Peer.end). */
export type SessionEndCode = { [K in ErrorCode]: (typeof ERROR_RULES)[K]['ws'] extends 'end' ? K : never }[ErrorCode];

/** The HTTP status of an error: its code's, or `httpSetting` when it refuses a requested setting. */
export function httpStatus(err: KaigiError): number {
  const rule: ErrorRule = ERROR_RULES[err.code];
  return err.setting !== undefined && rule.httpSetting !== undefined ? rule.httpSetting : rule.http;
}

/**
 * Refusals of a WebSocket message that the connection writes to the audit log. The codes left
 * out are audited where they are decided (the admission's password, resume, rate-limit, ban and
 * lock refusals), so that one refusal is one entry (H2).
 */
export function auditedByConnection(code: ErrorCode): boolean {
  return ERROR_RULES[code].audited;
}

/** Whether a code ends the signalling session (an `ended` message, then the socket closes). */
export function endsSession(code: ErrorCode): code is SessionEndCode {
  return ERROR_RULES[code].ws === 'end';
}
