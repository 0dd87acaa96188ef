import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AuditKind,
  ErrorCode,
  MeetingId,
  RegisterRequest,
  RegistrationId,
  registrationJoinUrl,
  type RegisterResponse,
  type RegistrationList,
  type RegistrationResource,
} from '@kaigi/protocol';
import type { Services } from '../services.js';
import { canApprove } from '../meeting/EntryRules.js';
import { RateLimiter } from '../security/RateLimiter.js';
import type { RegistrationRecord } from '../storage/RegistrationStore.js';
import { currentUser, requireUser } from './auth.js';
import { KaigiError } from '../errors.js';
import { ownedMeeting } from './guards.js';
import { sameOrigin } from './origin.js';
import { parseBody } from './validate.js';

/** Registrations one address may send before it must wait (then the wait doubles each time). */
const FREE_REGISTRATIONS_PER_ADDRESS = 10;

type RegReq = FastifyRequest<{ Params: { id: string; rid: string } }>;

/**
 * Pre-registration (B3). The public form posts here and always gets the same answer, so that
 * nobody learns whether a meeting exists, takes registrations, or knows an address; only a new
 * registrant of an 'automatic' meeting gets their personal link in it. The host lists, approves
 * and revokes registrants; a revoked registrant is taken out of the meeting at once.
 */
export function registrationRoutes(app: FastifyInstance, services: Services): void {
  const { meetings, config, audit, rooms } = services;
  const store = services.registrations;
  const limiter = new RateLimiter({ freeFailures: FREE_REGISTRATIONS_PER_ADDRESS });
  setInterval(() => limiter.sweep(), 60_000).unref();
  const guard = { preHandler: requireUser(services) };

  const resource = async (r: RegistrationRecord): Promise<RegistrationResource> => {
    const token = r.status === 'approved' ? await store.token(r.meetingId, r.id) : null;
    return {
      id: r.id,
      name: r.name,
      email: r.email,
      status: r.status,
      createdAt: r.createdAt,
      approvedAt: r.approvedAt,
      revokedAt: r.revokedAt,
      lastUsedAt: r.lastUsedAt,
      uses: r.uses,
      joinUrl: token && registrationJoinUrl(config.publicUrl, r.meetingId, token),
    };
  };

  /** A registration of the caller's own meeting, or 404. */
  const owned = async (req: RegReq): Promise<RegistrationRecord> => {
    const m = await ownedMeeting(services, req);
    const rid = RegistrationId.safeParse(req.params.rid);
    const r = rid.success ? await store.get(m.id, rid.data) : undefined;
    if (!r) throw new KaigiError(ErrorCode.NOT_FOUND, 'No such registration.');
    return r;
  };

  app.post<{ Params: { id: string } }>('/api/meetings/:id/registrations', async (req, reply): Promise<RegisterResponse> => {
    if (!sameOrigin(req, config.publicUrl)) throw new KaigiError(ErrorCode.CSRF, 'Cross-origin registration is refused.');
    const key = `ip:${req.ip}`;
    // Every attempt counts, whatever comes of it, from the moment it is allowed (B1): the form
    // cannot be used to fill a meeting's list, in a row or in parallel.
    const limit = limiter.attempt(key);
    if (!limit.allowed) throw new KaigiError(ErrorCode.RATE_LIMITED, { retryAfterMs: Math.ceil(limit.retryAfterMs) });
    const body = parseBody(RegisterRequest, req.body);
    reply.code(202);
    const id = MeetingId.safeParse(req.params.id);
    const m = id.success ? await meetings.get(id.data) : undefined;
    const mode = m?.rules.registration ?? 'off';
    if (!m || mode === 'off') return { received: true };
    const created = await store.create(m.id, body.name, body.email, mode === 'automatic');
    if (!created) {
      // A removed registrant trying again under a new registration (B3): refused, and the host can see it.
      if (await store.emailBanned(m.id, body.email)) {
        await audit.append({ kind: AuditKind.REGISTRATION_REFUSED, actor: `address:${req.ip}`, meetingId: m.id, data: { reason: ErrorCode.BANNED } });
      }
      return { received: true };
    }
    await audit.append({
      kind: AuditKind.REGISTERED,
      actor: `address:${req.ip}`,
      meetingId: m.id,
      data: { registrationId: created.record.id, status: created.record.status },
    });
    return created.token ? { received: true, joinUrl: registrationJoinUrl(config.publicUrl, m.id, created.token) } : { received: true };
  });

  app.get<{ Params: { id: string } }>('/api/meetings/:id/registrations', guard, async (req): Promise<RegistrationList> => {
    const m = await ownedMeeting(services, req);
    const list = await store.list(m.id);
    return { registrations: await Promise.all(list.map(resource)) };
  });

  app.post<{ Params: { id: string; rid: string } }>('/api/meetings/:id/registrations/:rid/approve', guard, async (req): Promise<RegistrationResource> => {
    const user = await currentUser(services, req);
    const r = await owned(req);
    if (!canApprove(r.status)) throw new KaigiError(ErrorCode.REGISTRATION_REVOKED, 'This registration was revoked; its person can register again only under another address.');
    const after = (await store.approve(r.meetingId, r.id)) ?? r;
    if (r.status !== 'approved') {
      await audit.append({ kind: AuditKind.REGISTRATION_APPROVED, actor: user.id, meetingId: r.meetingId, data: { registrationId: r.id } });
    }
    return resource(after);
  });

  app.post<{ Params: { id: string; rid: string } }>('/api/meetings/:id/registrations/:rid/revoke', guard, async (req): Promise<RegistrationResource> => {
    const user = await currentUser(services, req);
    const r = await owned(req);
    const after = (await store.revoke(r.meetingId, r.id)) ?? r;
    // Whoever is in with this link is out at once (not banned: the link is what stops working).
    const removed = await rooms.revokeRegistration(r.meetingId, r.id, user.id);
    if (r.status !== 'revoked') {
      await audit.append({ kind: AuditKind.REGISTRATION_REVOKED, actor: user.id, meetingId: r.meetingId, data: { registrationId: r.id, removed } });
    }
    return resource(after);
  });
}
