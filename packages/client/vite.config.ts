import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/ under a strict CSP (script-src 'self'; style-src 'self'), so the build
// must not inline scripts, styles or module preload polyfills.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
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
});
