import { AuditKind, ErrorCode, type ClientMessageType } from '@kaigi/protocol';
import type { DeliveryService } from '../../e2ee/DeliveryService.js';
import { KaigiError } from '../../errors.js';
import type { Room } from '../../rooms/Room.js';
import type { Handler, MessageOf } from '../Route.js';

// E2EE messages: MLS traffic goes to the room's delivery service, which forwards opaque bytes;
// `verify` records a host's safety-code check; `checkKey` relays one side's key of a verifier's
// check to the other side (B7).

type H<T extends ClientMessageType> = Handler<MessageOf<T>>;

function delivery(room: Room): DeliveryService {
  if (!room.delivery) throw new KaigiError(ErrorCode.E2EE_NOT_ENABLED);
  return room.delivery;
}

export const mlsKeyPackage: H<'mlsKeyPackage'> = (room, me, msg) => delivery(room).keyPackage(me.id, msg.keyPackage);

export const mlsCommit: H<'mlsCommit'> = (room, me, msg) => delivery(room).commit(me.id, msg.commit, msg.welcome);

export const mlsSync: H<'mlsSync'> = (room, me, msg) => delivery(room).sync(me.id, msg.epoch);

export const mlsFailed: H<'mlsFailed'> = async (room, me, msg, call) => {
  delivery(room).failed(me.id);
  await call.deps.audit.append({ kind: AuditKind.E2EE_REJOIN, actor: me.id, meetingId: room.meeting.id, data: { reason: msg.reason } });
};

export const verify: H<'verify'> = async (room, me, msg, call) => {
  const ds = delivery(room);
  // A check made against an older code proves nothing about the current group.
  if (msg.epoch !== ds.currentEpoch) {
    throw new KaigiError(ErrorCode.MLS_EPOCH_MISMATCH, 'The safety code has changed since you compared it; compare the new one.');
  }
  if (!ds.isMember(msg.participantId)) throw new KaigiError(ErrorCode.UNKNOWN_PARTICIPANT, 'That person has not joined the encryption group yet.');
  const t = room.meeting.verify(me.id, msg.participantId, msg.epoch, Date.now());
  room.sendViews();
  await call.deps.audit.append({
    kind: AuditKind.VERIFIED,
    actor: me.id,
    meetingId: room.meeting.id,
    data: { participantId: t.id, displayName: t.displayName, epoch: msg.epoch, method: 'safety-code' },
  });
};

export const checkKey: H<'checkKey'> = (room, me, msg) => {
  room.checks.relayKey(me.id, msg.publicKey);
};
