import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { ERROR_MESSAGES, ErrorCode, LIMITS, type ErrorBody } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { newSecret } from '../security/random.js';
import { signalingRoute } from '../signaling/signalingRoute.js';
import { authRoutes } from './authRoutes.js';
import { oidcRoutes } from './oidcRoutes.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, isDeviceValue, secureCookie } from './cookies.js';
import { HttpError } from './HttpError.js';
import { meetingRoutes } from './meetingRoutes.js';
import { meetingDataRoutes } from './meetingDataRoutes.js';
import { localRecordingRoutes } from './localRecordingRoutes.js';
import { reportRoutes } from './reportRoutes.js';
import { invitationRoutes } from './invitationRoutes.js';
import { registrationRoutes } from './registrationRoutes.js';
import { openApiDocument } from './openapi.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { tlsOptions } from './tls.js';

export interface AppOptions {
  cert: string;
  key: string;
}

// Keys, passwords, tokens and cookies never reach the log.
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

export async function buildApp(services: Services, opts: AppOptions): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    https: tlsOptions(opts.cert, opts.key),
    logger: { level: config.logLevel, redact: REDACT },
    bodyLimit: LIMITS.httpBodyBytes,
    trustProxy: false,
    // Malformed URLs (bad percent-encoding, an over-long path parameter) are refused before any
    // route: with a known error code and the security headers, never echoing the path (H4; found
    // by the fuzzer, which saw Fastify's own FST_ERR_BAD_URL and FST_ERR_MAX_PARAM_LENGTH bodies).
    frameworkErrors: (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      const body: ErrorBody = { code: ErrorCode.VALIDATION, message: ERROR_MESSAGES.VALIDATION };
      return reply.code(err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400).send(body);
    },
  });

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: LIMITS.signalingFrameBytes } });

  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    // Every browser gets a device key the first time it talks to us; bans hold on to it (B6).
    if (!isDeviceValue(req.cookies[DEVICE_COOKIE])) {
      reply.setCookie(DEVICE_COOKIE, newSecret(), secureCookie(DEVICE_COOKIE_MAX_AGE));
    }
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) {
      const body: ErrorBody = { code: err.code, message: err.message, ...err.extra };
      if (err.extra.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(err.extra.retryAfterMs / 1000));
      return reply.code(err.status).send(body);
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ code: ErrorCode.INTERNAL, message: ERROR_MESSAGES.INTERNAL });
    }
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.VALIDATION;
    return reply.code(status).send({ code, message: err.message });
  });

  app.get('/api/health', async () => ({ ok: true, ...services.hub.stats() }));
  app.get('/api/openapi.json', async () => openApiDocument(config.publicUrl));
  authRoutes(app, services);
  oidcRoutes(app, services);
  meetingRoutes(app, services);
  meetingDataRoutes(app, services);
  localRecordingRoutes(app, services);
  reportRoutes(app, services);
  invitationRoutes(app, services);
  registrationRoutes(app, services);
  signalingRoute(app, services);

  const indexFile = path.join(config.clientDir, 'index.html');
  const hasClient = fs.existsSync(indexFile);
  if (hasClient) {
    await app.register(fastifyStatic, { root: config.clientDir, index: false, wildcard: false, cacheControl: false });
  }
  // The browser app answers every page path (single-page app); unknown API paths are JSON 404s.
  app.setNotFoundHandler((req, reply) => {
    if (req.method !== 'GET' || req.url.startsWith('/api/') || req.url === '/ws') {
      return reply.code(404).send({ code: ErrorCode.NOT_FOUND, message: ERROR_MESSAGES.NOT_FOUND });
    }
    if (!hasClient) {
      return reply.code(503).type('text/plain').send('The Kaigi client is not built. Run `npm run build`.');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });

  return app;
}
