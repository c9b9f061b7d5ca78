import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The admin console: a static single-page app that the server serves at /console/ (see src/http/console.ts). */
export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: URLs: the console is served with a Content-Security-Policy of 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  // `npx vite --config src/console/vite.config.mts`: the console with hot reload against `npm start` on :4000.
  server: {
    proxy: {
      '/graphql': { target: process.env.PORTICO_URL ?? 'http://localhost:4000', ws: true },
      '/api': { target: process.env.PORTICO_URL ?? 'http://localhost:4000' },
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
