import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A 256-bit server key in data/keys/NAME.key, created on first use. Keys live apart from the
 * database so that a copy of the database alone opens nothing.
 */
export function serverKey(dataDir: string, name: string): Buffer {
  const dir = path.join(dataDir, 'keys');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}.key`);
  if (!fs.existsSync(file)) {
    try {
      fs.writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process (the CLI beside the server) created it first.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const key = fs.readFileSync(file);
  if (key.length !== 32) throw new Error(`${file} must hold 32 bytes`);
  return key;
}
