import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteShorthandOptions,
} from 'fastify';
import { ErrorCode, type StorageQuota } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { KaigiError } from '../errors.js';

/** Who stores an upload: its meeting, and the participant (or host account) it counts against. */
export interface Uploader {
  meetingId: string;
  owner: string;
}

export interface UploadRule<P> {
  /** Largest body, in bytes. */
  maxBytes: number;
  /** Admits the caller from the headers alone (seat, sign-in, meeting policy), or throws a KaigiError. */
  admit(req: FastifyRequest<{ Params: P }>, reply: FastifyReply): Promise<Uploader>;
}

const UPLOAD_TYPE = 'application/octet-stream';

/**
 * The only routes that take a non-JSON body: file shares (A4) and browser recordings (A5).
 * Every check that needs no body runs on the headers, in onRequest, before a byte of the body
 * is read (H4): who is calling, the content type, a Content-Length within the limit, and the
 * storage quota (E1). A refused upload costs the server its headers, not 128 MiB.
 */
export class Uploads {
  /** Bytes of uploads under way, by meeting and by owner: two at once cannot both fit a quota's last room. */
  private readonly pending = new Map<string, number>();
  /** The quota check in progress per meeting; the next one waits for it. */
  private readonly checking = new Map<string, Promise<void>>();

  constructor(private readonly services: Services) {}

  /**
   * Registers upload routes in a scope of their own, the only one where application/octet-stream
   * bodies are parsed: every other route answers 415 to them without reading them.
   */
  scope(app: FastifyInstance, routes: (scope: FastifyInstance) => void): void {
    void app.register(async (scope) => {
      scope.addContentTypeParser(UPLOAD_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      routes(scope);
    });
  }

  /** Route options for an upload: its body limit and timeout, and the header checks. */
  route<P>(rule: UploadRule<P>): RouteShorthandOptions<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, { Params: P }> {
    return {
      bodyLimit: rule.maxBytes,
      config: { bodyTimeoutMs: this.services.config.http.uploadMs },
      onRequest: async (req, reply) => {
        const who = await rule.admit(req, reply);
        const size = declaredSize(req, rule.maxBytes);
        await this.reserve(who, size, reply);
      },
    };
  }

  /**
   * Refuses with QUOTA_EXCEEDED (507 Insufficient Storage: the request is fine, the room is
   * gone) when the stored objects, the uploads under way and this one would pass a quota.
   * Otherwise holds `size` bytes until the response is sent.
   */
  private async reserve(who: Uploader, size: number, reply: FastifyReply): Promise<void> {
    // One check at a time per meeting, so that no two uploads both take a quota's last room.
    const before = this.checking.get(who.meetingId) ?? Promise.resolve();
    const mine = before.then(() => this.check(who, size, reply));
    const tail = mine.catch(() => undefined);
    this.checking.set(who.meetingId, tail);
    try {
      await mine;
    } finally {
      if (this.checking.get(who.meetingId) === tail) this.checking.delete(who.meetingId);
    }
  }

  private async check(who: Uploader, size: number, reply: FastifyReply): Promise<void> {
    const quota: StorageQuota = this.services.policy.storage;
    const keys = [`m:${who.meetingId}`, `o:${who.meetingId}:${who.owner}`] as const;
    // Uploads under way, read before the stored objects: one that finishes storing (and lets go
    // of its reservation) while the list is read is then counted once or twice, never not at all.
    const underWay = keys.map((key) => this.pending.get(key) ?? 0);
    const objects = await this.services.objects.list(who.meetingId);
    const stored = [objects, objects.filter((o) => o.createdBy === who.owner)].map((list) => list.reduce((n, o) => n + o.size, 0));
    const limits = [quota.perMeetingBytes, quota.perParticipantBytes];
    keys.forEach((_key, i) => {
      if ((stored[i] ?? 0) + (underWay[i] ?? 0) + size > (limits[i] ?? 0)) {
        throw new KaigiError(ErrorCode.QUOTA_EXCEEDED);
      }
    });
    for (const key of keys) this.pending.set(key, (this.pending.get(key) ?? 0) + size);
    reply.raw.once('close', () => {
      for (const key of keys) {
        const left = (this.pending.get(key) ?? 0) - size;
        if (left > 0) this.pending.set(key, left);
        else this.pending.delete(key);
      }
    });
  }
}

/** The body's size from the headers: an octet stream with a Content-Length within the limit. */
function declaredSize(req: FastifyRequest, maxBytes: number): number {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== UPLOAD_TYPE) throw new KaigiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Send the body as ${UPLOAD_TYPE}.`);
  const length = req.headers['content-length'];
  // Chunked bodies announce no size: they could not be checked against the limit or the quota.
  if (req.headers['transfer-encoding'] !== undefined || length === undefined || !/^\d{1,15}$/.test(length)) {
    throw new KaigiError(ErrorCode.LENGTH_REQUIRED);
  }
  const size = Number(length);
  if (size === 0) throw new KaigiError(ErrorCode.VALIDATION, 'The body is empty.');
  if (size > maxBytes) throw new KaigiError(ErrorCode.MESSAGE_TOO_LARGE);
  return size;
}
