// What the delivery service may read of an MLS message: its public framing only (RFC 9420 §6).
// The server holds no group secret, so it can order commits by epoch and check that a
// KeyPackage is in its uploader's name, and nothing more.

import { decodeMlsMessage, type MLSMessage } from 'ts-mls';

const CIPHER_SUITE = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256'; // MLS_CIPHER_SUITE in @kaigi/protocol

export interface MlsFraming {
  wireformat: 'mls_public_message' | 'mls_private_message' | 'mls_welcome' | 'mls_key_package' | 'mls_group_info';
  epoch?: number;
  contentType?: 'application' | 'proposal' | 'commit';
  groupId?: Uint8Array;
}

/** The whole input as one MLSMessage of MLS 1.0, or null (bad bytes, trailing bytes, decoder errors). */
function decodeExactly(bytes: Uint8Array): MLSMessage | null {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    if (decoded === undefined || decoded[1] !== bytes.length) return null;
    return decoded[0].version === 'mls10' ? decoded[0] : null;
  } catch {
    return null;
  }
}

function safeEpoch(epoch: bigint): number | null {
  return epoch >= 0n && epoch <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(epoch) : null;
}

export function readFraming(bytes: Uint8Array): MlsFraming | null {
  const msg = decodeExactly(bytes);
  if (msg === null) return null;
  switch (msg.wireformat) {
    case 'mls_public_message':
    case 'mls_private_message': {
      const f = msg.wireformat === 'mls_public_message' ? msg.publicMessage.content : msg.privateMessage;
      const epoch = safeEpoch(f.epoch);
      if (epoch === null) return null;
      return { wireformat: msg.wireformat, epoch, contentType: f.contentType, groupId: f.groupId };
    }
    case 'mls_group_info': {
      const epoch = safeEpoch(msg.groupInfo.groupContext.epoch);
      if (epoch === null) return null;
      return { wireformat: msg.wireformat, epoch, groupId: msg.groupInfo.groupContext.groupId };
    }
    case 'mls_welcome':
    case 'mls_key_package':
      return { wireformat: msg.wireformat };
    default:
      return null;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The basic-credential identity (UTF-8) of an encoded KeyPackage message of Kaigi's cipher
 * suite, or null. Its signature is not checked here: the member that adds it does that.
 */
export function keyPackageIdentity(bytes: Uint8Array): string | null {
  const msg = decodeExactly(bytes);
  if (msg?.wireformat !== 'mls_key_package') return null;
  const kp = msg.keyPackage;
  if (kp.cipherSuite !== CIPHER_SUITE || kp.leafNode.credential.credentialType !== 'basic') return null;
  try {
    return utf8.decode(kp.leafNode.credential.identity);
  } catch {
    return null;
  }
}
