import { z } from 'zod';
import { ParticipantId } from './ids.js';

// Meeting data at rest (A4, A5, E1, E3, E4, E5): files, recordings, where each lives, how long
// it is kept, and the certificate that proves its deletion.

export const ObjectKind = z.enum(['file', 'recording', 'chat', 'waiting', 'export']);
export type ObjectKind = z.infer<typeof ObjectKind>;

/** 'server': encrypted under a key the server holds wrapped; 'e2ee': encrypted by a browser, the server holds no key. */
export const ObjectProtection = z.enum(['server', 'e2ee']);
export type ObjectProtection = z.infer<typeof ObjectProtection>;

const Seconds = z.number().int().min(0).max(10 * 365 * 86400);

/** How long each kind of data is kept after the meeting ends, in seconds; 0 purges it when the meeting ends (E4). */
export const Retention = z
  .object({
    chat: Seconds,
    files: Seconds,
    recordings: Seconds,
    waiting: Seconds,
  })
  .strict();
export type Retention = z.infer<typeof Retention>;

export const DEFAULT_RETENTION: Retention = { chat: 0, files: 0, recordings: 7 * 86400, waiting: 0 };

/** Largest file a participant can share, in bytes. */
export const FILE_MAX_BYTES = 25 * 1024 * 1024;

export const FileName = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1)
      .max(200)
      // eslint-disable-next-line no-control-regex
      .refine((s) => !/[\u0000-\u001f\u007f/\\]/.test(s) && s !== '.' && s !== '..', 'file names cannot contain slashes or control characters'),
  );

export const FileResource = z.object({
  id: z.string(),
  /**
   * Null for an E2EE file: its name travels only encrypted, inside the file and in the key message
   * to the group (D2), so the server never has it.
   */
  name: z.string().nullable(),
  size: z.number().int().nonnegative(),
  protection: ObjectProtection,
  createdAt: z.string(),
  createdBy: ParticipantId.or(z.string()),
  purgeAt: z.string().nullable(),
});
export type FileResource = z.infer<typeof FileResource>;

/** One stored object as the data map shows it (E1). */
export const DataMapEntry = z.object({
  id: z.string(),
  kind: ObjectKind,
  /** Opened from its seal for the host; null for e2ee objects, whose names the server never has (D2). */
  name: z.string().nullable(),
  size: z.number().int().nonnegative(),
  protection: ObjectProtection,
  node: z.string(),
  region: z.string(),
  /** Where on the node: the storage location, relative to the data folder. */
  location: z.string(),
  createdAt: z.string(),
  /** When it will be purged; null while the meeting runs with retention 0 (purged at its end). */
  purgeAt: z.string().nullable(),
});
export type DataMapEntry = z.infer<typeof DataMapEntry>;

/** A deletion, by object ID: certificates carry no names (E3). */
export const DeletionSummary = z.object({
  objectId: z.string(),
  kind: z.string(),
  deletedAt: z.string(),
  deletedBy: z.string(),
  reason: z.string(),
});

export const DataMap = z.object({
  meetingId: z.string(),
  node: z.string(),
  region: z.string(),
  retention: Retention,
  e2ee: z.boolean(),
  objects: z.array(DataMapEntry),
  /** What the meeting stores under its settings, before anything is stored. */
  planned: z.array(
    z.object({
      kind: ObjectKind,
      stored: z.boolean(),
      protection: ObjectProtection.nullable(),
      retentionSeconds: z.number().nullable(),
      note: z.string(),
    }),
  ),
  deletions: z.array(DeletionSummary),
  /**
   * Registrations (B3): each holds a person's name and email, kept until the meeting is deleted
   * (revoked ones too, so a revoked link stays dead). Counts by status.
   */
  registrations: z.object({ pending: z.number().int(), approved: z.number().int(), revoked: z.number().int() }),
});
export type DataMap = z.infer<typeof DataMap>;

export const ExportRequest = z.object({ passphrase: z.string().min(12, 'the passphrase is at least 12 characters').max(1024) }).strict();

/** The server's answer to a browser recording's upload. */
export const RecordingUpload = z.object({ id: z.string(), name: z.string(), size: z.number().int(), part: z.number().int() });
export type RecordingUpload = z.infer<typeof RecordingUpload>;

/** The keys a browser recording must be encrypted to besides the host's (escrow, if configured). */
export const RecordingKeys = z.object({
  escrow: z.object({ keyId: z.string(), spki: z.string().regex(/^[A-Za-z0-9_-]+$/) }).nullable(),
});
export type RecordingKeys = z.infer<typeof RecordingKeys>;
