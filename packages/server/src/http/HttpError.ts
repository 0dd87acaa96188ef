import { ERROR_MESSAGES, type ErrorCode } from '@kaigi/protocol';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string = ERROR_MESSAGES[code],
    readonly extra: { retryAfterMs?: number; details?: unknown } = {},
  ) {
    super(message);
  }
}
