import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuditKind, compilePolicy, ErrorCode, readRecordingEnvelope, RECORDING_LIMITS, RecordingEnvelopeError, type RecordingUpload } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { currentUser, requireUser } from './auth.js';
import { KaigiError } from '../errors.js';
import { ownedMeeting } from './guards.js';
import type { Uploads } from './uploads.js';

/**
 * Recordings made in the host's browser (A5 in E2EE meetings, D4). The browser encrypts as it
 * records, to the host's own key and, where the organisation set one, its escrow key; the server
 * only checks that what arrives is such an envelope (never a plaintext file), that it names this
 * meeting and the escrow key, and stores it like any object: under its own key, on the data map,
 * purged by retention, deleted with a certificate. The host signs in to upload, so the last part
 * still arrives after the meeting ended.
 */
export function localRecordingRoutes(app: FastifyInstance, services: Services, uploads: Uploads): void {
  const { objects, audit, purger, escrow } = services;
  const signedIn = requireUser(services);
  const guard = { preHandler: signedIn };

  /** The host of an E2EE meeting whose level allows browser recordings, from the headers alone (H4). */
  const recorder = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    await signedIn(req, reply);
    const m = await ownedMeeting(services, req);
    const user = await currentUser(services, req);
    if (!m.e2ee) throw new KaigiError(ErrorCode.E2EE_NOT_ENABLED, 'This meeting is not end-to-end encrypted: use server recording.');
    // The meeting's level now, not when recording started: a raised level refuses the upload.
    if (!compilePolicy(m.rules.level, services.policy).browserRecording) {
      throw new KaigiError(ErrorCode.FORBIDDEN_BY_LEVEL, `${m.rules.level} meetings keep no recordings on the server.`);
    }
    return { m, user };
  };
  const upload = uploads.route<{ id: string }>({
    maxBytes: RECORDING_LIMITS.uploadMax,
    admit: async (req, reply) => {
      const { m, user } = await recorder(req, reply);
      return { meetingId: m.id, owner: user.id };
    },
  });

  app.get<{ Params: { id: string } }>('/api/meetings/:id/recording-keys', guard, async (req) => {
    await ownedMeeting(services, req);
    return { escrow: escrow && { keyId: escrow.keyId, spki: escrow.spki.toString('base64url') } };
  });

  uploads.scope(app, (scope) => scope.post<{ Params: { id: string } }>(
    '/api/meetings/:id/recordings',
    upload,
    async (req, reply): Promise<RecordingUpload> => {
      const { m, user } = await recorder(req, reply);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new KaigiError(ErrorCode.VALIDATION, 'Send the recording as application/octet-stream.');
      let header;
      try {
        header = readRecordingEnvelope(req.body).header;
      } catch (e) {
        if (!(e instanceof RecordingEnvelopeError)) throw e;
        throw new KaigiError(ErrorCode.VALIDATION, `Not an encrypted recording: ${e.message}.`);
      }
      if (header.meetingId !== m.id) throw new KaigiError(ErrorCode.VALIDATION, 'The recording names another meeting.');
      if (escrow && !header.recipients.some((r) => r.role === 'escrow' && r.keyId === escrow.keyId)) {
        throw new KaigiError(ErrorCode.RECORDING_ESCROW_MISSING);
      }
      // A name made of the envelope's clear header (start time, part), not anything a person wrote:
      // it goes back to the uploader and into the audit, but an e2ee object keeps no name (D2).
      const stamp = header.startedAt.replace(/[:.]/g, '-');
      const name = `recording-${stamp}-part${header.part}.webm.kgrec`;
      const o = await objects.put({ meetingId: m.id, kind: 'recording', name: null, createdBy: user.id, purgeAt: null, protection: 'e2ee' }, req.body);
      await audit.append({
        kind: AuditKind.OBJECT_STORED,
        actor: user.id,
        meetingId: m.id,
        data: {
          objectId: o.id,
          kind: 'recording',
          name,
          size: o.size,
          protection: 'e2ee',
          mode: 'local',
          part: header.part,
          recipients: header.recipients.map((r) => ({ role: r.role, keyId: r.keyId })),
        },
      });
      await purger.placed(o);
      reply.code(201);
      return { id: o.id, name, size: o.size, part: header.part };
    },
  ));
}
