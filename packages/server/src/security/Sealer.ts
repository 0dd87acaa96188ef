import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { serverKey } from './serverKey.js';

/**
 * Seals small secrets (meeting passwords the host must be able to read back) with AES-256-GCM
 * under a server key kept in its own file, apart from the database.
 */
export class Sealer {
  private constructor(private readonly key: Buffer) {}

  static open(dataDir: string): Sealer {
    return new Sealer(serverKey(dataDir, 'seal'));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1.${iv.toString('base64url')}.${ct.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
  }

  /**
   * HMAC-SHA-256 of a value under a key derived from the server key: recognises a value again
   * (a banned registrant's email, B3) without the database alone telling what it was.
   */
  keyedHash(value: string, context: string): string {
    const key = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `kaigi keyed hash: ${context}`, 32));
    return createHmac('sha256', key).update(value, 'utf8').digest('hex');
  }

  unseal(sealed: string, context: string): string {
    const [v, iv, ct, tag] = sealed.split('.');
    if (v !== 'v1' || !iv || ct === undefined || !tag) throw new Error('bad sealed value');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }
}
