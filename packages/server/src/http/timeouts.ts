import type { ServerOptions } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { HttpTimeouts } from '../config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How long this route waits for a request body (uploads: longer than the JSON routes). */
    bodyTimeoutMs?: number;
  }
}

/**
 * Node's own HTTP timeouts (H4). `requestTimeout` is one server-wide bound on a whole request,
 * so it is the longest one (an upload's); the tighter bound on JSON bodies is bodyDeadlines'.
 * Node checks headers and request times on an interval, by default every 30 s: a shorter one
 * keeps a short headers timeout close to what it says.
 */
export function nodeTimeouts(t: HttpTimeouts): Pick<ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval' | 'keepAliveTimeout'> {
  const requestTimeout = Math.max(t.uploadMs, t.bodyMs, t.headersMs);
  return {
    headersTimeout: t.headersMs,
    requestTimeout,
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(t.headersMs / 4))),
    keepAliveTimeout: t.keepAliveMs,
  };
}

/** The same bounds as Fastify options (Fastify sets them on the server it makes, over Node's). */
export const fastifyTimeouts = (t: HttpTimeouts) => ({
  connectionTimeout: t.idleMs,
  keepAliveTimeout: t.keepAliveMs,
  requestTimeout: nodeTimeouts(t).requestTimeout,
});

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request whose body has not fully arrived when its route's body timeout runs out loses its
 * connection (H4): a client trickling a byte now and then cannot hold a socket and a parser for
 * the whole upload timeout. Bodyless requests (and WebSocket upgrades, which are GETs) are left
 * to the headers timeout.
 */
export function bodyDeadlines(app: FastifyInstance, t: HttpTimeouts): void {
  app.addHook('onRequest', (req, reply, done) => {
    if (BODYLESS.has(req.method) || req.raw.complete) return done();
    const ms = req.routeOptions.config.bodyTimeoutMs ?? t.bodyMs;
    const timer = setTimeout(() => {
      if (!req.raw.complete) req.raw.socket.destroy();
    }, ms).unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
