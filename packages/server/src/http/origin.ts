import type { FastifyRequest } from 'fastify';

/** True when the request carries no Origin (non-browser clients) or our own origin. */
export function sameOrigin(req: FastifyRequest, publicUrl: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === publicUrl || origin === `https://${req.headers.host ?? ''}`;
}
