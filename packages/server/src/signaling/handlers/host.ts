import { AuditKind, can, type ClientMessageType } from '@kaigi/protocol';
import type { Room } from '../../rooms/Room.js';
import type { RegistrationStore } from '../../storage/RegistrationStore.js';
import type { Call, Handler, MessageOf } from '../Route.js';

// Host actions on the waiting room, the roster and the meeting (admit, deny, checks, roles,
// removal and bans, lock), and leaving. The actor's rights come from its seat, never from the
// message: the Meeting checks each against the permission table (C1, C3).

type H<T extends ClientMessageType> = Handler<MessageOf<T>>;

const audit = (room: Room, call: Call, actor: string, kind: AuditKind, data: Record<string, unknown>) =>
  call.deps.audit.append({ kind, actor, meetingId: room.meeting.id, data });

/** The participant leaves: the one way out, then the answer, then the socket closes. */
export const leave: H<'leave'> = async (room, me, msg, call) => {
  call.leaving();
  await room.depart(me.id, 'left');
  call.reply({ type: 'ok', reqId: msg.reqId });
  call.hangUp('left');
};

export const admit: H<'admit'> = async (room, me, msg, call) => {
  const m = room.meeting;
  const t = m.admit(me.id, msg.participantId, Date.now(), msg.check);
  // A check with them ends here: their check-only media stops before they receive the meeting's.
  const open = room.checks.end(t.id);
  room.welcome(t.id);
  room.sendViews();
  // checkKeyed: an E2EE meeting's check ran on keys both sides derived, so its media stayed end to end.
  const keyed = open && m.e2ee ? { checkKeyed: open.keysSent.size === 2 } : {};
  await audit(room, call, me.id, AuditKind.ADMITTED, {
    participantId: t.id,
    displayName: t.displayName,
    entry: t.entry,
    ...(t.registrationId !== null && { registrationId: t.registrationId }),
    ...(msg.check && { check: msg.check }),
    ...keyed,
  });
};

export const admitAll: H<'admitAll'> = async (room, me, _msg, call) => {
  const admitted = room.meeting.admitAll(me.id, Date.now());
  for (const t of admitted) room.welcome(t.id);
  room.sendViews();
  for (const t of admitted) {
    await audit(room, call, me.id, AuditKind.ADMITTED, { participantId: t.id, displayName: t.displayName, entry: t.entry, ...(t.registrationId !== null && { registrationId: t.registrationId }), all: true });
  }
};

export const deny: H<'deny'> = async (room, me, msg) => {
  await room.depart(msg.participantId, 'denied', { actor: me.id });
};

/** Back in the waiting room: no media either way, no keys, no check. */
export const sendToWaiting: H<'sendToWaiting'> = async (room, me, msg) => {
  await room.depart(msg.participantId, 'sentBack', { actor: me.id });
};

/**
 * Removes a participant and bans them: device, account, and for a registrant the registration
 * and the keyed hash of its email (B3). The room persists the ban before anyone is told.
 */
export const remove: H<'remove'> = async (room, me, msg, call) => {
  // Read before the removal, which then happens at once.
  const registrationId = room.meeting.get(msg.participantId)?.registrationId ?? null;
  const emailHash = await registrantEmailHash(call.deps.registrations, room.meeting.id, registrationId);
  await room.depart(msg.participantId, 'removed', { actor: me.id, emailHash });
};

export const setLocked: H<'setLocked'> = async (room, me, msg, call) => {
  const m = room.meeting;
  if (!m.setLocked(me.id, msg.locked)) return;
  await call.deps.store.update(m.id, { locked: msg.locked });
  room.sendMeetingState();
  await audit(room, call, me.id, msg.locked ? AuditKind.LOCKED : AuditKind.UNLOCKED, {});
};

export const liftBan: H<'liftBan'> = async (room, me, msg, call) => {
  const m = room.meeting;
  const ban = m.liftBan(me.id, msg.banId);
  await call.deps.store.liftBan(m.id, ban.id, me.id);
  room.sendViews();
  await audit(room, call, me.id, AuditKind.BAN_LIFTED, { banId: ban.id, displayName: ban.displayName, ...(ban.registrationId !== null && { registrationId: ban.registrationId }) });
};

export const setRole: H<'setRole'> = async (room, me, msg, call) => {
  const t = room.meeting.setRole(me.id, msg.participantId, msg.role);
  if (!t) return;
  // No longer one who checks: a check they have open ends now (B7).
  if (!can(t.role, 'startCheck')) room.checks.participantGone(t.id);
  room.sendViews();
  await audit(room, call, me.id, AuditKind.ROLE_CHANGED, { participantId: t.id, displayName: t.displayName, role: t.role });
};

export const startCheck: H<'startCheck'> = async (room, me, msg, call) => {
  const s = room.checks.start(me.id, msg.participantId, Date.now());
  await audit(room, call, me.id, AuditKind.CHECK_STARTED, { participantId: s.newcomerId, displayName: room.meeting.get(s.newcomerId)?.displayName ?? null });
};

export const endCheck: H<'endCheck'> = async (room, me, msg, call) => {
  const s = room.checks.stop(me.id, msg.participantId);
  if (s) await audit(room, call, me.id, AuditKind.CHECK_ENDED, { participantId: s.newcomerId, verifierId: s.verifierId, seconds: Math.round((Date.now() - s.startedAt) / 1000) });
};

/** The keyed hash of the email of the registration a participant came with, if any (B3). */
async function registrantEmailHash(registrations: RegistrationStore, meetingId: string, registrationId: string | null): Promise<string | null> {
  if (registrationId === null) return null;
  const r = await registrations.get(meetingId, registrationId);
  return r ? registrations.emailHash(meetingId, r.email) : null;
}
