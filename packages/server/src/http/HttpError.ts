import type { ErrorCode } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';

/** Being folded into KaigiError (issue 14): only the HTTP layer will know statuses. */
export class HttpError extends KaigiError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message?: string,
    readonly extra: { retryAfterMs?: number; details?: unknown } = {},
  ) {
    super(code, { ...(message !== undefined && { message }), ...extra });
  }
}
