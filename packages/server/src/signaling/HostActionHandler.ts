import { AuditKind, can, ErrorCode, type HostActionMessage } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import { newId } from '../security/random.js';
import type { MeetingStore } from '../storage/MeetingStore.js';
import type { RegistrationStore } from '../storage/RegistrationStore.js';
import type { LiveMeeting } from './LiveMeeting.js';
import type { MeetingHub, Seat } from './MeetingHub.js';

/** The host actions handled here; media ones go to the MediaHandler, `verify` to the E2eeHandler. */
export type HostActionMsg = Exclude<HostActionMessage, { type: 'setMediaPermissions' | 'stopMedia' | 'verify' | 'suspendAll' }>;

/**
 * Host actions on the waiting room, the roster and the meeting (admit, deny, checks, roles,
 * removal and bans, lock). The actor's rights come from its seat, never from the message: the
 * Meeting checks each against the permission table.
 */
export class HostActionHandler {
  constructor(
    private readonly hub: MeetingHub,
    private readonly store: MeetingStore,
    private readonly audit: AuditLog,
    private readonly registrations: RegistrationStore,
  ) {}

  async handle(seat: Seat, msg: HostActionMsg): Promise<void> {
    const live = this.hub.liveOf(seat);
    const m = live.meeting;
    const actor = seat.participantId;
    const now = Date.now();
    const audit = (kind: AuditKind, data: Record<string, unknown>) =>
      this.audit.append({ kind, actor, meetingId: m.id, data });

    switch (msg.type) {
      case 'admit': {
        const t = m.admit(actor, msg.participantId, now, msg.check);
        // A check with them ends here: their check-only media stops before they receive the meeting's.
        const open = live.checks.end(t.id);
        live.welcome(t.id);
        live.publish();
        // checkKeyed: an E2EE meeting's check ran on keys both sides derived, so its media stayed end to end.
        const keyed = open && m.e2ee ? { checkKeyed: open.keysSent.size === 2 } : {};
        await audit(AuditKind.ADMITTED, { participantId: t.id, displayName: t.displayName, entry: t.entry, ...(t.registrationId !== null && { registrationId: t.registrationId }), ...(msg.check && { check: msg.check }), ...keyed });
        return;
      }
      case 'startCheck': {
        const s = live.checks.start(actor, msg.participantId, now);
        await audit(AuditKind.CHECK_STARTED, { participantId: s.newcomerId, displayName: m.get(s.newcomerId)?.displayName ?? null });
        return;
      }
      case 'endCheck': {
        const s = live.checks.stop(actor, msg.participantId);
        if (s) await audit(AuditKind.CHECK_ENDED, { participantId: s.newcomerId, verifierId: s.verifierId, seconds: Math.round((now - s.startedAt) / 1000) });
        return;
      }
      case 'setRole': {
        const t = m.setRole(actor, msg.participantId, msg.role);
        if (!t) return;
        // No longer one who checks: a check they have open ends now (B7).
        if (!can(t.role, 'startCheck')) live.checks.gone(t.id);
        live.publish();
        await audit(AuditKind.ROLE_CHANGED, { participantId: t.id, displayName: t.displayName, role: t.role });
        return;
      }
      case 'admitAll': {
        const admitted = m.admitAll(actor, now);
        for (const t of admitted) live.welcome(t.id);
        live.publish();
        for (const t of admitted) {
          await audit(AuditKind.ADMITTED, { participantId: t.id, displayName: t.displayName, entry: t.entry, ...(t.registrationId !== null && { registrationId: t.registrationId }), all: true });
        }
        return;
      }
      case 'deny': {
        const t = m.deny(actor, msg.participantId);
        live.departed(t.id);
        this.hub.detach(live, t.id)?.end(ErrorCode.DENIED);
        live.publish();
        await audit(AuditKind.DENIED, { participantId: t.id, displayName: t.displayName });
        return;
      }
      case 'sendToWaiting': {
        const t = m.sendToWaiting(actor, msg.participantId);
        // Back in the waiting room: no media either way.
        live.departed(t.id);
        live.peers.get(t.id)?.send({ type: 'sentToWaiting' });
        live.publish();
        await audit(AuditKind.SENT_TO_WAITING, { participantId: t.id, displayName: t.displayName });
        return;
      }
      case 'remove':
        return this.removeAndBan(live, actor, msg.participantId, now);
      case 'setLocked': {
        const changed = m.setLocked(actor, msg.locked);
        if (!changed) return;
        await this.store.update(m.id, { locked: msg.locked });
        live.broadcastState();
        await audit(msg.locked ? AuditKind.LOCKED : AuditKind.UNLOCKED, {});
        return;
      }
      case 'liftBan': {
        const ban = m.liftBan(actor, msg.banId);
        await this.store.liftBan(m.id, ban.id, actor);
        live.publish();
        await audit(AuditKind.BAN_LIFTED, { banId: ban.id, displayName: ban.displayName, ...(ban.registrationId !== null && { registrationId: ban.registrationId }) });
        return;
      }
    }
  }

  /**
   * Removes a participant and bans them: device, account, and for a registrant the registration
   * and the keyed hash of its email (B3). Their media stops first; the ban is in force in memory
   * at once and persisted before anyone is told.
   */
  private async removeAndBan(live: LiveMeeting, actor: string, participantId: string, now: number): Promise<void> {
    const m = live.meeting;
    // Read before the removal, which then happens at once.
    const emailHash = await this.registrantEmailHash(m.id, m.get(participantId)?.registrationId ?? null);
    const { participant: t, ban } = m.remove(actor, participantId, newId('b'), now, emailHash);
    live.departed(t.id);
    await this.store.insertBan({ ...ban, meetingId: m.id, createdAt: new Date(ban.createdAt).toISOString(), createdBy: actor });
    this.hub.detach(live, t.id)?.end(ErrorCode.REMOVED);
    live.publish();
    const audit = (kind: AuditKind, data: Record<string, unknown>) => this.audit.append({ kind, actor, meetingId: m.id, data });
    await audit(AuditKind.REMOVED, { participantId: t.id, displayName: t.displayName, state: t.state });
    await audit(AuditKind.BANNED, {
      participantId: t.id,
      banId: ban.id,
      byDevice: ban.deviceHash !== null,
      byAccount: ban.userId !== null,
      // The registration, never the email: the ban's hash of it stays out of the log too.
      ...(ban.registrationId !== null && { registrationId: ban.registrationId, byEmail: ban.emailHash !== null }),
    });
  }

  /** The keyed hash of the email of the registration a participant came with, if any (B3). */
  private async registrantEmailHash(meetingId: string, registrationId: string | null): Promise<string | null> {
    if (registrationId === null) return null;
    const r = await this.registrations.get(meetingId, registrationId);
    return r ? this.registrations.emailHash(meetingId, r.email) : null;
  }
}
