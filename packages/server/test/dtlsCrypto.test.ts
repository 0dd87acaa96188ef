// D5: the SFU's DTLS agrees keys with ECDH P-256 and AES-128-GCM only (CRYPTREC lists).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CipherSuiteList, CipherSuite, NamedCurveAlgorithm, NamedCurveAlgorithmList } from 'werift';
import '../src/sfu/MediaConfig.js';

describe('SFU DTLS algorithms (D5)', () => {
  it('offers and accepts P-256 only, never X25519', () => {
    assert.deepEqual([...NamedCurveAlgorithmList], [NamedCurveAlgorithm.secp256r1_23]);
  });

  it('uses ECDHE with AES-128-GCM cipher suites only', () => {
    assert.deepEqual(
      [...CipherSuiteList].sort(),
      [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256_49195, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256_49199].sort(),
    );
  });
});
