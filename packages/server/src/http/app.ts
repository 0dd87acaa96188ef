import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { ERROR_MESSAGES, ErrorCode, LIMITS, type ErrorBody } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { httpStatus, KaigiError } from '../errors.js';
import { newSecret } from '../security/random.js';
import { signalingRoute } from '../signaling/signalingRoute.js';
import { authRoutes } from './authRoutes.js';
import { oidcRoutes } from './oidcRoutes.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, isDeviceValue, secureCookie } from './cookies.js';
import { meetingRoutes } from './meetingRoutes.js';
import { meetingDataRoutes } from './meetingDataRoutes.js';
import { localRecordingRoutes } from './localRecordingRoutes.js';
import { reportRoutes } from './reportRoutes.js';
import { invitationRoutes } from './invitationRoutes.js';
import { registrationRoutes } from './registrationRoutes.js';
import { openApiDocument } from './openapi.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { tlsOptions } from './tls.js';
import { bodyDeadlines, fastifyTimeouts, nodeTimeouts } from './timeouts.js';
import { Uploads } from './uploads.js';

export interface AppOptions {
  cert: string;
  key: string;
}

// Keys, passwords, tokens and cookies never reach the log.
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

export async function buildApp(services: Services, opts: AppOptions): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    https: { ...tlsOptions(opts.cert, opts.key), ...nodeTimeouts(config.http) },
    ...fastifyTimeouts(config.http),
    logger: { level: config.logLevel, redact: REDACT },
    // JSON bodies are small; the few routes that need more say so, uploads have their own (H4).
    bodyLimit: LIMITS.httpSmallBodyBytes,
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
  // JSON only: a text/plain body would reach the routes as a string (uploads add their own type).
  app.removeContentTypeParser('text/plain');
  bodyDeadlines(app, config.http);

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: LIMITS.signalingFrameBytes } });

  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    // Every browser gets a device key the first time it talks to us; bans hold on to it (B6).
    if (!isDeviceValue(req.cookies[DEVICE_COOKIE])) {
      reply.setCookie(DEVICE_COOKIE, newSecret(), secureCookie(DEVICE_COOKIE_MAX_AGE));
    }
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    // Answered before its body arrived (refused on the headers): close rather than read the rest (H4).
    if (!req.raw.complete) reply.header('connection', 'close');
    return payload;
  });

  app.setErrorHandler((err: FastifyError | KaigiError, req, reply) => {
    if (err instanceof KaigiError) return answerRefusal(err, req, reply);
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ code: ErrorCode.INTERNAL, message: ERROR_MESSAGES.INTERNAL });
    }
    // Fastify's own messages can quote the request (a JSON syntax error quotes the body): fixed texts only (H4).
    const body: ErrorBody =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? { code: ErrorCode.MESSAGE_TOO_LARGE, message: ERROR_MESSAGES.MESSAGE_TOO_LARGE }
        : status === 415
          ? { code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'Send the body as application/json.' }
          : { code: ErrorCode.VALIDATION, message: ERROR_MESSAGES.VALIDATION };
    return reply.code(status).send(body);
  });

  // Liveness only: how many meetings and people are on the server is nobody's business (H1, H4).
  app.get('/api/health', async () => ({ ok: true }));
  app.get('/api/openapi.json', async () => openApiDocument(config.publicUrl));
  authRoutes(app, services);
  oidcRoutes(app, services);
  meetingRoutes(app, services);
  const uploads = new Uploads(services);
  meetingDataRoutes(app, services, uploads);
  localRecordingRoutes(app, services, uploads);
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

/**
 * A refusal thrown by a route, the domain or the policy: the status is its code's (errors.ts),
 * the body its code, message, retry-after and details. INTERNAL is logged and answered with the
 * fixed text, as any other failure (H4).
 */
function answerRefusal(err: KaigiError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.code === ErrorCode.INTERNAL) {
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: ErrorCode.INTERNAL, message: ERROR_MESSAGES.INTERNAL });
  }
  const body: ErrorBody = {
    code: err.code,
    message: err.message,
    ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
    ...(err.details !== undefined && { details: err.details }),
  };
  if (err.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(err.retryAfterMs / 1000));
  return reply.code(httpStatus(err)).send(body);
}
