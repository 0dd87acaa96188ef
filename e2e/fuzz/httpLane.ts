import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { checkHttpAnswer, short, type Failure } from './checks.js';
import { ROUTES, encodeBody, requestSpec, type RequestSpec } from './httpBodies.js';
import type { InProcessServer } from './server.js';

// The HTTP lane: requests through Fastify's inject, the whole request pipeline (content-type
// parsers, body limit, hooks, routes, error handler) without sockets, so that bodies are cheap
// and many. The source address varies over 256 values, as the guess limiters key on it.

export interface HttpLaneContext {
  server: InProcessServer;
  take(n: number): number;
  fail(f: Failure): void;
}

const BATCH = 16;

function pathOf(spec: RequestSpec, server: InProcessServer, seed: number): string {
  const route = ROUTES[spec.route];
  if (!route) return '/api/health';
  const m = server.httpMeetings[seed % server.httpMeetings.length];
  const odd = ['0000000000000000', 'ZZZZ', '..%2f..%2fetc', '%00', 'a'.repeat(300), '%E2%80%AE%ED%A0%80'][seed % 6] ?? 'x';
  return route.path.replace(':m', m?.id ?? 'x').replace(':x', odd);
}

function headersOf(spec: RequestSpec, server: InProcessServer, contentType: string | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  if (contentType) h['content-type'] = contentType;
  if (spec.caller === 'bearer') h.authorization = `Bearer ${server.token}`;
  if (spec.caller === 'badBearer') h.authorization = 'Bearer kaigi_not-a-token';
  if (spec.caller === 'cookieNoCsrf') h.cookie = server.cookie;
  return h;
}

async function one(app: FastifyInstance, ctx: HttpLaneContext, spec: RequestSpec, seed: number): Promise<void> {
  const route = ROUTES[spec.route];
  const { payload, contentType } = encodeBody(spec);
  const url = pathOf(spec, ctx.server, seed);
  const res = await app.inject({
    method: route?.method ?? 'GET',
    url,
    headers: headersOf(spec, ctx.server, contentType),
    remoteAddress: `127.2.0.${spec.address}`,
    ...(payload !== undefined && { payload }),
  });
  const ct = res.headers['content-type'];
  const problem = checkHttpAnswer(res.statusCode, res.rawPayload, typeof ct === 'string' ? ct : undefined, route?.binary);
  if (problem) {
    ctx.fail({
      where: 'http',
      problem,
      input: `seed ${seed}: ${route?.method ?? 'GET'} ${url} caller=${spec.caller} content-type=${contentType ?? 'none'} body=${short(payload ?? '', 300)}`,
      answer: `${res.statusCode} ${short(res.body, 400)}`,
    });
  }
}

/** Requests until the budget is spent, a few at a time so that the event loop interleaves. */
export async function runHttpLane(ctx: HttpLaneContext, seeds: () => number): Promise<void> {
  for (;;) {
    const n = ctx.take(BATCH);
    if (n === 0) return;
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const seed = seeds();
      const [spec] = fc.sample(requestSpec, { numRuns: 1, seed });
      if (spec) jobs.push(one(ctx.server.app, ctx, spec, seed));
    }
    await Promise.all(jobs);
  }
}
