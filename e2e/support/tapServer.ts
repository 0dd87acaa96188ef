// The Kaigi server with a tap on its SFU, for e2e tests only: built as packages/server/src/main.ts
// builds it, plus a listener on every Router's observer that writes each forwarded RTP payload to
// the file named by the first argument, one JSON line each (tap.ts reads them). The shipped server
// has no such file, setting or branch; its Routers' observers have no listener.
//
//   node --import tsx e2e/support/tapServer.ts <tap file>      (server.ts: startServer(env, dir, { tap }))
import { createWriteStream } from 'node:fs';
import { loadConfig } from '@kaigi/server/config';
import { loadOrCreateCertificate } from '@kaigi/server/http/certificate';
import { buildApp } from '@kaigi/server/http/app';
import { openServices } from '@kaigi/server/services';
import type { ForwardedPacket } from '@kaigi/server/sfu/RouterObserver';
import type { TapRecord } from './tap.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tapServer.ts <tap file>');
  const out = createWriteStream(file, { flags: 'a' });
  const write = (p: ForwardedPacket) => {
    const r: TapRecord = { t: Date.now(), from: p.from, to: p.to, source: p.source, kind: p.kind, seq: p.seq, payload: p.payload.toString('base64') };
    out.write(`${JSON.stringify(r)}\n`);
  };

  const config = loadConfig();
  const services = await openServices(config);
  services.rooms.observer.on('roomOpened', (room) => room.router.observer.on('forwarded', write));
  const cert = await loadOrCreateCertificate({
    dataDir: config.dataDir,
    certPath: config.tlsCertPath,
    keyPath: config.tlsKeyPath,
    hostNames: [config.host, new URL(config.publicUrl).hostname].filter((h) => h !== '0.0.0.0' && h !== '::'),
  });
  const app = await buildApp(services, cert);
  app.log.warn({ file }, 'e2e tap server: every forwarded RTP payload is written to a file');
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  process.stdout.write(`KAIGI_LISTENING port=${typeof address === 'object' && address ? address.port : config.port}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    void services.rooms.close();
    await app.close();
    await services.close();
    await new Promise<void>((resolve) => out.end(resolve));
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`tap server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
