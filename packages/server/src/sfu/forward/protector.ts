// The SRTP sending context the forwarding fast path seals with (D5: AEAD_AES_128_GCM only):
// Kaigi's own (sfu/srtp), with one AES-GCM context per key in the native addon.
import { SrtpSendContext } from '../srtp/SrtpContext.js';
import type { ProtectorFactory } from './Downlink.js';

export const defaultProtectorFactory: ProtectorFactory = (keys) => new SrtpSendContext(keys);
