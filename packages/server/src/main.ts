#!/usr/bin/env node
import { loadConfig } from './config.js';
import { serve } from './serve.js';
import { openServices } from './services.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (process.getuid?.() === 0 && process.env.KAIGI_ALLOW_ROOT !== '1') {
    process.stderr.write('kaigi: running as root; see README "Running as a service" (set KAIGI_ALLOW_ROOT=1 to silence)\n');
  }
  await serve(config, await openServices(config));
}

main().catch((err: unknown) => {
  process.stderr.write(`kaigi: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
