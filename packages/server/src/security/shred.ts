import fs from 'node:fs';
import path from 'node:path';

// Destroying plaintext on disk: the bytes are overwritten and synced before the name goes. On
// SSDs and copy-on-write filesystems only key destruction is a guarantee; this removes what
// a plain unlink would leave readable.

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Overwrites a file with zeros and fsyncs it, then unlinks it. A missing file is left at that. */
export function shredFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let at = 0; at < size; ) at += fs.writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.unlinkSync(file);
  fsyncDir(path.dirname(file));
}
