import { ERROR_MESSAGES, type ErrorCode } from '@kaigi/protocol';

export interface KaigiErrorOptions {
  /** Fit to show to the person; defaults to the code's message from the protocol. */
  message?: string;
  /** How long to wait before trying again (rate limits). */
  retryAfterMs?: number;
  /** Structured detail the client may show (e.g. which fields were wrong); never secrets. */
  details?: unknown;
  cause?: unknown;
}

/**
 * The server's one error (design-review §3.5): a stable code from the protocol, a message fit to
 * show, and optionally when to retry. The domain, policy and runtime throw codes; only the HTTP
 * layer maps a code to a status, and only the signalling connection decides what a code does to
 * the socket (see the tables below).
 */
export class KaigiError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, opts: string | KaigiErrorOptions = {}) {
    const o = typeof opts === 'string' ? { message: opts } : opts;
    super(o.message ?? ERROR_MESSAGES[code], o.cause !== undefined ? { cause: o.cause } : undefined);
    this.name = 'KaigiError';
    this.code = code;
    this.retryAfterMs = o.retryAfterMs;
    this.details = o.details;
  }
}

/**
 * Refusals of a WebSocket message that the connection writes to the audit log. The codes left
 * out are audited where they are decided (the admission's password, resume, rate-limit, ban and
 * lock refusals), so that one refusal is one entry (H2).
 */
export function auditedByConnection(code: ErrorCode): boolean {
  return !(['WRONG_PASSWORD', 'INVALID_RESUME', 'RATE_LIMITED', 'BANNED', 'LOCKED'] as const).some((c) => c === code);
}
