import { config } from 'zod';

// The app runs under a CSP without 'unsafe-eval'. Zod's JIT probes `new Function` when object
// schemas are created, which a strict CSP reports as a violation. Switch it off before any schema
// (from @kaigi/protocol) is built: main.tsx imports this module first.
config({ jitless: true });
