import { AuditKind, can, ErrorCode } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import { KaigiError } from '../errors.js';
import { accountEntry, decideEntry, type EntryDecision } from '../meeting/EntryRules.js';
import type { Meeting } from '../meeting/Meeting.js';
import type { Participant } from '../meeting/Participant.js';
import type { StoredRules } from '../storage/MeetingStore.js';
import type { RegistrationRecord, RegistrationStore } from '../storage/RegistrationStore.js';
import type { ConnectionContext } from './Peer.js';
import type { Room } from './Room.js';

/**
 * Admission's way to members-only meetings (B5, B6) and pre-registration (B3): gathers the facts
 * (the account's emails and groups, the registration behind a personal link) for the pure rules
 * in EntryRules, records which members-only rule refused an account, records each use of a link,
 * and flags a link in use from two places at once.
 */
export class EntryGate {
  constructor(
    private readonly registrations: RegistrationStore | null,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The registration behind a personal link, where the meeting has registration on: such a link
   * stands in for the meeting's password (256 random bits, and it names one person). Whatever
   * its status, so that a revoked link is told it was revoked.
   */
  async credential(meetingId: string, rules: StoredRules | undefined, token: string | undefined): Promise<RegistrationRecord | null> {
    if (!this.registrations || !rules || rules.registration === 'off' || token === undefined) return null;
    return (await this.registrations.byToken(meetingId, token)) ?? null;
  }

  /** Who this person enters as, or a KaigiError (BANNED, MEMBERS_ONLY, REGISTRATION_REQUIRED, REGISTRATION_REVOKED). */
  async decide(meeting: Meeting, user: ConnectionContext['user'], isHost: boolean, registration: RegistrationRecord | null): Promise<EntryDecision> {
    const { entry, registration: mode } = meeting.rules;
    // The account's emails and groups are read from the server's own records, and only where a list needs them.
    const store = entry.membersOnly && !isHost ? this.registrations : null;
    const account =
      user === null
        ? null
        : {
            twoFactor: user.twoFactor === true,
            emails: store && entry.emailDomains.length > 0 ? await store.accountEmails(user.id) : [],
            groups: store && entry.groups.length > 0 ? await store.accountGroups(user.id) : [],
          };
    // The host holds the rules: never held to them.
    if (isHost) return { entry: accountEntry(account), registrationId: null, fixedName: null };
    // Read again last, just before arrival: a link revoked meanwhile does not slip in.
    const current = registration && this.registrations ? ((await this.registrations.get(meeting.id, registration.id)) ?? registration) : registration;
    // A removed registrant's link, or any link made for the same email, stays refused from any
    // device until the host lifts the ban (B3).
    if (current && this.registrations) {
      const emailHash = this.registrations.emailHash(meeting.id, current.email);
      if (meeting.bans.matches({ registrationId: current.id, emailHash })) throw new KaigiError(ErrorCode.BANNED);
    }
    return decideEntry({ entry, registration: mode }, account, current);
  }

  /**
   * A participant arrived with a personal link: the use is recorded, and if the same link is in
   * the meeting already (admitted, waiting, or within its resume grace), those who admit people
   * are told and the audit log says so. The newcomer still waits: the host decides.
   */
  async arrived(room: Room, p: Participant): Promise<void> {
    const registrationId = p.registrationId;
    if (!registrationId) return;
    await this.registrations?.used(registrationId);
    const holders = room.meeting.all().filter((o) => o.registrationId === registrationId);
    if (holders.length < 2) return;
    const participantIds = holders.map((o) => o.id);
    for (const o of admitters(room.meeting)) {
      room.send(o.id, { type: 'registrationAlert', registrationId, name: p.displayName, participantIds });
    }
    await this.audit.append({
      kind: AuditKind.REGISTRATION_SHARED,
      actor: p.id,
      meetingId: room.meeting.id,
      data: { registrationId, participantIds, displayName: p.displayName },
    });
  }
}

/** Admitted participants who may admit people: they decide about a shared link. */
const admitters = (m: Meeting): Participant[] => m.all().filter((o) => o.state === 'admitted' && can(o.role, 'admit'));
