import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/ under a strict CSP (script-src 'self'; style-src 'self'), so the build
// must not inline scripts, styles or module preload polyfills.
//
// `vite build --mode e2e` is the e2e test build: the same app with the test hooks of src/testing/
// compiled in (VITE_KAIGI_TEST_HOOKS, read in src/testing/flag.ts), written to dist-test/, which
// the e2e harness serves. Every other mode defines the flag empty, so production bundles drop
// the hooks; the flag is the mode, never the environment, so a stray variable cannot put them
// into dist/.
export default defineConfig(({ mode }) => {
  const testHooks = mode === 'e2e';
  if (process.env.VITE_KAIGI_TEST_HOOKS !== undefined) {
    throw new Error('VITE_KAIGI_TEST_HOOKS is set by `vite build --mode e2e` only; unset it');
  }
  return {
    plugins: [react()],
    define: { 'import.meta.env.VITE_KAIGI_TEST_HOOKS': JSON.stringify(testHooks ? '1' : '') },
    build: {
      outDir: testHooks ? 'dist-test' : 'dist',
      emptyOutDir: true,
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      sourcemap: false,
    },
    server: {
      proxy: {
        '/api': { target: 'https://localhost:18443', secure: false },
        '/ws': { target: 'wss://localhost:18443', ws: true, secure: false },
      },
    },
  };
});
