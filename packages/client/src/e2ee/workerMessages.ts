// Every message between the page and the E2EE worker, as zod schemas checked at the worker
// boundary (and on the page for what comes back). Group secrets and SFrame keys never appear
// here: the page gets public MLS bytes, epoch numbers, safety codes, member lists and counters.
import { z } from 'zod';
import { LIMITS } from '@kaigi/protocol';

// The protocol's bounds, which the server enforces again: an MLS message of mlsMessageChars base64
// characters carries 3/4 as many bytes; chat text and its base64 ciphertext as the server takes them.
const MAX_MLS_BYTES = Math.floor((LIMITS.mlsMessageChars * 3) / 4);
const MAX_CHAT_CHARS = LIMITS.chatTextMax;
const MAX_CHAT_B64 = LIMITS.chatCiphertextChars;

const Bytes = (max: number) =>
  z.custom<Uint8Array>((b) => b instanceof Uint8Array && b.length > 0 && b.length <= max, 'expected 1..max bytes');
const MlsBytes = Bytes(MAX_MLS_BYTES);
const Epoch = z.number().int().nonnegative().max(2 ** 48);
const ParticipantId = z.string().min(1).max(64);
const Base64 = z
  .string()
  .min(4)
  .max(MAX_CHAT_B64)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/);
export const FrameKindSchema = z.enum(['audio', 'video']);
export const DirectionSchema = z.enum(['send', 'recv']);

/** Page → worker requests; each gets exactly one `response` with the same id. */
export const WorkerRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('keyPackage'), id: z.number().int() }),
  z.object({ type: z.literal('createGroup'), id: z.number().int(), groupId: Bytes(256) }),
  z.object({
    type: z.literal('commit'),
    id: z.number().int(),
    epoch: Epoch,
    adds: z.array(z.object({ participantId: ParticipantId, keyPackage: MlsBytes })).max(1000),
    removes: z.array(ParticipantId).max(1000),
  }),
  z.object({ type: z.literal('applyCommit'), id: z.number().int(), epoch: Epoch, commit: MlsBytes, from: ParticipantId }),
  z.object({ type: z.literal('joinFromWelcome'), id: z.number().int(), welcome: MlsBytes }),
  z.object({ type: z.literal('rejectPending'), id: z.number().int() }),
  z.object({ type: z.literal('encryptChat'), id: z.number().int(), text: z.string().min(1).max(MAX_CHAT_CHARS) }),
  z.object({ type: z.literal('decryptChat'), id: z.number().int(), ciphertext: Base64 }),
  z.object({ type: z.literal('reset'), id: z.number().int() }),
  z.object({ type: z.literal('stats'), id: z.number().int() }),
  // A verifier's check (B7): our half of its key exchange, the other half, and its end.
  z.object({
    type: z.literal('checkKeyStart'),
    id: z.number().int(),
    role: z.enum(['newcomer', 'verifier']),
    meetingId: z.string().min(1).max(64),
    newcomerId: ParticipantId,
    verifierId: ParticipantId,
  }),
  z.object({ type: z.literal('checkKeyFinish'), id: z.number().int(), peerPublicKey: Bytes(65) }),
  z.object({ type: z.literal('checkKeyEnd'), id: z.number().int() }),
]);
export type WorkerRequest = z.infer<typeof WorkerRequest>;
export type RequestType = WorkerRequest['type'];

/** Page → worker, not a request: the participant this worker acts for (first message). */
export const WorkerInit = z.object({ type: z.literal('init'), participantId: ParticipantId });

/** Page → worker: encoded-frame streams from createEncodedStreams() (the fallback path). */
export const WorkerStreams = z.object({
  type: z.literal('streams'),
  direction: DirectionSchema,
  kind: FrameKindSchema,
  readable: z.instanceof(ReadableStream),
  writable: z.instanceof(WritableStream),
});

export const PageToWorker = z.union([WorkerInit, WorkerStreams, WorkerRequest]);
export type PageToWorker = z.infer<typeof PageToWorker>;

/** The options given to `new RTCRtpScriptTransform(worker, options)`. */
export const TransformOptions = z.object({ direction: DirectionSchema, kind: FrameKindSchema });
export type TransformOptions = z.infer<typeof TransformOptions>;

export const EpochPublic = z.object({
  epoch: Epoch,
  safetyCode: z.string().max(64),
  members: z.array(z.object({ participantId: ParticipantId, leafIndex: z.number().int().nonnegative() })),
});
export type EpochPublic = z.infer<typeof EpochPublic>;

export const CryptorStatsSchema = z.object({
  epoch: Epoch.nullable(),
  encrypted: z.number(),
  decrypted: z.number(),
  failed: z.number(),
  noKey: z.number(),
  tooShort: z.number(),
  checkEncrypted: z.number(),
  checkDecrypted: z.number(),
  lastDecryptEpochBySender: z.record(z.string(), z.number()),
});

/** What each request resolves with. */
export const ResultSchemas = {
  keyPackage: MlsBytes,
  createGroup: EpochPublic,
  commit: z.object({ commit: MlsBytes, welcome: MlsBytes.optional() }),
  applyCommit: EpochPublic,
  joinFromWelcome: EpochPublic,
  rejectPending: z.null(),
  encryptChat: Base64,
  decryptChat: z.object({ text: z.string(), senderId: z.string() }),
  reset: z.null(),
  stats: CryptorStatsSchema,
  checkKeyStart: Bytes(65),
  checkKeyFinish: z.object({ safetyCode: z.string().max(64) }),
  checkKeyEnd: z.null(),
} satisfies Record<RequestType, z.ZodType>;
export type RequestResult<T extends RequestType> = z.infer<(typeof ResultSchemas)[T]>;

/** Worker → page. */
export const WorkerToPage = z.union([
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    type: z.literal('response'),
    id: z.number().int(),
    ok: z.literal(false),
    error: z.string().max(500),
    code: z.string().max(64).optional(),
  }),
  z.object({ type: z.literal('epoch'), ...EpochPublic.shape }),
  z.object({ type: z.literal('error'), error: z.string().max(500) }),
]);
export type WorkerToPage = z.infer<typeof WorkerToPage>;

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
