import type { ErrorCode } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';

/** A refusal by the domain, carrying the stable code the client shows. Being folded into KaigiError (issue 14). */
export class MeetingError extends KaigiError {
  constructor(code: ErrorCode, message?: string) {
    super(code, message !== undefined ? { message } : {});
    this.name = 'MeetingError';
  }
}
