// The Kaigi server with a tap on its SFU, for e2e tests only: served through serve(), as
// packages/server/src/main.ts is, plus a listener on every Router's observer that writes each
// forwarded RTP payload to the file named by the first argument, one JSON line each (tap.ts reads
// them). The shipped server has no such file, setting or branch; its Routers' observers have no
// listener.
//
//   node --import tsx e2e/support/tapServer.ts <tap file>      (server.ts: startServer(env, dir, { tap }))
import { createWriteStream } from 'node:fs';
import { loadConfig } from '@kaigi/server/config';
import { serve } from '@kaigi/server/serve';
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
  const app = await serve(config, services, { onStopped: () => new Promise<void>((resolve) => out.end(resolve)) });
  app.log.warn({ file }, 'e2e tap server: every forwarded RTP payload is written to a file');
}

main().catch((err: unknown) => {
  process.stderr.write(`tap server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
