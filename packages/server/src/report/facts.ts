import {
  compilePolicy,
  type AdmissionCheck,
  type DataMap,
  type EntryKind,
  type MediaPermissions,
  type MeetingPolicy,
  type OrganisationPolicy,
  type Role,
  type Verification,
} from '@kaigi/protocol';
import type { Services } from '../services.js';
import type { MeetingRecord } from '../storage/MeetingStore.js';
import { buildDataMap } from '../http/dataMap.js';
import { productFacts, type ProductFacts } from './product.js';

/** One person in the live meeting, as the report needs them. */
export interface LiveParticipant {
  id: string;
  displayName: string;
  role: Role;
  entry: EntryKind;
  state: 'waiting' | 'admitted';
  verification: Verification | null;
  admissionCheck: (AdmissionCheck & { by: string; byName: string; at: number }) | null;
}

/** One audit entry of the meeting, its data parsed (redacted entries keep `{ redacted }`). */
export interface ReportAuditEntry {
  at: string;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
}

/**
 * Everything the security report (F3) is worked out from, gathered once per request. Pure data:
 * the evaluators never do I/O, so a test can write the facts of any meeting by hand.
 */
export interface ReportFacts {
  generatedAt: string;
  meeting: Pick<MeetingRecord, 'id' | 'title' | 'e2ee' | 'locked' | 'retention' | 'rules' | 'mediaPermissions' | 'endedAt' | 'createdAt'> & {
    /** A password hash is stored: everyone but the host must give the password (B1). */
    passwordSet: boolean;
  };
  /** The meeting's level compiled against the organisation's policy (F1). */
  policy: MeetingPolicy;
  organisation: OrganisationPolicy;
  /** This server node and its region (E2). */
  node: string;
  region: string;
  /** Who is in the meeting now, if anyone. */
  live: {
    participants: LiveParticipant[];
    locked: boolean;
    mediaPermissions: MediaPermissions;
    /** Current MLS epoch (E2EE meetings whose group has started), else null. */
    epoch: number | null;
  } | null;
  /** The meeting's audit trail (H2), oldest first. */
  audit: ReportAuditEntry[];
  /** As GET /api/meetings/:id/data-map gives it (E1). */
  dataMap: DataMap;
  /** The organisation's recording escrow key, if configured. */
  escrow: { keyId: string } | null;
  product: ProductFacts;
}

function parseData(raw: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Gathers the facts of one meeting (the caller has checked that the requester hosts it). */
export async function gatherReportFacts(services: Services, m: MeetingRecord): Promise<ReportFacts> {
  const live = services.rooms.get(m.id);
  const meeting = live?.meeting;
  const trail = await services.audit.entries({ meetingId: m.id });
  return {
    generatedAt: new Date().toISOString(),
    meeting: {
      id: m.id,
      title: m.title,
      e2ee: m.e2ee,
      locked: m.locked,
      retention: m.retention,
      rules: m.rules,
      mediaPermissions: m.mediaPermissions,
      endedAt: m.endedAt,
      createdAt: m.createdAt,
      passwordSet: m.passwordHash.length > 0,
    },
    // A running meeting's policy is what the server enforces right now.
    policy: meeting?.policy ?? compilePolicy(m.rules.level, services.policy),
    organisation: services.policy,
    node: services.config.node,
    region: services.config.region,
    live: meeting
      ? {
          participants: meeting.all().map((p) => ({
            id: p.id,
            displayName: p.displayName,
            role: p.role,
            entry: p.entry,
            state: p.state,
            verification: p.verification,
            admissionCheck: p.admissionCheck,
          })),
          locked: meeting.locked,
          mediaPermissions: { ...meeting.mediaPermissions },
          epoch: live.delivery?.currentEpoch ?? null,
        }
      : null,
    audit: trail.map((e) => ({ at: e.at, kind: e.kind, actor: e.actor, data: parseData(e.data) })),
    dataMap: await buildDataMap(services, m),
    escrow: services.escrow ? { keyId: services.escrow.keyId } : null,
    product: productFacts(),
  };
}
