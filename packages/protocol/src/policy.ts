import { z } from 'zod';
import { MEETING_PASSWORD_MAX_LENGTH, MEETING_PASSWORD_MIN_LENGTH } from './ids.js';

// Confidentiality levels (F1) and the organisation's policy (F2), as plain data. A meeting's
// level compiles into one MeetingPolicy that the server consults on every request and message;
// the client reads the same policy to show what the level allows, never to decide it.

export const ConfidentialityLevel = z.enum(['high', 'medium', 'low']);
export type ConfidentialityLevel = z.infer<typeof ConfidentialityLevel>;

/** Higher number, stricter level: a running meeting may only go up. */
export const LEVEL_RANK: Record<ConfidentialityLevel, number> = { low: 0, medium: 1, high: 2 };

/**
 * Display-name rule (B4). 'pattern': `*` stands for any text, everything else is literal and
 * case-sensitive, e.g. "ACME *" or "* (Kyoto U)". Matching is linear: no regular expressions
 * from users reach the server. 'account': names are the signed-in account's, guests cannot join.
 */
export const NameRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('free') }).strict(),
  z
    .object({
      kind: z.literal('pattern'),
      pattern: z
        .string()
        .min(1)
        .max(100)
        .refine((p) => p.replace(/\*/g, '').trim().length > 0, 'a name pattern needs some fixed text besides *'),
    })
    .strict(),
  z.object({ kind: z.literal('account') }).strict(),
]);
export type NameRule = z.infer<typeof NameRule>;

/**
 * Whether `name` follows the rule's pattern ('free' and 'account' are checked elsewhere). `*`
 * matches one or more characters. Dynamic programming over (pattern, name): at most 100 x 64
 * steps whatever the input, unlike a regular expression built from user text.
 */
export function nameMatches(rule: NameRule, name: string): boolean {
  if (rule.kind !== 'pattern') return true;
  const p = [...rule.pattern];
  const n = [...name];
  // row[j]: pattern prefix so far matches the first j characters of the name.
  let row = new Array<boolean>(n.length + 1).fill(false);
  row[0] = true;
  for (const c of p) {
    const next = new Array<boolean>(n.length + 1).fill(false);
    for (let j = 1; j <= n.length; j++) {
      next[j] = c === '*' ? !!(row[j - 1] || next[j - 1]) : !!row[j - 1] && n[j - 1] === c;
    }
    row = next;
  }
  return !!row[n.length];
}

const GiB = 1024 ** 3;

/**
 * Storage quotas for what people upload (files A4, browser recordings A5): the sum of the stored
 * sizes of a meeting's objects, and of those one participant (or, for recordings, the host's
 * account) stored in it. An upload that would go over is refused before its body is read.
 */
export const StorageQuota = z
  .object({
    perMeetingBytes: z.number().int().min(0).max(2 ** 50),
    perParticipantBytes: z.number().int().min(0).max(2 ** 50),
  })
  .strict();
export type StorageQuota = z.infer<typeof StorageQuota>;

/** An hour of browser recording (1 Mbit/s video) is about 0.5 GiB; a file is at most 25 MiB. */
export const DEFAULT_STORAGE_QUOTA: StorageQuota = { perMeetingBytes: 8 * GiB, perParticipantBytes: 2 * GiB };

/** The organisation's policy (F2), read from the server's policy file. */
export const OrganisationPolicy = z
  .object({
    levels: z
      .object({
        /** Levels hosts may choose. */
        allowed: z.array(ConfidentialityLevel).min(1),
        /** The level of a meeting whose host does not choose one. */
        default: ConfidentialityLevel,
      })
      .strict()
      .refine((l) => l.allowed.includes(l.default), 'the default level must be one of the allowed levels'),
    /** Shortest meeting password hosts may set (the server's generated ones are longer). */
    passwordMinLength: z.number().int().min(MEETING_PASSWORD_MIN_LENGTH).max(MEETING_PASSWORD_MAX_LENGTH),
    /** Longest retention of any meeting data after a meeting ends, in days (E4). */
    retentionMaxDays: z.number().int().min(0).max(3650),
    regions: z
      .object({
        /** Where High meetings may run (IPA 5.1: the organisation's own servers). */
        home: z.array(z.string().min(1).max(64)).min(1),
        /** Where Medium and Low meetings may run (home regions are always allowed). */
        allowed: z.array(z.string().min(1).max(64)),
      })
      .strict(),
    /** Hosts must have signed in with a second factor (B5) to create meetings or join as host. */
    requireTwoFactorForHosts: z.boolean().default(false),
    /** Upload quotas (optional in the file: DEFAULT_STORAGE_QUOTA). */
    storage: StorageQuota.default(() => ({ ...DEFAULT_STORAGE_QUOTA })),
  })
  .strict();
export type OrganisationPolicy = z.infer<typeof OrganisationPolicy>;

/** What a meeting's level allows and requires; compiled, never stored. */
export interface MeetingPolicy {
  level: ConfidentialityLevel;
  /** End-to-end encryption is required (High). */
  e2eeRequired: boolean;
  /** The server may record (Low only; never in E2EE, D4). */
  serverRecording: boolean;
  /** A host's browser may upload a recording, encrypted (Low only: Medium keeps no recordings on the server). */
  browserRecording: boolean;
  /** Files may be shared and stored on the server (Low only). */
  fileSharing: boolean;
  /** Chat may be kept after the meeting (Low only). */
  chatKeeping: boolean;
  /** The password is left out of the invitation and sent on its own (High, G2). */
  passwordSeparate: boolean;
  /** Each participant without an account is checked (face, voice, name) before admission (High). */
  checkBeforeAdmission: boolean;
  /** A verifier should be assigned (Medium, Low; B7). */
  verifierExpected: boolean;
  /** Regions this meeting may run in. */
  regions: readonly string[];
}

export function compilePolicy(level: ConfidentialityLevel, org: OrganisationPolicy): MeetingPolicy {
  const low = level === 'low';
  return {
    level,
    e2eeRequired: level === 'high',
    serverRecording: low,
    browserRecording: low,
    fileSharing: low,
    chatKeeping: low,
    passwordSeparate: level === 'high',
    checkBeforeAdmission: level === 'high',
    verifierExpected: level !== 'high',
    regions: level === 'high' ? org.regions.home : [...new Set([...org.regions.home, ...org.regions.allowed])],
  };
}

/** What the server tells participants about the meeting's level (shown to everyone, F1). */
export const LevelInfo = z.object({
  level: ConfidentialityLevel,
  fileSharing: z.boolean(),
  serverRecording: z.boolean(),
  browserRecording: z.boolean(),
  checkBeforeAdmission: z.boolean(),
});
export type LevelInfo = z.infer<typeof LevelInfo>;

export const levelInfo = (p: MeetingPolicy): LevelInfo => ({
  level: p.level,
  fileSharing: p.fileSharing,
  serverRecording: p.serverRecording,
  browserRecording: p.browserRecording,
  checkBeforeAdmission: p.checkBeforeAdmission,
});

/** When people may join (C4): ISO times, either may be open. */
export const TimeWindow = z
  .object({ startsAt: z.iso.datetime().nullable(), endsAt: z.iso.datetime().nullable() })
  .strict()
  .refine((w) => !w.startsAt || !w.endsAt || Date.parse(w.startsAt) < Date.parse(w.endsAt), 'the meeting must end after it starts');
export type TimeWindow = z.infer<typeof TimeWindow>;

/** How early before `startsAt` people may come in (to test their devices). */
export const EARLY_JOIN_MS = 10 * 60_000;

/** What a host checked about a newcomer before admitting them (High; B7). */
export const AdmissionCheck = z
  .object({ face: z.boolean(), voice: z.boolean(), name: z.boolean() })
  .strict()
  .refine((c) => c.face || c.voice, 'a check covers at least face or voice');
export type AdmissionCheck = z.infer<typeof AdmissionCheck>;

/** The policy of an organisation that wrote none: every level, Medium by default, this server's region only. */
export function defaultOrganisationPolicy(region: string, retentionMaxDays = 90): OrganisationPolicy {
  return {
    levels: { allowed: ['high', 'medium', 'low'], default: 'medium' },
    passwordMinLength: MEETING_PASSWORD_MIN_LENGTH,
    retentionMaxDays,
    regions: { home: [region], allowed: [] },
    requireTwoFactorForHosts: false,
    storage: { ...DEFAULT_STORAGE_QUOTA },
  };
}
