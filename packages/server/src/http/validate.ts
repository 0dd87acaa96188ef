import type { z } from 'zod';
import { ErrorCode } from '@kaigi/protocol';
import { HttpError } from './HttpError.js';

/** Parses a request body at the boundary; the error names fields, never echoes values. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw new HttpError(400, ErrorCode.VALIDATION, 'The request is not valid.', {
    details: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}
