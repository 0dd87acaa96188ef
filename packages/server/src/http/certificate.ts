import { webcrypto, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// @peculiar/x509 needs the reflect polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface CertificatePair {
  cert: string;
  key: string;
  source: 'operator' | 'generated' | 'existing';
}

const toPem = (der: ArrayBuffer, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/**
 * Loads the operator's certificate, or on first start creates a self-signed ECDSA P-256 one in
 * the data folder (D5, D6) and reuses it afterwards.
 */
export async function loadOrCreateCertificate(opts: {
  dataDir: string;
  certPath: string | null;
  keyPath: string | null;
  hostNames: string[];
}): Promise<CertificatePair> {
  if (opts.certPath && opts.keyPath) {
    return { cert: fs.readFileSync(opts.certPath, 'utf8'), key: fs.readFileSync(opts.keyPath, 'utf8'), source: 'operator' };
  }
  const dir = path.join(opts.dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), source: 'existing' };
  }
  const crypto = webcrypto as unknown as Crypto;
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as { publicKey: CryptoKey; privateKey: CryptoKey };
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...opts.hostNames])];
  const isIp = (n: string) => /^[\d.]+$/.test(n) || n.includes(':');
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
      name: 'CN=Kaigi (self-signed)',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 397 * 24 * 3600_000),
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIp(n) ? 'ip' : 'dns', value: n }))),
      ],
    },
    crypto,
  );
  const key = toPem(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyFile, key, { mode: 0o600 });
  fs.writeFileSync(certFile, cert.toString('pem') + '\n', { mode: 0o644 });
  return { cert: cert.toString('pem'), key, source: 'generated' };
}
