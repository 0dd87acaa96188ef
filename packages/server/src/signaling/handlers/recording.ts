import { ErrorCode, type ClientMessageType } from '@kaigi/protocol';
import { KaigiError } from '../../errors.js';
import type { Room } from '../../rooms/Room.js';
import type { Handler, MessageOf } from '../Route.js';

// Recording messages of an admitted host (A5). `setRecording` starts and stops the room's server
// recorder, never in an E2EE meeting, where the server cannot and must not see the media (D4);
// `announceLocalRecording` tells everyone that a host's browser records. Both are host actions
// in the permission table; the recording itself is the room's (rooms/RoomRecording.ts).

type H<T extends ClientMessageType> = Handler<MessageOf<T>>;

/** F1: only Low meetings record (server or browser); Medium and High keep no recordings. */
function allowed(room: Room, type: 'setRecording' | 'announceLocalRecording'): void {
  const policy = room.meeting.policy;
  const e2ee = room.meeting.e2ee;
  if (type === 'setRecording' ? policy.serverRecording && !e2ee : policy.browserRecording) return;
  if (type === 'setRecording' && e2ee && policy.serverRecording) throw new KaigiError(ErrorCode.RECORDING_UNAVAILABLE);
  throw new KaigiError(ErrorCode.FORBIDDEN_BY_LEVEL, `${policy.level} meetings are not recorded.`);
}

export const setRecording: H<'setRecording'> = async (room, me, msg) => {
  // FORBIDDEN (not a host) before anything else.
  room.meeting.authorize(me.id, msg.type);
  if (!msg.active) return room.recording.stop(me.id, 'host');
  allowed(room, msg.type);
  return room.recording.start(me);
};

export const announceLocalRecording: H<'announceLocalRecording'> = async (room, me, msg) => {
  room.meeting.authorize(me.id, msg.type);
  if (msg.active) allowed(room, msg.type);
  return room.recording.announceLocal(me, msg.active);
};
