import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.js';
import { TLS_PROFILE } from '../src/http/tls.js';

describe('configuration', () => {
  it('defaults to loopback, port 8443 and ./data', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8443);
    assert.match(c.dataDir, /data$/);
    assert.equal(c.publicUrl, 'https://127.0.0.1:8443');
  });

  it('refuses bad values with a message that names the variable', () => {
    assert.throws(() => loadConfig({ KAIGI_PORT: 'eighty' }), /KAIGI_PORT/);
    assert.throws(() => loadConfig({ KAIGI_TLS_CERT: '/x' }), /KAIGI_TLS_KEY/);
    assert.throws(() => loadConfig({ KAIGI_PUBLIC_URL: 'http://meet.example.org' }), /KAIGI_PUBLIC_URL/);
  });

  it('places meetings on one media worker per core by default (KAIGI_MEDIA_WORKERS; 0: none)', () => {
    assert.equal(loadConfig({}).mediaWorkers, os.availableParallelism());
    assert.equal(loadConfig({ KAIGI_MEDIA_WORKERS: '0' }).mediaWorkers, 0);
    assert.equal(loadConfig({ KAIGI_MEDIA_WORKERS: '3' }).mediaWorkers, 3);
    assert.throws(() => loadConfig({ KAIGI_MEDIA_WORKERS: '-1' }), /KAIGI_MEDIA_WORKERS/);
  });

  it('takes one media port (KAIGI_MEDIA_PORT, default any) and refuses the old range setting by name', () => {
    assert.equal(loadConfig({}).mediaPort, 0);
    assert.equal(loadConfig({ KAIGI_MEDIA_PORT: '40000' }).mediaPort, 40000);
    assert.throws(() => loadConfig({ KAIGI_MEDIA_PORT: '70000' }), /KAIGI_MEDIA_PORT/);
    assert.throws(() => loadConfig({ KAIGI_MEDIA_PORTS: '40000-40999' }), /KAIGI_MEDIA_PORTS is gone.*KAIGI_MEDIA_PORT\b/);
  });

  it('uses only CRYPTREC-listed TLS algorithms (D5, D6)', () => {
    assert.equal(TLS_PROFILE.minVersion, 'TLSv1.2');
    for (const c of TLS_PROFILE.ciphers.split(':')) assert.match(c, /GCM/);
    assert.doesNotMatch(TLS_PROFILE.ciphers, /CHACHA|CBC|SHA1\b/);
    assert.equal(TLS_PROFILE.ecdhCurve, 'P-256:P-384');
  });
});
