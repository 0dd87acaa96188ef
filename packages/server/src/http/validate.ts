import type { z } from 'zod';
import { ErrorCode } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';

/** At most this many field errors in an answer, each path and message cut short (H4). */
const MAX_DETAILS = 5;
const MAX_TEXT = 120;

/** A JSON object, or a parsed query string (whose prototype is Fastify's own): no array, no bytes. */
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);

const cut = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/**
 * Parses a request body (or query) at the boundary. Anything but a plain object (a Buffer, an
 * array, a string, null) is refused before anything looks inside it; the error names at most a
 * few fields and never echoes values, so its size stays small whatever was sent (H4).
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  // No body at all is an empty object; a JSON null is not.
  const value = body === undefined ? {} : body;
  if (!isPlainObject(value)) throw new KaigiError(ErrorCode.VALIDATION, 'The request body must be a JSON object.');
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new KaigiError(ErrorCode.VALIDATION, {
    message: 'The request is not valid.',
    details: r.error.issues.slice(0, MAX_DETAILS).map((i) => ({ path: cut(i.path.join('.')), message: cut(i.message) })),
  });
}
