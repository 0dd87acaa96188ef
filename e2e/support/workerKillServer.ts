// The Kaigi server with a way to kill its media workers, for e2e tests only: served through
// serve(), as packages/server/src/main.ts is, plus a SIGUSR2 handler that terminates every media
// worker hosting a meeting (worker.terminate(), as a crash would end it) and prints
// KAIGI_WORKERS_KILLED <n>. The shipped server has no such file, setting or branch.
//
//   node --import tsx e2e/support/workerKillServer.ts      (server.ts: startServer(env, dir, { killableWorkers: true }))
import { loadConfig } from '@kaigi/server/config';
import { serve } from '@kaigi/server/serve';
import { openServices } from '@kaigi/server/services';

async function main(): Promise<void> {
  const config = loadConfig();
  const services = await openServices(config);
  const workers = services.mediaWorkers;
  if (!workers) throw new Error('workerKillServer needs media workers (KAIGI_MEDIA_WORKERS > 0)');
  process.on('SIGUSR2', () => {
    const busy = workers.load().flatMap((n, i) => (n > 0 ? [i] : []));
    for (const i of busy) void workers.worker(i)?.terminate();
    process.stdout.write(`KAIGI_WORKERS_KILLED ${busy.length}\n`);
  });
  const app = await serve(config, services);
  app.log.warn('e2e worker-kill server: SIGUSR2 terminates the media workers');
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-kill server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
