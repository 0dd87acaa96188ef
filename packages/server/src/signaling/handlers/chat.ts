import { ErrorCode } from '@kaigi/protocol';
import { readFraming } from '../../e2ee/MlsFraming.js';
import { KaigiError } from '../../errors.js';
import type { Handler, MessageOf } from '../Route.js';

/**
 * Chat (A3, D2). Messages are relayed to the admitted participants in the order the server
 * receives them and never logged. They are written down only when the host chose to keep chat
 * (retention above 0, shown to everyone), and never in an E2EE meeting, where the server accepts
 * only MLS application messages, which it cannot read.
 */
export const chat: Handler<MessageOf<'chat'>> = (room, me, msg, call) => {
  const m = room.meeting;
  if (!m.canChat(me.id)) throw new KaigiError(ErrorCode.CHAT_DISABLED);
  if ((msg.text === undefined) === (msg.ciphertext === undefined)) {
    throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'A chat message carries either text or ciphertext.');
  }
  if (m.e2ee) {
    if (msg.ciphertext === undefined) throw new KaigiError(ErrorCode.E2EE_PLAINTEXT_REFUSED);
    const f = readFraming(Buffer.from(msg.ciphertext, 'base64'));
    if (f?.wireformat !== 'mls_private_message' || f.contentType !== 'application') {
      throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'Encrypted chat must be an MLS application message.');
    }
  } else if (msg.text === undefined) {
    throw new KaigiError(ErrorCode.E2EE_NOT_ENABLED, 'This meeting is not end-to-end encrypted: send chat as text.');
  }
  const seq = room.nextChatSeq();
  const at = Date.now();
  room.toAdmitted({
    type: 'chat',
    seq,
    from: me.id,
    fromName: me.displayName,
    at,
    ...(msg.text !== undefined ? { text: msg.text } : { ciphertext: msg.ciphertext }),
  });
  if (m.keepsChat && msg.text !== undefined) call.deps.chat?.add(m.id, { seq, at, from: me.id, fromName: me.displayName, text: msg.text });
};
