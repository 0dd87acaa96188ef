import { AuditKind, ErrorCode, MediaSource, runsMeeting, type ClientMessage } from '@kaigi/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/AuditLog.js';
import { MeetingError } from '../meeting/MeetingError.js';
import { MediaRefusal } from '../sfu/Router.js';
import { sdpRefusal } from '../sfu/sdpCheck.js';
import type { MeetingStore } from '../storage/MeetingStore.js';
import type { MeetingHub, Seat } from './MeetingHub.js';
import type { Peer } from './Peer.js';

export type MediaMsg = Extract<
  ClientMessage,
  { type: 'publish' | 'subscribeAnswer' | 'resubscribe' | 'setMediaPermissions' | 'stopMedia' | 'videoPreferences' | 'suspendAll' }
>;

export const MEDIA_TYPES: ReadonlySet<string> = new Set<MediaMsg['type']>([
  'publish',
  'subscribeAnswer',
  'resubscribe',
  'setMediaPermissions',
  'stopMedia',
  'videoPreferences',
  'suspendAll',
]);

/** What a newcomer under a check may send: its own media, and answers for what it receives. */
const CHECK_MEDIA_TYPES: ReadonlySet<string> = new Set<MediaMsg['type']>(['publish', 'subscribeAnswer', 'resubscribe', 'videoPreferences']);

/**
 * Media messages of an admitted participant (or of a newcomer during a verifier's check, B7). The permission to publish each source is decided
 * here, on the server, from the meeting's rules (C1, C2): a modified client that offers a track
 * it may not send is refused, and its packets are forwarded to no one.
 */
export class MediaHandler {
  constructor(
    private readonly hub: MeetingHub,
    private readonly store: MeetingStore,
    private readonly audit: AuditLog,
    private readonly log: FastifyBaseLogger,
  ) {}

  async handle(seat: Seat, peer: Peer, msg: MediaMsg): Promise<void> {
    const live = this.hub.liveOf(seat);
    const m = live.meeting;
    const me = m.get(seat.participantId);
    if (!me) throw new MeetingError(ErrorCode.NOT_JOINED);
    const pid = me.id;
    // A newcomer in the waiting room sends and receives media only while a verifier checks them (B7).
    const inCheck = live.checks.of(pid) !== undefined;
    if (me.state !== 'admitted' && !(inCheck && CHECK_MEDIA_TYPES.has(msg.type))) throw new MeetingError(ErrorCode.NOT_ADMITTED);

    switch (msg.type) {
      case 'publish': {
        const sources = msg.tracks.map((t) => t.source);
        if (new Set(sources).size !== sources.length || new Set(msg.tracks.map((t) => t.mid)).size !== sources.length) {
          throw new MeetingError(ErrorCode.INVALID_MESSAGE, 'Each source and each mid may appear once.');
        }
        const forbidden = sources.filter((s) => !m.canPublish(pid, s) && !live.checks.allowsPublishing(pid, s));
        if (forbidden.length) {
          await this.audit.append({ kind: AuditKind.MEDIA_REFUSED, actor: pid, meetingId: m.id, data: { sources: forbidden } });
          throw new MeetingError(ErrorCode.FORBIDDEN, `You are not allowed to send: ${forbidden.join(', ')}.`);
        }
        // D1, D5: a description without a DTLS fingerprint, or with a data channel, is not used.
        refuseSdp(msg.sdp);
        try {
          const sdp = await live.router.publish(pid, { sdp: msg.sdp, tracks: msg.tracks });
          peer.send({ type: 'publishAnswer', reqId: msg.reqId, sdp });
        } catch (err) {
          if (!(err instanceof MediaRefusal)) this.log.warn({ err }, 'publish offer failed');
          throw new MeetingError(ErrorCode.INVALID_MESSAGE, err instanceof MediaRefusal ? err.message : 'The offer could not be used.');
        }
        return;
      }
      case 'subscribeAnswer': {
        refuseSdp(msg.sdp);
        if (!live.router.subscribeAnswer(pid, msg.sdp)) {
          throw new MeetingError(ErrorCode.INVALID_MESSAGE, 'No offer is waiting for an answer.');
        }
        return peer.send({ type: 'ok', reqId: msg.reqId });
      }
      case 'resubscribe': {
        live.router.resubscribe(pid);
        return peer.send({ type: 'ok', reqId: msg.reqId });
      }
      case 'setMediaPermissions': {
        const withdrawn = m.setMediaPermissions(pid, msg.permissions);
        await this.store.update(m.id, { mediaPermissions: m.mediaPermissions });
        for (const source of withdrawn) this.stopForParticipants(live, source);
        live.broadcastState();
        await this.audit.append({ kind: AuditKind.MEDIA_PERMISSIONS, actor: pid, meetingId: m.id, data: { ...m.mediaPermissions } });
        return peer.send({ type: 'ok', reqId: msg.reqId });
      }
      case 'stopMedia': {
        const target = m.stopMedia(pid, msg.participantId);
        if (live.router.closeProducer(target.id, msg.source)) {
          live.peers.get(target.id)?.send({ type: 'mediaStopped', source: msg.source, reason: 'host' });
        }
        await this.audit.append({ kind: AuditKind.MEDIA_STOPPED, actor: pid, meetingId: m.id, data: { participantId: target.id, source: msg.source } });
        return peer.send({ type: 'ok', reqId: msg.reqId });
      }
      case 'suspendAll': {
        // C3: one action, applied at once: permissions off and locked in memory first, then every
        // participant's media stops, then it is persisted, announced and audited.
        const affected = m.suspend(pid);
        for (const source of MediaSource.options) this.stopForParticipants(live, source);
        await this.store.update(m.id, { mediaPermissions: m.mediaPermissions, locked: true });
        live.broadcastState();
        await this.audit.append({ kind: AuditKind.SUSPENDED, actor: pid, meetingId: m.id, data: { participants: affected.length } });
        return peer.send({ type: 'ok', reqId: msg.reqId });
      }
      case 'videoPreferences': {
        live.router.setVideoPreferences(pid, msg.tiles);
        return peer.send({ type: 'ok', reqId: msg.reqId });
      }
    }
  }

  /** A permission was withdrawn: every participant (not host) sending that source stops now. */
  private stopForParticipants(live: ReturnType<MeetingHub['liveOf']>, source: MediaSource): void {
    for (const p of live.meeting.all()) {
      if (runsMeeting(p.role)) continue;
      if (live.router.closeProducer(p.id, source)) {
        live.peers.get(p.id)?.send({ type: 'mediaStopped', source, reason: 'permission' });
      }
    }
  }
}

function refuseSdp(sdp: string): void {
  const why = sdpRefusal(sdp);
  if (why) throw new MeetingError(ErrorCode.INVALID_MESSAGE, why);
}
