import {
  compilePolicy,
  ErrorCode,
  LEVEL_RANK,
  type CreateMeetingRequest,
  type OrganisationPolicy,
  type Retention,
  type UpdateMeetingRequest,
} from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import type { StoredRules } from '../storage/MeetingStore.js';

export interface MeetingSettings {
  rules: StoredRules;
  e2ee: boolean;
  retention: Retention;
}

/**
 * A requested setting the policy refuses. Naming the setting makes it a refusal of a value asked
 * for, not of an action: FORBIDDEN_BY_LEVEL is then answered as an unprocessable request (errors.ts).
 */
const refused = (code: ErrorCode, setting: string, message?: string): KaigiError =>
  new KaigiError(code, { setting, ...(message !== undefined && { message }) });

/**
 * A meeting's settings after a create or an update, checked against the organisation's policy
 * (F2) and the level's (F1): a request for more than either allows is refused with the reason,
 * and nothing is half-applied. `live`: people are in the meeting, so the level can only go up
 * and the encryption mode cannot change.
 */
export function settleMeeting(
  org: OrganisationPolicy,
  nodeRegion: string,
  before: MeetingSettings,
  body: CreateMeetingRequest | UpdateMeetingRequest,
  live: boolean,
): MeetingSettings {
  const level = body.level ?? before.rules.level;
  if (!org.levels.allowed.includes(level)) {
    throw refused(ErrorCode.LEVEL_NOT_ALLOWED, 'level', `This organisation allows ${org.levels.allowed.join(', ')} meetings only.`);
  }
  if (live && LEVEL_RANK[level] < LEVEL_RANK[before.rules.level]) throw refused(ErrorCode.LEVEL_CANNOT_BE_LOWERED, 'level');
  const e2ee = body.e2ee ?? before.e2ee;
  if (live && e2ee !== before.e2ee) {
    throw refused(ErrorCode.MEETING_IN_PROGRESS, 'e2ee', 'End-to-end encryption can be switched only while nobody is in the meeting.');
  }
  const policy = compilePolicy(level, org);
  if (policy.e2eeRequired && !e2ee) {
    throw refused(ErrorCode.E2EE_REQUIRED, 'e2ee', live ? 'Raising a running meeting to High needs end-to-end encryption, which cannot be switched on while people are in it.' : undefined);
  }
  if (!policy.regions.includes(nodeRegion)) {
    throw refused(ErrorCode.REGION_NOT_ALLOWED, 'level', `${level} meetings may run in ${policy.regions.join(', ')}; this server is in ${nodeRegion}.`);
  }
  const retention = { ...before.retention, ...body.retention };
  const max = org.retentionMaxDays * 86400;
  const over = (Object.keys(retention) as (keyof Retention)[]).filter((k) => retention[k] > max);
  if (over.length > 0) {
    throw refused(ErrorCode.RETENTION_TOO_LONG, 'retention', `Retention of ${over.join(', ')} exceeds the organisation's limit of ${org.retentionMaxDays} days.`);
  }
  // Keeping chat is a Low-meeting feature; a meeting raised above Low stops keeping it.
  if (body.retention?.chat && !policy.chatKeeping) {
    throw refused(ErrorCode.FORBIDDEN_BY_LEVEL, 'retention.chat', `${level} meetings keep no chat on the server.`);
  }
  if (body.password !== undefined && body.password.length < org.passwordMinLength) {
    throw refused(ErrorCode.PASSWORD_TOO_SHORT, 'password', `Meeting passwords are at least ${org.passwordMinLength} characters here.`);
  }
  return {
    e2ee,
    retention: policy.chatKeeping ? retention : { ...retention, chat: 0 },
    rules: {
      level,
      joinBeforeHost: body.joinBeforeHost ?? before.rules.joinBeforeHost,
      window: body.window ?? before.rules.window,
      nameRule: body.nameRule ?? before.rules.nameRule,
      muteOnEntry: body.muteOnEntry ?? before.rules.muteOnEntry,
      entry: body.entry ?? before.rules.entry,
      registration: body.registration ?? before.rules.registration,
    },
  };
}
