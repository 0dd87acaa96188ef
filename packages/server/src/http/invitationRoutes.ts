import type { FastifyInstance, FastifyRequest } from 'fastify';
import { compilePolicy, INVITATION_ICS_NAME, InvitationQuery, type Invitation } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { writeInvitation } from '../invitation/InvitationWriter.js';
import { requireUser } from './auth.js';
import { ownedMeeting } from './guards.js';
import { parseBody } from './validate.js';

type Req = FastifyRequest<{ Params: { id: string }; Querystring: unknown }>;

/**
 * Invitations (G1, G2), for the meeting's host only (anyone else gets 404, as for the meeting
 * itself). `?tz=Asia/Tokyo` writes the times in that zone (UTC by default). The answers hold
 * the password (a High meeting's only in `passwordMessage`): never cached, never logged.
 */
export function invitationRoutes(app: FastifyInstance, services: Services): void {
  const { sealer, config, policy } = services;
  const guard = { preHandler: requireUser(services) };

  const invitation = async (req: Req): Promise<Invitation> => {
    const m = await ownedMeeting(services, req);
    const query = parseBody(InvitationQuery, req.query);
    return writeInvitation({
      meetingId: m.id,
      title: m.title,
      password: sealer.unseal(m.passwordSealed, `meeting:${m.id}`),
      window: m.rules.window,
      policy: compilePolicy(m.rules.level, policy),
      publicUrl: config.publicUrl,
      timeZone: query.tz,
    });
  };

  app.get<{ Params: { id: string }; Querystring: unknown }>('/api/meetings/:id/invitation', guard, async (req, reply): Promise<Invitation> => {
    const inv = await invitation(req);
    reply.header('cache-control', 'no-store');
    return inv;
  });

  app.get<{ Params: { id: string }; Querystring: unknown }>('/api/meetings/:id/invitation.ics', guard, async (req, reply) => {
    const inv = await invitation(req);
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${INVITATION_ICS_NAME}"`)
      .header('cache-control', 'no-store')
      .send(inv.ics);
  });
}
