import { AuditKind, ErrorCode, type ConfidentialityLevel, type ReportStatus, type ReportText } from '@kaigi/protocol';
import type { ReportAuditEntry, ReportFacts } from './facts.js';

// What the evaluators read: the facts plus what the audit trail says, worked out once.

export interface Verdict {
  status: ReportStatus;
  evidence: ReportText;
}

export type Evaluator = (c: Ctx) => Verdict;

export const verdict = (status: ReportStatus, en: string, ja: string): Verdict => ({ status, evidence: { en, ja } });
export const met = (en: string, ja: string): Verdict => verdict('met', en, ja);
export const notMet = (en: string, ja: string): Verdict => verdict('not_met', en, ja);
export const notApplicable = (en: string, ja: string): Verdict => verdict('not_applicable', en, ja);
/** Each attendee's own duty: what Kaigi does to help, and what is left to them. */
export const participant = (en: string, ja: string): Verdict => verdict('participant', en, ja);

export const LEVEL_NAME: Record<ConfidentialityLevel, ReportText> = {
  high: { en: 'High', ja: '高' },
  medium: { en: 'Medium', ja: '中' },
  low: { en: 'Low', ja: '低' },
};

export interface Check {
  face: boolean;
  voice: boolean;
  name: boolean;
}

export interface Admission {
  at: string;
  /** Participant ID of the host or co-host who admitted. */
  by: string;
  byName: string;
  participantId: string;
  displayName: string;
  entry: string;
  check: Check | null;
}

export interface AuditFacts {
  admissions: Admission[];
  verifications: { at: string; by: string; byName: string; participantId: string; displayName: string; epoch: number | null }[];
  recordingStarts: { at: string; mode: string; byName: string }[];
  recordingStops: number;
  levelRaises: { at: string; from: string; to: string }[];
  suspensions: { at: string; byName: string }[];
  removals: { at: string; displayName: string }[];
  deletions: { at: string; objectId: string; kind: string; reason: string; certified: boolean }[];
  exports: string[];
  objectsStored: { at: string; objectId: string; kind: string }[];
  passwordFailures: number;
  e2eeRefusals: number;
  epochs: number;
  cohosts: string[];
  /** People the host made verifiers (B7), and the one-to-one checks they opened. */
  verifiers: string[];
  oneToOneChecks: number;
  keyedChecks: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function checkOf(v: unknown): Check | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as Record<string, unknown>;
  return { face: c.face === true, voice: c.voice === true, name: c.name === true };
}

/** Reads the meeting's audit trail into the events the report cites. */
export function auditFacts(entries: readonly ReportAuditEntry[]): AuditFacts {
  // Who each participant ID is: hosts from their join, others from their admission.
  const names = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === AuditKind.HOST_JOINED && str(e.data.displayName)) names.set(e.actor, str(e.data.displayName));
    if (e.kind === AuditKind.ADMITTED && str(e.data.participantId)) names.set(str(e.data.participantId), str(e.data.displayName));
  }
  const nameOf = (id: string) => names.get(id) ?? id;
  const of = (kind: string) => entries.filter((e) => e.kind === kind);
  return {
    admissions: of(AuditKind.ADMITTED).map((e) => ({
      at: e.at,
      by: e.actor,
      byName: nameOf(e.actor),
      participantId: str(e.data.participantId),
      displayName: str(e.data.displayName),
      entry: str(e.data.entry),
      check: checkOf(e.data.check),
    })),
    verifications: of(AuditKind.VERIFIED).map((e) => ({
      at: e.at,
      by: e.actor,
      byName: nameOf(e.actor),
      participantId: str(e.data.participantId),
      displayName: str(e.data.displayName),
      epoch: num(e.data.epoch),
    })),
    recordingStarts: of(AuditKind.RECORDING_STARTED).map((e) => ({ at: e.at, mode: str(e.data.mode), byName: str(e.data.displayName) || nameOf(e.actor) })),
    recordingStops: of(AuditKind.RECORDING_STOPPED).length,
    levelRaises: of(AuditKind.LEVEL_RAISED).map((e) => ({ at: e.at, from: str(e.data.from), to: str(e.data.to) })),
    suspensions: of(AuditKind.SUSPENDED).map((e) => ({ at: e.at, byName: nameOf(e.actor) })),
    removals: of(AuditKind.REMOVED).map((e) => ({ at: e.at, displayName: str(e.data.displayName) })),
    deletions: of(AuditKind.OBJECT_DELETED).map((e) => ({
      at: e.at,
      objectId: str(e.data.objectId),
      kind: str(e.data.kind),
      reason: str(e.data.reason),
      certified: str(e.data.certificateSha256) !== '',
    })),
    exports: of(AuditKind.MEETING_EXPORTED).map((e) => e.at),
    objectsStored: of(AuditKind.OBJECT_STORED).map((e) => ({ at: e.at, objectId: str(e.data.objectId), kind: str(e.data.kind) })),
    passwordFailures: of(AuditKind.PASSWORD_FAILED).length,
    e2eeRefusals: of(AuditKind.JOIN_REFUSED).filter((e) => e.data.reason === ErrorCode.E2EE_UNSUPPORTED).length,
    epochs: of(AuditKind.E2EE_EPOCH).length,
    cohosts: [...new Set(of(AuditKind.ROLE_CHANGED).filter((e) => e.data.role === 'cohost').map((e) => str(e.data.displayName)))],
    verifiers: [...new Set(of(AuditKind.ROLE_CHANGED).filter((e) => e.data.role === 'verifier').map((e) => str(e.data.displayName)))],
    oneToOneChecks: of(AuditKind.CHECK_STARTED).length,
    /** Admissions after a check whose media ran on the check's own end-to-end keys (E2EE meetings). */
    keyedChecks: of(AuditKind.ADMITTED).filter((e) => e.data.checkKeyed === true).length,
  };
}

/** The facts and what follows from them, shared by every evaluator. */
export interface Ctx {
  f: ReportFacts;
  a: AuditFacts;
  level: ConfidentialityLevel;
  levelName: ReportText;
  /** Regions the meeting's node and stored objects are in. */
  regionsUsed: string[];
  /** Guests (people without an account: outside the organisation) as last admitted, each with the check made then. */
  guests: Admission[];
  /** Server-readable files or recordings stored (protection 'server'). */
  serverReadable: { kind: string; name: string }[];
  /** Current media permissions: the live meeting's, else the stored ones. */
  permissions: ReportFacts['meeting']['mediaPermissions'];
}

export function derive(f: ReportFacts): Ctx {
  const a = auditFacts(f.audit);
  const last = new Map<string, Admission>();
  for (const ad of a.admissions) last.set(ad.participantId, ad);
  return {
    f,
    a,
    level: f.policy.level,
    levelName: LEVEL_NAME[f.policy.level],
    regionsUsed: [...new Set([f.region, ...f.dataMap.objects.map((o) => o.region)])],
    // Registrants (B3) have no account either: held to the same check as guests.
    guests: [...last.values()].filter((ad) => ad.entry === 'guest' || ad.entry === 'registrant'),
    serverReadable: f.dataMap.objects.filter((o) => o.protection === 'server' && (o.kind === 'file' || o.kind === 'recording')).map((o) => ({ kind: o.kind, name: o.name ?? o.id })),
    permissions: f.live?.mediaPermissions ?? f.meeting.mediaPermissions,
  };
}

/** A list for evidence: "a, b and 2 more". */
export function names(list: readonly string[], max = 5): string {
  const shown = list.slice(0, max).join(', ');
  return list.length > max ? `${shown} (+${list.length - max})` : shown;
}

/** A retention in words: "when the meeting ends", "7 days after", … */
export function after(seconds: number): { en: string; ja: string } {
  if (seconds === 0) return { en: 'when the meeting ends', ja: '会議終了時' };
  const [n, en, ja] =
    seconds % 86400 === 0 ? [seconds / 86400, 'day', '日'] : seconds % 3600 === 0 ? [seconds / 3600, 'hour', '時間'] : seconds % 60 === 0 ? [seconds / 60, 'minute', '分'] : [seconds, 'second', '秒'];
  return { en: `${n} ${en}${n === 1 ? '' : 's'} after the meeting ends`, ja: `会議終了の${n}${ja}後` };
}
