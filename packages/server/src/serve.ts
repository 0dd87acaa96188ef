import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { loadOrCreateCertificate } from './http/certificate.js';
import { buildApp } from './http/app.js';
import type { Services } from './services.js';
import { describeAesGcm } from './sfu/srtp/aesGcm.js';

export interface ServeOptions {
  /** Runs after the app and the services closed, before the process exits (e.g. a file to finish). */
  onStopped?: () => Promise<void>;
}

/**
 * Serves Kaigi over HTTPS as the process does: the certificate (the operator's, or one made and
 * kept), the app, one `KAIGI_LISTENING port=N` line on stdout that scripts and tests wait for,
 * and an orderly stop on SIGTERM/SIGINT (rooms closed, the last recording parts stored, the
 * audit log checkpointed). main.ts and the e2e tap server both start through here.
 */
export async function serve(config: Config, services: Services, opts: ServeOptions = {}): Promise<FastifyInstance> {
  const cert = await loadOrCreateCertificate({
    dataDir: config.dataDir,
    certPath: config.tlsCertPath,
    keyPath: config.tlsKeyPath,
    hostNames: [config.host, new URL(config.publicUrl).hostname].filter((h) => h !== '0.0.0.0' && h !== '::'),
  });
  const app = await buildApp(services, cert);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.log.info({ port, dataDir: config.dataDir, certificate: cert.source }, `Kaigi is serving on https://${config.host}:${port}`);
  // The one UDP port every browser's media uses (KAIGI_MEDIA_PORT; 0 picks it at start).
  app.log.info({ mediaIp: services.mediaNet.ip, mediaPort: services.mediaNet.port }, `media on udp ${services.mediaNet.ip}:${services.mediaNet.port}`);
  // D5: which AES-GCM seals media (the native addon, or node:crypto's slower fallback).
  app.log.info({ srtp: describeAesGcm() }, 'SRTP AEAD_AES_128_GCM');
  process.stdout.write(`KAIGI_LISTENING port=${port}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    void services.rooms.close();
    await app.close();
    // What the media port dropped and answered over the process's life, by reason (never addresses).
    app.log.info({ media: services.mediaNet.stats() }, 'media port counters');
    await services.close();
    await opts.onStopped?.();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return app;
}
