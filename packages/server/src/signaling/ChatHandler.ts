import { ErrorCode, type ClientMessage } from '@kaigi/protocol';
import { MeetingError } from '../meeting/MeetingError.js';
import { readFraming } from '../e2ee/MlsFraming.js';
import type { MeetingHub, Seat } from './MeetingHub.js';
import type { ChatTranscripts } from '../retention/ChatTranscripts.js';

export type ChatMsg = Extract<ClientMessage, { type: 'chat' }>;

/**
 * Chat (A3, D2). Messages are relayed to the admitted participants in the order the server
 * receives them and never logged. They are written down only when the host chose to keep chat
 * (retention above 0, shown to everyone), and never in an E2EE meeting, where the server accepts
 * only MLS application messages, which it cannot read.
 */
export class ChatHandler {
  constructor(
    private readonly hub: MeetingHub,
    /** Where chat goes when the host keeps it (never in E2EE meetings). */
    private readonly transcripts?: ChatTranscripts,
  ) {}

  handle(seat: Seat, msg: ChatMsg): void {
    const live = this.hub.liveOf(seat);
    const m = live.meeting;
    const me = m.get(seat.participantId);
    if (!me) throw new MeetingError(ErrorCode.NOT_JOINED);
    if (me.state !== 'admitted') throw new MeetingError(ErrorCode.NOT_ADMITTED);
    if (!m.canChat(me.id)) throw new MeetingError(ErrorCode.CHAT_DISABLED);
    if ((msg.text === undefined) === (msg.ciphertext === undefined)) {
      throw new MeetingError(ErrorCode.INVALID_MESSAGE, 'A chat message carries either text or ciphertext.');
    }
    if (m.e2ee) {
      if (msg.ciphertext === undefined) throw new MeetingError(ErrorCode.E2EE_PLAINTEXT_REFUSED);
      const f = readFraming(Buffer.from(msg.ciphertext, 'base64'));
      if (f?.wireformat !== 'mls_private_message' || f.contentType !== 'application') {
        throw new MeetingError(ErrorCode.INVALID_MESSAGE, 'Encrypted chat must be an MLS application message.');
      }
    } else if (msg.text === undefined) {
      throw new MeetingError(ErrorCode.E2EE_NOT_ENABLED, 'This meeting is not end-to-end encrypted: send chat as text.');
    }
    const seq = live.chatSeq++;
    const at = Date.now();
    live.toAdmitted({
      type: 'chat',
      seq,
      from: me.id,
      fromName: me.displayName,
      at,
      ...(msg.text !== undefined ? { text: msg.text } : { ciphertext: msg.ciphertext }),
    });
    if (m.keepsChat && msg.text !== undefined) this.transcripts?.add(m.id, { seq, at, from: me.id, fromName: me.displayName, text: msg.text });
  }
}
