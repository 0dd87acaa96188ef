import { AuditKind, ErrorCode, MediaSource, runsMeeting, type ClientMessageType } from '@kaigi/protocol';
import { KaigiError } from '../../errors.js';
import type { Room } from '../../rooms/Room.js';
import { sdpRefusal } from '../../sfu/sdpCheck.js';
import type { Handler, MessageOf } from '../Route.js';

// Media messages of an admitted participant (or of a newcomer during a verifier's check, B7: the
// routes say which). The permission to publish each source is decided here, on the server, from
// the meeting's rules (C1, C2): a modified client that offers a track it may not send is
// refused, and its packets are forwarded to no one.

type H<T extends ClientMessageType> = Handler<MessageOf<T>>;

export const publish: H<'publish'> = async (room, me, msg, call) => {
  const sources = msg.tracks.map((t) => t.source);
  if (new Set(sources).size !== sources.length || new Set(msg.tracks.map((t) => t.mid)).size !== sources.length) {
    throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'Each source and each mid may appear once.');
  }
  const forbidden = sources.filter((s) => !room.meeting.canPublish(me.id, s) && !room.checks.allowsPublishing(me.id, s));
  if (forbidden.length) {
    await call.deps.audit.append({ kind: AuditKind.MEDIA_REFUSED, actor: me.id, meetingId: room.meeting.id, data: { sources: forbidden } });
    throw new KaigiError(ErrorCode.FORBIDDEN, `You are not allowed to send: ${forbidden.join(', ')}.`);
  }
  // D1, D5: a description without a DTLS fingerprint, or with a data channel, is not used.
  refuseSdp(msg.sdp);
  let sdp: string;
  try {
    sdp = await room.router.publish(me.id, { sdp: msg.sdp, tracks: msg.tracks });
  } catch (err) {
    // The Router's own refusals name what is wrong with the offer; anything else is werift's and is logged.
    if (err instanceof KaigiError) throw err;
    call.deps.log.warn({ err }, 'publish offer failed');
    throw new KaigiError(ErrorCode.INVALID_MESSAGE, { message: 'The offer could not be used.', cause: err });
  }
  call.reply({ type: 'publishAnswer', reqId: msg.reqId, sdp });
};

export const subscribeAnswer: H<'subscribeAnswer'> = async (room, me, msg) => {
  refuseSdp(msg.sdp);
  // A Router in a media worker answers across the thread (sfu/worker/RouterProxy.ts).
  if (!(await room.router.subscribeAnswer(me.id, msg.sdp))) throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'No offer is waiting for an answer.');
};

export const resubscribe: H<'resubscribe'> = (room, me) => {
  room.router.resubscribe(me.id);
};

export const videoPreferences: H<'videoPreferences'> = (room, me, msg) => {
  room.router.setVideoPreferences(me.id, msg.tiles);
};

export const setMediaPermissions: H<'setMediaPermissions'> = async (room, me, msg, call) => {
  const m = room.meeting;
  const withdrawn = m.setMediaPermissions(me.id, msg.permissions);
  await call.deps.store.update(m.id, { mediaPermissions: m.mediaPermissions });
  for (const source of withdrawn) stopForParticipants(room, source);
  room.sendMeetingState();
  await call.deps.audit.append({ kind: AuditKind.MEDIA_PERMISSIONS, actor: me.id, meetingId: m.id, data: { ...m.mediaPermissions } });
};

export const stopMedia: H<'stopMedia'> = async (room, me, msg, call) => {
  const target = room.meeting.stopMedia(me.id, msg.participantId);
  if (room.router.closeProducer(target.id, msg.source)) room.send(target.id, { type: 'mediaStopped', source: msg.source, reason: 'host' });
  await call.deps.audit.append({ kind: AuditKind.MEDIA_STOPPED, actor: me.id, meetingId: room.meeting.id, data: { participantId: target.id, source: msg.source } });
};

/**
 * C3: one action, applied at once: permissions off and locked in memory first, then every
 * participant's media stops, then it is persisted, announced and audited.
 */
export const suspendAll: H<'suspendAll'> = async (room, me, _msg, call) => {
  const m = room.meeting;
  const affected = m.suspend(me.id);
  for (const source of MediaSource.options) stopForParticipants(room, source);
  await call.deps.store.update(m.id, { mediaPermissions: m.mediaPermissions, locked: true });
  room.sendMeetingState();
  await call.deps.audit.append({ kind: AuditKind.SUSPENDED, actor: me.id, meetingId: m.id, data: { participants: affected.length } });
};

/** A permission was withdrawn: every participant (not host) sending that source stops now. */
function stopForParticipants(room: Room, source: MediaSource): void {
  for (const p of room.meeting.all()) {
    if (runsMeeting(p.role)) continue;
    if (room.router.closeProducer(p.id, source)) room.send(p.id, { type: 'mediaStopped', source, reason: 'permission' });
  }
}

function refuseSdp(sdp: string): void {
  const why = sdpRefusal(sdp);
  if (why) throw new KaigiError(ErrorCode.INVALID_MESSAGE, why);
}
