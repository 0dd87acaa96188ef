import type { EntryKind, ParticipantInfo, Role, Verification, WaitingEntry } from '@kaigi/protocol';

export type AdmissionState = 'waiting' | 'admitted';

export interface Participant {
  readonly id: string;
  readonly displayName: string;
  role: Role;
  readonly entry: EntryKind;
  /** The registration whose personal link was used to join (B3), if any. */
  readonly registrationId: string | null;
  /** SHA-256 of the browser's device cookie; the key bans hold on to. */
  readonly deviceHash: string;
  /** Who knocked, for the per-source waiting-room limit (B2): an address, an account or a link. */
  readonly source: string | null;
  readonly userId: string | null;
  readonly resumeTokenHash: string;
  readonly arrivedAt: number;
  state: AdmissionState;
  admittedAt: number | null;
  /** Safety-code check by a host, with the MLS epoch it was made in (B7). */
  verification: Verification | null;
  /** What the admitting host checked before admission (F1 High, B7). */
  admissionCheck: ParticipantInfo['admissionCheck'];
}

export const toInfo = (p: Participant): ParticipantInfo => ({
  id: p.id,
  displayName: p.displayName,
  role: p.role,
  entry: p.entry,
  registrationId: p.registrationId,
  joinedAt: p.admittedAt ?? p.arrivedAt,
  verification: p.verification,
  admissionCheck: p.admissionCheck,
});

export const toWaitingEntry = (p: Participant): WaitingEntry => ({
  id: p.id,
  displayName: p.displayName,
  entry: p.entry,
  registrationId: p.registrationId,
  arrivedAt: p.arrivedAt,
});
