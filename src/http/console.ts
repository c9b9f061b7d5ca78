import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
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
 * origin, which 'self' covers). Images may also be blob: URLs: users' photos, which the console fetches with
 * its credential and shows through object URLs it made itself. No framing, so no one can overlay the
 * console's buttons.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
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
  router.use('/assets', gzippedAssets(path.join(dir, 'assets')));
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

const COMPRESSIBLE: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * The hashed scripts and stylesheets, gzipped once (they never change under their name) for browsers that
 * accept it: the console's JavaScript crosses the network at about a third of its size.
 */
function gzippedAssets(dir: string): RequestHandler {
  const cache = new Map<string, Buffer | null>();
  return (req, res, next) => {
    const type = COMPRESSIBLE[path.extname(req.path)];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !type || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return next();
    const name = path.basename(req.path);
    if (name !== req.path.slice(1)) return next();
    let gzipped = cache.get(name);
    if (gzipped === undefined) {
      const file = path.join(dir, name);
      gzipped = existsSync(file) ? gzipSync(readFileSync(file), { level: 9 }) : null;
      if (cache.size < 1000) cache.set(name, gzipped);
    }
    if (!gzipped) return next();
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('Content-Length', String(gzipped.length));
    res.end(req.method === 'HEAD' ? undefined : gzipped);
  };
}
