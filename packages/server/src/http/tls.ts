import type { SecureContextOptions, TlsOptions } from 'node:tls';

// The IPA / CRYPTREC TLS guideline's high-security profile (D6): TLS 1.3 and 1.2 only, ECDHE
// with AES-GCM only, P-256/P-384, ECDSA or RSA-PSS/PKCS#1 with SHA-256/384. One place, so the
// server, the tests and the security report agree on it.
export const TLS_PROFILE = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
  ].join(':'),
  honorCipherOrder: true,
  ecdhCurve: 'P-256:P-384',
  sigalgs: [
    'ecdsa_secp256r1_sha256',
    'ecdsa_secp384r1_sha384',
    'rsa_pss_rsae_sha256',
    'rsa_pss_rsae_sha384',
    'rsa_pss_pss_sha256',
    'rsa_pss_pss_sha384',
    'rsa_pkcs1_sha256',
    'rsa_pkcs1_sha384',
  ].join(':'),
} as const satisfies SecureContextOptions;

export function tlsOptions(cert: string, key: string): TlsOptions {
  return { ...TLS_PROFILE, cert, key };
}

export const HSTS = 'max-age=63072000; includeSubDomains';
