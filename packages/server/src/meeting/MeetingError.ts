import { ERROR_MESSAGES, type ErrorCode } from '@kaigi/protocol';

/** A refusal by the domain, carrying the stable code the client shows. */
export class MeetingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_MESSAGES[code],
  ) {
    super(message);
    this.name = 'MeetingError';
  }
}
