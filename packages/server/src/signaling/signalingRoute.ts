import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { sha256Hex } from '../security/random.js';
import { cachedAuth, resolveAuth } from '../http/auth.js';
import { DEVICE_COOKIE, isDeviceValue } from '../http/cookies.js';
import { KaigiError } from '../errors.js';
import { sameOrigin } from '../http/origin.js';
import { Connection } from './Connection.js';
import type { HandlerDeps } from './Route.js';

const MAX_CONNECTIONS_PER_ADDRESS = 64;

/** GET /ws: one Connection per WebSocket. Cross-site pages cannot open it (Origin check). */
export function signalingRoute(app: FastifyInstance, services: Services): void {
  const perAddress = new Map<string, number>();
  const deps: HandlerDeps = {
    store: services.meetings,
    audit: services.audit,
    registrations: services.registrations,
    chat: services.chat,
    log: app.log,
  };

  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (req) => {
        if (!sameOrigin(req, services.config.publicUrl)) throw new KaigiError(ErrorCode.FORBIDDEN, 'Cross-origin WebSocket refused.');
        if ((perAddress.get(req.ip) ?? 0) >= MAX_CONNECTIONS_PER_ADDRESS) {
          throw new KaigiError(ErrorCode.RATE_LIMITED, 'Too many connections from this address.');
        }
        await resolveAuth(services, req);
      },
    },
    // Synchronous, so the Connection listens before the first frame can arrive.
    (socket, req) => {
      perAddress.set(req.ip, (perAddress.get(req.ip) ?? 0) + 1);
      socket.on('close', () => {
        const n = (perAddress.get(req.ip) ?? 1) - 1;
        if (n <= 0) perAddress.delete(req.ip);
        else perAddress.set(req.ip, n);
      });
      const auth = cachedAuth(req);
      const device = req.cookies[DEVICE_COOKIE];
      // Without a device cookie (a non-browser client) the connection gets a device of its own.
      const deviceHash = sha256Hex(isDeviceValue(device) ? device : randomBytes(32));
      new Connection(
        socket,
        { ip: req.ip, deviceHash, user: auth ? { id: auth.user.id, username: auth.user.username, twoFactor: auth.twoFactor } : null },
        services.admission,
        deps,
        services.audit,
        req.log,
        services.config.unjoinedSocketSeconds * 1000,
      );
    },
  );
}
