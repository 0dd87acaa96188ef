import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ArchiveError,
  AuditKind,
  DataMap,
  ErrorCode,
  ExportRequest,
  FILE_MAX_BYTES,
  FileName,
  sealArchive,
  toEntryName,
  type FileResource,
} from '@kaigi/protocol';
import type { Services } from '../services.js';
import { contentSize, type StoredObject } from '../storage/ObjectStore.js';
import { currentUser, requireUser } from './auth.js';
import { buildDataMap } from './dataMap.js';
import { ownedMeeting, participantSeat } from './guards.js';
import { KaigiError } from '../errors.js';
import type { Uploads } from './uploads.js';
import { parseBody } from './validate.js';

const NAME_HEADER = 'x-kaigi-file-name';

/**
 * The name of an uploaded file. In an E2EE meeting there must be none: the browser seals the name
 * inside the file and sends it to the group over MLS, and a name in clear here would reach the
 * server (D2). Otherwise it is required, and ObjectStore seals it under the file's key (E3).
 */
function uploadedName(e2ee: boolean, header: string | string[] | undefined): string | null {
  if (e2ee) {
    if (header !== undefined) throw new KaigiError(ErrorCode.E2EE_PLAINTEXT_REFUSED, 'In an end-to-end encrypted meeting the file name travels only inside the encrypted file.');
    return null;
  }
  let raw = '';
  try {
    raw = decodeURIComponent(String(header ?? ''));
  } catch {
    // not percent-encoding: refused below as an empty name
  }
  const name = FileName.safeParse(raw);
  if (!name.success) throw new KaigiError(ErrorCode.VALIDATION, 'The file name is missing or not allowed.');
  return name.data;
}

const toFile = (o: StoredObject): FileResource => ({
  id: o.id,
  name: o.name,
  size: contentSize(o),
  protection: o.protection,
  createdAt: o.createdAt,
  createdBy: o.createdBy,
  purgeAt: o.purgeAt,
});

/** RFC 6266 attachment header that survives any file name. */
const disposition = (name: string) => `attachment; filename="download"; filename*=UTF-8''${encodeURIComponent(name)}`;

/**
 * Meeting data (A4, E1, E3, E5). Participants share and fetch files from inside a meeting,
 * proving their seat with the resume token (header x-kaigi-participant: ID:TOKEN); the host,
 * signed in, sees the data map, downloads or deletes any object (with a certificate) and
 * exports everything as one passphrase-encrypted archive.
 */
export function meetingDataRoutes(app: FastifyInstance, services: Services, uploads: Uploads): void {
  const { objects, rooms, audit, purger } = services;
  const guard = { preHandler: requireUser(services) };

  const own = (req: FastifyRequest<{ Params: { id: string } }>) => ownedMeeting(services, req);
  const seat = (req: FastifyRequest<{ Params: { id: string } }>) => participantSeat(services, req);

  /** A participant who may share a file here now: checked on the headers, before the body (H4). */
  const sharer = (req: FastifyRequest<{ Params: { id: string } }>) => {
    const { room, participantId } = seat(req);
    const m = room.meeting;
    if (!m.policy.fileSharing) throw new KaigiError(ErrorCode.FORBIDDEN_BY_LEVEL, `${m.policy.level} meetings keep no files on the server.`);
    if (!m.canShareFiles(participantId)) throw new KaigiError(ErrorCode.FILES_DISABLED);
    return { m, participantId };
  };

  const objectOf = async (meetingId: string, objectId: string, kind?: StoredObject['kind']): Promise<StoredObject> => {
    const o = await objects.get(objectId);
    if (!o || o.meetingId !== meetingId || (kind && o.kind !== kind)) throw new KaigiError(ErrorCode.NOT_FOUND, 'No such object.');
    return o;
  };

  const send = async (reply: FastifyReply, id: string) => {
    const { object, data } = await objects.read(id);
    return reply
      .header('content-type', 'application/octet-stream')
      // An e2ee object has no name here: its browsers find it inside the decrypted file (D2).
      .header('content-disposition', disposition(object.name ?? `${object.id}${object.protection === 'e2ee' ? '.e2ee' : ''}`))
      .header('cache-control', 'no-store')
      .send(data);
  };

  const broadcastFiles = async (meetingId: string) => {
    const room = rooms.get(meetingId);
    if (!room) return;
    const files = (await objects.list(meetingId)).filter((o) => o.kind === 'file').map(toFile);
    room.toAdmitted({ type: 'files', files });
  };

  const shareFile = uploads.route<{ id: string }>({
    maxBytes: FILE_MAX_BYTES,
    admit: async (req) => {
      const { m, participantId } = sharer(req);
      return { meetingId: m.id, owner: participantId };
    },
  });

  uploads.scope(app, (scope) => scope.post<{ Params: { id: string } }>('/api/meetings/:id/files', shareFile, async (req, reply): Promise<FileResource> => {
    const { m, participantId } = sharer(req);
    const protection = req.headers['x-kaigi-protection'] === 'e2ee' ? 'e2ee' : 'server';
    // In an E2EE meeting the browser encrypts the file; the server never stores one it could read.
    if (m.e2ee !== (protection === 'e2ee')) {
      throw new KaigiError(m.e2ee ? ErrorCode.E2EE_PLAINTEXT_REFUSED : ErrorCode.E2EE_NOT_ENABLED);
    }
    const name = uploadedName(m.e2ee, req.headers[NAME_HEADER]);
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new KaigiError(ErrorCode.VALIDATION, 'Send the file as application/octet-stream.');
    const o = await objects.put({ meetingId: m.id, kind: 'file', name, createdBy: participantId, purgeAt: null, protection }, req.body);
    await audit.append({ kind: AuditKind.OBJECT_STORED, actor: participantId, meetingId: m.id, data: { objectId: o.id, kind: 'file', size: o.size, protection } });
    await broadcastFiles(m.id);
    reply.code(201);
    return toFile(o);
  }));

  app.get<{ Params: { id: string } }>('/api/meetings/:id/files', async (req): Promise<{ files: FileResource[] }> => {
    seat(req);
    return { files: (await objects.list(req.params.id)).filter((o) => o.kind === 'file').map(toFile) };
  });

  app.get<{ Params: { id: string; fileId: string } }>('/api/meetings/:id/files/:fileId', async (req, reply) => {
    seat(req);
    const o = await objectOf(req.params.id, req.params.fileId, 'file');
    return send(reply, o.id);
  });

  // ---- the host ----------------------------------------------------------------------------

  app.get<{ Params: { id: string } }>('/api/meetings/:id/data-map', guard, async (req): Promise<DataMap> => {
    const m = await own(req);
    return buildDataMap(services, m);
  });

  app.get<{ Params: { id: string; objectId: string } }>('/api/meetings/:id/objects/:objectId', guard, async (req, reply) => {
    const m = await own(req);
    const o = await objectOf(m.id, req.params.objectId);
    return send(reply, o.id);
  });

  app.delete<{ Params: { id: string; objectId: string } }>('/api/meetings/:id/objects/:objectId', guard, async (req) => {
    const m = await own(req);
    const user = await currentUser(services, req);
    const o = await objectOf(m.id, req.params.objectId);
    const cert = await purger.remove(o, user.id, 'deleted by the host');
    if (o.kind === 'file') await broadcastFiles(m.id);
    return cert;
  });

  app.get<{ Params: { id: string; objectId: string } }>('/api/meetings/:id/certificates/:objectId', guard, async (req) => {
    const m = await own(req);
    const cert = await objects.certificate(req.params.objectId);
    if (!cert || cert.meetingId !== m.id) throw new KaigiError(ErrorCode.NOT_FOUND, 'No such certificate.');
    return cert;
  });

  app.post<{ Params: { id: string } }>('/api/meetings/:id/export', guard, async (req, reply) => {
    const m = await own(req);
    const user = await currentUser(services, req);
    const { passphrase } = parseBody(ExportRequest, req.body);
    const entries: { name: string; kind: string; data: Uint8Array }[] = [];
    const used = new Set<string>();
    for (const o of await objects.list(m.id)) {
      const { data } = await objects.read(o.id);
      // Inside the passphrase-encrypted archive; an e2ee object is named by its ID (E5, D2).
      let name = toEntryName(o.name === null ? `${o.kind}-${o.id}${o.protection === 'e2ee' ? '.e2ee' : ''}` : `${o.kind}-${o.name}`);
      while (used.has(name.toLowerCase())) name = toEntryName(`${o.id}-${name}`);
      used.add(name.toLowerCase());
      entries.push({ name, kind: o.kind, data });
    }
    const trail = await audit.entries({ meetingId: m.id });
    const attendance = trail
      .filter((e) => ['host.joined', 'participant.admitted', 'participant.left', 'participant.removed', 'participant.denied'].includes(e.kind))
      .map((e) => ({ at: e.at, kind: e.kind, actor: e.actor, data: e.data }));
    const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2));
    entries.push({ name: 'attendance.json', kind: 'attendance', data: json(attendance) });
    entries.push({ name: 'audit.json', kind: 'audit', data: json(trail) });
    // The schema counts UTF-16 units, sealing counts code points after NFC: a passphrase of emoji
    // or combining marks can pass one and not the other; it is the caller's error, not a 500
    // (found by the fuzzer).
    const archive = await sealArchive(passphrase, { meetingId: m.id, title: m.title, createdAt: new Date().toISOString() }, entries).catch((err: unknown) => {
      if (err instanceof ArchiveError && err.code === 'WEAK_PASSPHRASE') throw new KaigiError(ErrorCode.VALIDATION, err.message);
      throw err;
    });
    await audit.append({ kind: AuditKind.MEETING_EXPORTED, actor: user.id, meetingId: m.id, data: { entries: entries.length, bytes: archive.length } });
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', disposition(`kaigi-${m.id}.kaigiarc`))
      .header('cache-control', 'no-store')
      .send(Buffer.from(archive));
  });
}
