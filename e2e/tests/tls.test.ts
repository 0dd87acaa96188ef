// D5, D6, H4: the served TLS follows the IPA/CRYPTREC high-security profile, with HSTS and a
// strict CSP on every response.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../support/server.js';
import { HttpClient } from '../support/http.js';

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

function handshake(opts: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string; cert: tls.PeerCertificate } | Error> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, ...opts }, () => {
      const r = { protocol: s.getProtocol(), cipher: s.getCipher().name, cert: s.getPeerCertificate() };
      s.end();
      resolve(r);
    });
    s.on('error', (e) => resolve(e));
  });
}

describe('TLS profile (D5, D6)', () => {
  it('negotiates TLS 1.3 with AES-GCM and a self-signed ECDSA P-256 certificate', async () => {
    const r = await handshake({});
    assert.ok(!(r instanceof Error), String(r));
    assert.equal(r.protocol, 'TLSv1.3');
    assert.match(r.cipher, /AES_(128|256)_GCM/);
    assert.equal((r.cert as tls.PeerCertificate & { asn1Curve?: string }).asn1Curve, 'prime256v1');
  });

  it('offers TLS 1.2 only with ECDHE and AES-GCM', async () => {
    const r = await handshake({ maxVersion: 'TLSv1.2' });
    assert.ok(!(r instanceof Error), String(r));
    assert.equal(r.protocol, 'TLSv1.2');
    assert.equal(r.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
  });

  it('refuses TLS 1.1, CBC and ChaCha20 clients', async () => {
    assert.ok((await handshake({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })) instanceof Error);
    assert.ok((await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA' })) instanceof Error);
    assert.ok((await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' })) instanceof Error);
  });

  it('sends HSTS and a CSP with no third-party origin (H1, H4)', async () => {
    const r = await new HttpClient(server.url).request('GET', '/api/health');
    assert.match(r.headers.get('strict-transport-security') ?? '', /max-age=\d{7,}/);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /https?:|\*|unsafe-inline|unsafe-eval/);
  });
});
