import { openRecordingEnvelope, RecordingEnvelopeError } from '@kaigi/protocol';
import { ClientFailure } from '../i18n';
import { loadHostKey } from './HostKey';

/**
 * Opens a recording this host's browser made (downloaded ciphertext) with the key it keeps for
 * the account, and returns a playable file: the name to save it under and its bytes. The name
 * comes from the envelope's own header: the server keeps no name for an e2ee object (D2).
 */
export async function openHostRecording(userId: string, envelope: Uint8Array): Promise<{ name: string; data: Uint8Array<ArrayBuffer>; type: string }> {
  const key = await loadHostKey(userId);
  if (!key) throw new ClientFailure('RECORDING_KEY_MISSING');
  try {
    const opened = await openRecordingEnvelope(envelope, key.privateKey, key.keyId);
    const { startedAt, part, mimeType } = opened.header;
    const name = `recording-${startedAt.replace(/[:.]/g, '-')}-part${part}.webm`;
    return { name, data: opened.data, type: mimeType.split(';')[0] ?? 'video/webm' };
  } catch (e) {
    if (e instanceof RecordingEnvelopeError) throw new ClientFailure(e.code === 'NO_KEY' ? 'RECORDING_KEY_MISSING' : 'RECORDING_DAMAGED');
    throw e;
  }
}
