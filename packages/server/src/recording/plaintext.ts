import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shredFile } from '../security/shred.js';

// Plaintext on disk: each part is written to data/tmp/ (0700) as a 0600 file, read back when the
// part ends, stored encrypted, then overwritten with zeros and unlinked. A server killed while
// recording leaves that file behind: shredLeftovers() destroys it at the next start, which is
// why every part file's name starts with TMP_PREFIX.

const TMP_DIR = 'tmp';
const TMP_PREFIX = 'recording-';

/** Creates data/tmp/ if needed, readable by the server's user only; returns its path. */
export function prepareTmpDir(dataDir: string): string {
  const dir = path.join(dataDir, TMP_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** A fresh name in `dir` for one part's plaintext. */
export function partFileName(dir: string): string {
  return path.join(dir, `${TMP_PREFIX}${randomBytes(12).toString('hex')}.webm`);
}

/** Destroys the plaintext of recordings a killed server left in data/tmp; returns how many. */
export function shredLeftovers(dataDir: string): number {
  const dir = path.join(dataDir, TMP_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    shredFile(path.join(dir, name));
    n++;
  }
  return n;
}
