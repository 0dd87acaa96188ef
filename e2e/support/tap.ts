import { readFileSync } from 'node:fs';
import type { TapRecord } from '../../packages/server/src/sfu/RtpTap.js';

/** Every RTP payload the SFU forwarded so far (a server started with KAIGI_TEST_RTP_TAP=file). */
export function readTap(file: string): TapRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TapRecord);
}
