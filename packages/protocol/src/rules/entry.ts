import type { LevelInfo, MeetingPolicy } from '../policy.js';
import type { EntryKind } from '../signaling.js';

/** People without an account of this server (guests, registrants): a High meeting checks them before admission (F1, B7). */
export const withoutAccount = (entry: EntryKind): boolean => entry === 'guest' || entry === 'registrant';

/** The part of a level that decides admission checks: the compiled policy (server) or the level shown (client). */
export type AdmissionLevel = Pick<MeetingPolicy, 'checkBeforeAdmission'> | Pick<LevelInfo, 'checkBeforeAdmission'>;

/** Whether admitting this person takes a check of face or voice first (F1, B7): High meetings, people without an account. */
export const admissionCheckRequired = (level: AdmissionLevel, entry: EntryKind): boolean => level.checkBeforeAdmission && withoutAccount(entry);

/**
 * Whether "admit all" may let everyone waiting in at once: not while anyone waiting needs a check
 * first (F1, B7). Members in a High meeting need none, so a waiting room of members may be admitted at once.
 */
export const mayAdmitAll = (level: AdmissionLevel, waiting: readonly { entry: EntryKind }[]): boolean =>
  !waiting.some((w) => admissionCheckRequired(level, w.entry));
