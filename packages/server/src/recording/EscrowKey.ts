import { createHash, createPublicKey } from 'node:crypto';
import fs from 'node:fs';

/**
 * The organisation's recording escrow key (optional): a P-256 public key in PEM. When set, every
 * recording a host's browser uploads must also be encrypted to it, so the organisation can open
 * recordings with the private key, which never comes near the server (`kaigi recording open`).
 */
export interface EscrowKey {
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
  /** SHA-256 of the SPKI, base64url: the key ID recordings name it by. */
  keyId: string;
}

export function loadEscrowKey(file: string): EscrowKey {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`KAIGI_RECORDING_ESCROW_KEY: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error(`KAIGI_RECORDING_ESCROW_KEY: ${file} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`KAIGI_RECORDING_ESCROW_KEY: ${file} must be a P-256 (prime256v1) EC public key`);
  }
  const spki = key.export({ type: 'spki', format: 'der' });
  return { spki, keyId: createHash('sha256').update(spki).digest('base64url') };
}
