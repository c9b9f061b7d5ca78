import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConsoleBuild } from '../../src/http/console';
import { startTestPortico, type TestPortico } from '../helpers/portico';

/** The admin console's static files (built by the global setup's `npm run build`), as the server answers them. */
describe('the console at /console/', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startTestPortico();
  });
  afterAll(() => portico?.stop());

  const get = (p: string) => fetch(`${portico.url}${p}`, { redirect: 'manual' });

  it('answers index.html, revalidated every time, under a CSP that allows only this origin', async () => {
    const answer = await get('/console/');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    const csp = answer.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const html = await answer.text();
    expect(html).toContain('<div id="root"></div>');
    // Nothing from another origin: every src and href is a path of this server.
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^\/console\//);
  });

  it('answers a client route with index.html and a missing file with 404', async () => {
    for (const route of ['/console/tenants', '/console/t/acme/users/5b1f0c7e-0000-4000-8000-000000000000']) {
      const answer = await get(route);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('<div id="root"></div>');
    }
    expect((await get('/console/assets/nothing-here.js')).status).toBe(404);
    expect((await get('/console/nothing-here.js')).status).toBe(404);
  });

  it('caches the hashed assets for a year', async () => {
    const assets = readdirSync(path.join(findConsoleBuild()!, 'assets'));
    const script = assets.find((name) => name.endsWith('.js'))!;
    const plain = await fetch(`${portico.url}/console/assets/${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/javascript/);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const source = await plain.text();
    // Gzipped for a browser that accepts it (fetch decodes it again).
    const gzipped = await fetch(`${portico.url}/console/assets/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(gzipped.headers.get('content-length'))).toBeLessThan(source.length / 2);
    expect(await gzipped.text()).toBe(source);
  });

  it('redirects /console to /console/', async () => {
    const answer = await get('/console');
    expect(answer.status).toBe(301);
    expect(answer.headers.get('location')).toBe('/console/');
  });
});
