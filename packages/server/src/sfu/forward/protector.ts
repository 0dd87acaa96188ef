// The SRTP sending context the forwarding fast path seals with (D5: AEAD_AES_128_GCM only).
// MERGE (issue 15): the one line to change is the factory below, to the srtp engineer's
//   (keys) => new SrtpSendContext(keys)   from '../srtp/SrtpContext.js'
// after which forward/weriftProtector.ts and its test can go.
import type { ProtectorFactory } from './Downlink.js';
import { weriftProtector } from './weriftProtector.js';

export const defaultProtectorFactory: ProtectorFactory = weriftProtector;
