import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';

/**
 * Where `npm run build` puts the admin console (vite, from src/console): dist/console. Compiled, this file is
 * dist/src/http/console.js; run from source (the tests), it is src/http/console.ts.
 */
export function findConsoleBuild(): string | null {
  const candidates = [path.resolve(__dirname, '../../console'), path.resolve(__dirname, '../../dist/console')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/**
 * Only this origin: no inline script or style, no other host (the console's graphql-ws connection is to this
 * origin, which 'self' covers). No framing, so no one can overlay the console's buttons.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};

/**
 * The admin console at /console/: its hashed assets cached for a year, index.html revalidated on every load
 * (it names the current assets), and every client route (/console/t/acme/users, …) answered with index.html.
 * Without a build, a clear 404 says how to make one.
 */
export function consoleRouter(dir: string | null = findConsoleBuild()): Router {
  const router = Router();
  router.use(securityHeaders);
  if (!dir) {
    router.use((_req, res) => {
      res.status(404).type('text/plain').send('The admin console is not built: run `npm run build`.\n');
    });
    return router;
  }
  const sendIndex: RequestHandler = (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  };
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
  );
  router.use(
    express.static(dir, {
      index: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  router.get(/.*/, (req, res, next) => {
    // A missing file (it has an extension) is a 404; anything else is a route of the single-page app.
    if (path.extname(req.path)) {
      res.status(404).type('text/plain').send('Not found\n');
      return;
    }
    sendIndex(req, res, next);
  });
  return router;
}
