import { AuditKind, ErrorCode, type ClientMessage } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import { MeetingError } from '../meeting/MeetingError.js';
import type { MeetingHub, Seat } from './MeetingHub.js';

export type E2eeMsg = Extract<ClientMessage, { type: 'mlsKeyPackage' | 'mlsCommit' | 'mlsSync' | 'mlsFailed' | 'verify' }>;

export const E2EE_TYPES: ReadonlySet<string> = new Set<E2eeMsg['type']>(['mlsKeyPackage', 'mlsCommit', 'mlsSync', 'mlsFailed', 'verify']);

/**
 * E2EE messages of an admitted participant: MLS traffic goes to the meeting's delivery service,
 * which forwards opaque bytes; `verify` records a host's safety-code check (B7).
 */
export class E2eeHandler {
  constructor(
    private readonly hub: MeetingHub,
    private readonly audit: AuditLog,
  ) {}

  async handle(seat: Seat, msg: E2eeMsg): Promise<void> {
    const live = this.hub.liveOf(seat);
    const me = live.meeting.get(seat.participantId);
    if (!me) throw new MeetingError(ErrorCode.NOT_JOINED);
    if (me.state !== 'admitted') throw new MeetingError(ErrorCode.NOT_ADMITTED);
    const ds = live.ds;
    if (!ds) throw new MeetingError(ErrorCode.E2EE_NOT_ENABLED);
    switch (msg.type) {
      case 'mlsKeyPackage':
        return ds.keyPackage(me.id, msg.keyPackage);
      case 'mlsCommit':
        return ds.commit(me.id, msg.commit, msg.welcome);
      case 'mlsSync':
        return ds.sync(me.id, msg.epoch);
      case 'mlsFailed':
        ds.failed(me.id);
        await this.audit.append({ kind: AuditKind.E2EE_REJOIN, actor: me.id, meetingId: live.meeting.id, data: { reason: msg.reason } });
        return;
      case 'verify': {
        // A check made against an older code proves nothing about the current group.
        if (msg.epoch !== ds.currentEpoch) {
          throw new MeetingError(ErrorCode.MLS_EPOCH_MISMATCH, 'The safety code has changed since you compared it; compare the new one.');
        }
        if (!ds.isMember(msg.participantId)) {
          throw new MeetingError(ErrorCode.UNKNOWN_PARTICIPANT, 'That person has not joined the encryption group yet.');
        }
        const t = live.meeting.verify(me.id, msg.participantId, msg.epoch, Date.now());
        live.publish();
        await this.audit.append({
          kind: AuditKind.VERIFIED,
          actor: me.id,
          meetingId: live.meeting.id,
          data: { participantId: t.id, displayName: t.displayName, epoch: msg.epoch, method: 'safety-code' },
        });
        return;
      }
    }
  }
}
