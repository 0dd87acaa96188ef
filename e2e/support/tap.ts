import { readFileSync } from 'node:fs';

/** One RTP payload the SFU forwarded, as tapServer.ts writes it (one JSON line each). */
export interface TapRecord {
  /** Milliseconds since the epoch. */
  t: number;
  from: string;
  to: string;
  source: string;
  kind: 'audio' | 'video';
  seq: number;
  /** The RTP payload, base64. */
  payload: string;
}

/** Every RTP payload the SFU forwarded so far (a server started with `startServer(env, dir, { tap: file })`). */
export function readTap(file: string): TapRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TapRecord);
}
