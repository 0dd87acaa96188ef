// AES-128-GCM through node:crypto: a new cipher per packet (createCipheriv/createDecipheriv),
// which allocates and costs ~5-7 µs per 1200-byte packet here. It is the fallback when the
// native addon (native/aes_gcm.c) is not built; the argument checks match the addon's.

import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { AesGcm } from './types.js';

const KEY_LENGTH = 16;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const MAX_EXTRA_AAD = 64;

function checkBytes(value: unknown, what: string): asserts value is Buffer {
  if (!Buffer.isBuffer(value)) throw new TypeError(`${what} must be a Buffer`);
}

function checkOffset(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${what} out of range`);
}

/** The checks the addon makes: a bad call throws instead of touching memory outside `buf`. */
export function checkGcmArgs(
  iv: Buffer,
  buf: Buffer,
  aadEnd: number,
  end: number,
  extraAad: Buffer | undefined,
  sealing: boolean,
): void {
  checkBytes(iv, 'iv');
  if (iv.length !== IV_LENGTH) throw new RangeError('iv must be 12 bytes');
  checkBytes(buf, 'buf');
  checkOffset(end, buf.length, 'end');
  checkOffset(aadEnd, end, 'aadEnd');
  if (sealing && buf.length - end < TAG_LENGTH) throw new RangeError('buf has no room for the tag');
  if (!sealing && end - aadEnd < TAG_LENGTH) throw new RangeError('no tag between aadEnd and end');
  if (extraAad !== undefined) {
    checkBytes(extraAad, 'extraAad');
    if (extraAad.length > MAX_EXTRA_AAD) throw new RangeError('extraAad too long');
  }
}

export class NodeAesGcm implements AesGcm {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    checkBytes(key, 'key');
    if (key.length !== KEY_LENGTH) throw new RangeError('key must be 16 bytes (AES-128)');
    this.key = Buffer.from(key);
  }

  seal(iv: Buffer, buf: Buffer, aadEnd: number, end: number, extraAad?: Buffer): number {
    checkGcmArgs(iv, buf, aadEnd, end, extraAad, true);
    const cipher = createCipheriv('aes-128-gcm', this.key, iv);
    cipher.setAAD(extraAad === undefined ? buf.subarray(0, aadEnd) : Buffer.concat([buf.subarray(0, aadEnd), extraAad]));
    const body = cipher.update(buf.subarray(aadEnd, end));
    cipher.final();
    body.copy(buf, aadEnd);
    cipher.getAuthTag().copy(buf, end);
    return end + TAG_LENGTH;
  }

  open(iv: Buffer, buf: Buffer, aadEnd: number, end: number, extraAad?: Buffer): number {
    checkGcmArgs(iv, buf, aadEnd, end, extraAad, false);
    const plainEnd = end - TAG_LENGTH;
    const decipher = createDecipheriv('aes-128-gcm', this.key, iv);
    decipher.setAAD(extraAad === undefined ? buf.subarray(0, aadEnd) : Buffer.concat([buf.subarray(0, aadEnd), extraAad]));
    decipher.setAuthTag(buf.subarray(plainEnd, end));
    const body = decipher.update(buf.subarray(aadEnd, plainEnd));
    try {
      decipher.final();
    } catch {
      body.fill(0);
      return -1;
    }
    // Only authenticated plaintext reaches the caller's buffer.
    body.copy(buf, aadEnd);
    return plainEnd;
  }
}

export function createNodeAesGcm(key: Buffer): AesGcm {
  return new NodeAesGcm(key);
}
