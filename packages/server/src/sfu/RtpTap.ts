import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * A test facility: writes every RTP payload the SFU forwards to a file, one JSON line each, so
 * a test can check what the server actually sees (E2EE: only SFrame ciphertext). Off unless
 * KAIGI_TEST_RTP_TAP names a file; the server warns at start when it is on.
 */
export interface TapRecord {
  /** Milliseconds since the epoch. */
  t: number;
  from: string;
  to: string;
  source: string;
  kind: 'audio' | 'video';
  seq: number;
  payload: string;
}

let out: WriteStream | null = null;

export const RtpTap = {
  open(path: string): void {
    out = createWriteStream(path, { flags: 'a' });
  },
  get on(): boolean {
    return out !== null;
  },
  write(r: Omit<TapRecord, 't' | 'payload'>, payload: Buffer): void {
    out?.write(`${JSON.stringify({ t: Date.now(), ...r, payload: payload.toString('base64') })}\n`);
  },
  close(): void {
    out?.end();
    out = null;
  },
};
