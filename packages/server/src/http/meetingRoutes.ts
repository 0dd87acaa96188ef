import type { FastifyInstance } from 'fastify';
import {
  AuditKind,
  CreateMeetingRequest,
  DEFAULT_RETENTION,
  ErrorCode,
  LIMITS,
  UpdateMeetingRequest,
  paths,
  type MeetingList,
  type MeetingResource,
  type OrganisationPolicy,
} from '@kaigi/protocol';
import type { Services } from '../services.js';
import { hashPassword } from '../security/passwords.js';
import { newMeetingId, newMeetingPassword } from '../security/random.js';
import { DEFAULT_STORED_RULES, type MeetingRecord } from '../storage/MeetingStore.js';
import { settleMeeting } from '../policy/meetingSettings.js';
import { currentUser, requireUser, resolveAuth } from './auth.js';
import { hostRefusedForTwoFactor } from '../security/twoFactorPolicy.js';
import { KaigiError } from '../errors.js';
import { ownedMeeting } from './guards.js';
import { parseBody } from './validate.js';

export function meetingRoutes(app: FastifyInstance, services: Services): void {
  const { meetings, sealer, config, rooms, audit, policy } = services;
  const guard = { preHandler: requireUser(services) };
  // Meeting rules carry up to 50 email domains and 50 group names: more than the default JSON limit (H4).
  const rulesBody = { ...guard, bodyLimit: LIMITS.httpBodyBytes };

  const resource = (m: MeetingRecord): MeetingResource => {
    const password = sealer.unseal(m.passwordSealed, `meeting:${m.id}`);
    return {
      id: m.id,
      title: m.title,
      password,
      // The password rides in the fragment, which browsers never send to the server (G1).
      joinUrl: `${config.publicUrl}${paths.join(m.id)}#pwd=${encodeURIComponent(password)}`,
      hostUrl: `${config.publicUrl}${paths.host(m.id)}`,
      locked: m.locked,
      e2ee: m.e2ee,
      retention: m.retention,
      ...m.rules,
      createdAt: m.createdAt,
    };
  };

  // What a host may choose (F2): the form offers the allowed levels and starts at the default.
  app.get('/api/organisation/policy', guard, async (): Promise<OrganisationPolicy> => policy);

  app.get('/api/meetings', guard, async (req): Promise<MeetingList> => {
    const user = await currentUser(services, req);
    return { meetings: (await meetings.listForHost(user.id)).map(resource) };
  });

  app.post('/api/meetings', rulesBody, async (req, reply): Promise<MeetingResource> => {
    const user = await currentUser(services, req);
    // The organisation may require hosts to have signed in with a second factor (B5).
    if (hostRefusedForTwoFactor(policy, (await resolveAuth(services, req))?.twoFactor ?? false)) {
      throw new KaigiError(ErrorCode.TWO_FACTOR_REQUIRED);
    }
    const body = parseBody(CreateMeetingRequest, req.body);
    const id = newMeetingId();
    const level = body.level ?? policy.levels.default;
    const settings = settleMeeting(
      policy,
      config.region,
      // A High meeting is E2EE unless the host explicitly says otherwise (and is then refused).
      { rules: { ...DEFAULT_STORED_RULES, level }, e2ee: level === 'high', retention: DEFAULT_RETENTION },
      body,
      false,
    );
    const password = body.password ?? newMeetingPassword(policy.passwordMinLength);
    const m = await meetings.insert({
      id,
      hostUserId: user.id,
      title: body.title,
      passwordHash: await hashPassword(password),
      passwordSealed: sealer.seal(password, `meeting:${id}`),
      ...settings,
    });
    await audit.append({
      kind: AuditKind.MEETING_CREATED,
      actor: user.id,
      meetingId: id,
      data: { generatedPassword: body.password === undefined, e2ee: m.e2ee, level: m.rules.level },
    });
    reply.code(201);
    return resource(m);
  });

  app.get<{ Params: { id: string } }>('/api/meetings/:id', guard, async (req): Promise<MeetingResource> => {
    return resource(await ownedMeeting(services, req));
  });

  app.patch<{ Params: { id: string } }>('/api/meetings/:id', rulesBody, async (req): Promise<MeetingResource> => {
    const user = await currentUser(services, req);
    const m = await ownedMeeting(services, req);
    const body = parseBody(UpdateMeetingRequest, req.body);
    // Switching E2EE or lowering the level under people in the meeting is refused in here.
    const settings = settleMeeting(policy, config.region, m, body, rooms.isLive(m.id));
    await meetings.update(m.id, {
      ...settings,
      ...(body.title !== undefined && { title: body.title }),
      ...(body.locked !== undefined && { locked: body.locked }),
      ...(body.password !== undefined && {
        passwordHash: await hashPassword(body.password),
        passwordSealed: sealer.seal(body.password, `meeting:${m.id}`),
      }),
    });
    const after = (await meetings.get(m.id)) ?? m;
    // Everyone in the meeting sees at once the new level and whether chat is kept.
    await rooms.update(m.id, {
      ...(body.title !== undefined && { title: body.title }),
      ...(body.locked !== undefined && { locked: body.locked }),
      chatRetentionSeconds: after.retention.chat,
      rules: after.rules,
      actor: user.id,
    });
    await audit.append({
      kind: AuditKind.MEETING_UPDATED,
      actor: user.id,
      meetingId: m.id,
      data: { fields: Object.keys(body) },
    });
    if (body.locked !== undefined && body.locked !== m.locked) {
      await audit.append({ kind: body.locked ? AuditKind.LOCKED : AuditKind.UNLOCKED, actor: user.id, meetingId: m.id, data: { via: 'api' } });
    }
    return resource(after);
  });

  app.delete<{ Params: { id: string } }>('/api/meetings/:id', guard, async (req, reply) => {
    const user = await currentUser(services, req);
    const m = await ownedMeeting(services, req);
    // Everyone in it is told it ended; its recording's last part is stored before the objects go.
    await rooms.closeRoom(m.id, 'deleted');
    // Nothing the meeting stored outlives it: each object is destroyed with a certificate.
    for (const o of await services.objects.list(m.id)) await services.purger.remove(o, user.id, 'meeting deleted');
    await meetings.delete(m.id);
    await audit.append({ kind: AuditKind.MEETING_DELETED, actor: user.id, meetingId: m.id, data: {} });
    return reply.code(204).send();
  });
}
