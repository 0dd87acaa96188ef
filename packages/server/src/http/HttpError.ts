import type { ErrorCode } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';

/**
 * Left only for signaling/signalingRoute.ts (its two refusals, FORBIDDEN and RATE_LIMITED), which
 * the rooms branch owns; the integrator deletes this file when that branch throws KaigiError.
 * The status is no longer read: the HTTP layer answers every KaigiError with its code's status
 * (errors.ts), the same 403 and 429 as given here.
 * @deprecated throw KaigiError.
 */
export class HttpError extends KaigiError {
  constructor(_status: number, code: ErrorCode, message?: string) {
    super(code, message !== undefined ? { message } : {});
  }
}
