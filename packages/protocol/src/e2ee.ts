import { z } from 'zod';
import { ParticipantId } from './ids.js';
import { LIMITS } from './limits.js';

// End-to-end encryption (D1–D5, B7). Each E2EE meeting is one MLS group (RFC 9420, cipher
// suite 2: P-256, AES-128-GCM, SHA-256). The server is the untrusted delivery service: it sees
// and orders opaque MLS messages and never holds a group secret. Media is SFrame (RFC 9605,
// AES_128_GCM_SHA256_128) keyed from the MLS exporter.

export const MLS_CIPHER_SUITE = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256' as const;
export const SFRAME_BASE_KEY_LABEL = 'SFrame 1.0 Base Key';
export const SFRAME_CIPHER_SUITE = 0x0004; // AES_128_GCM_SHA256_128

/** MLS wire bytes (an MLSMessage), base64. */
export const MlsBytes = z
  .string()
  .min(4)
  .max(LIMITS.mlsMessageChars)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'MLS bytes must be base64');
export type MlsBytes = z.infer<typeof MlsBytes>;

export const MlsEpoch = z.number().int().nonnegative().max(2 ** 48);

/** Chat text as typed; links in it are shown as text or https links only (H4). */
export const ChatText = z
  .string()
  .transform((s) => s.normalize('NFC'))
  .pipe(z.string().min(1, 'message is empty').max(LIMITS.chatTextMax, `messages are at most ${LIMITS.chatTextMax} characters`));

/** A safety code: 20 digits in five groups of four (B7). */
export const SafetyCode = z.string().regex(/^\d{4}( \d{4}){4}$/);

/** A verification mark: who compared the safety code with this person, and in which epoch. */
export const Verification = z.object({
  byId: ParticipantId,
  byName: z.string(),
  epoch: MlsEpoch,
  at: z.number(),
});
export type Verification = z.infer<typeof Verification>;

/** The group as the delivery service sees it, for the roster and the mode banner. */
export const GroupStateInfo = z.object({
  epoch: MlsEpoch,
  members: z.array(ParticipantId),
});
export type GroupStateInfo = z.infer<typeof GroupStateInfo>;

export const KeyPackageRef = z.object({ participantId: ParticipantId, keyPackage: MlsBytes });
export type KeyPackageRef = z.infer<typeof KeyPackageRef>;
