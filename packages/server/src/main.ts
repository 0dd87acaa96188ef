#!/usr/bin/env node
import { loadConfig } from './config.js';
import { loadOrCreateCertificate } from './http/certificate.js';
import { buildApp } from './http/app.js';
import { openServices } from './services.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (process.getuid?.() === 0 && process.env.KAIGI_ALLOW_ROOT !== '1') {
    process.stderr.write('kaigi: running as root; see README "Running as a service" (set KAIGI_ALLOW_ROOT=1 to silence)\n');
  }
  const services = await openServices(config);
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
  // One line on stdout that scripts and tests can wait for.
  process.stdout.write(`KAIGI_LISTENING port=${port}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    void services.rooms.close();
    await app.close();
    await services.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`kaigi: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
