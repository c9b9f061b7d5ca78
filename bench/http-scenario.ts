import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express, { type Express } from 'express';
import pino from 'pino';
import { Authenticator } from '../src/domain/credentials/authenticator';
import { AuthCache } from '../src/domain/credentials/auth-cache';
import type { DomainServices } from '../src/domain/services';
import { ScimRequestCounter } from '../src/domain/scim-traffic/scim-request-counter';
import { hashToken, issueToken } from '../src/domain/shared/secret-token';
import type { UnitOfWork } from '../src/domain/shared/unit-of-work';
import { createHttpApp } from '../src/http/app';
import { jsonBodyParser } from '../src/http/json-shape';
import { createLogger } from '../src/http/logger';
import { createMetrics, routeLabel } from '../src/http/metrics';
import { RateLimiter } from '../src/http/rate-limiter';
import { requestLogging } from '../src/http/request-context';
import { createScimHandler } from '../src/scim/router';
import { entraUser } from '../test/fixtures/entra';
import { CpuMeter, graphql, HttpClient, type BenchServer } from './harness';

export interface HttpScenarioOptions {
  /** Measured requests per kind (after a warm-up of a tenth as many). */
  requests: number;
  concurrency: number;
}

type StartServer = (env?: Record<string, string>) => Promise<BenchServer & { dataDir: string }>;

/**
 * What the HTTP layer costs per request. First end to end: a Portico process of its own at LOG_LEVEL=info
 * (the default operators run, its log written to /dev/null), CPU per request of that process and of
 * PostgreSQL for `/healthz`, a SCIM GET by id, a SCIM filter and an Entra-shaped SCIM POST. Then each piece
 * of middleware alone, in this process: the same requests against an express app with and without the piece,
 * the difference in this process's CPU per request being the piece's cost (the load generator's own share is
 * in both and cancels out); and the per-request functions that need no socket, timed in a loop.
 */
export async function runHttpScenario(startServer: StartServer, options: HttpScenarioOptions): Promise<string[]> {
  const lines = ['HTTP layer, end to end (own Portico process at LOG_LEVEL=info, log to /dev/null):'];
  lines.push(...(await endToEnd(startServer, options)));
  lines.push('', `Middleware alone, in this process (CPU per request minus a bare express app's; ${options.requests} requests each):`);
  lines.push(...(await piecesInProcess(options)));
  lines.push('', 'Per-request functions, timed in a loop (µs per call):');
  lines.push(...functionTimings());
  return lines;
}

/** The end-to-end half of the scenario alone (its own Portico process). */
export async function endToEnd(startServer: StartServer, options: HttpScenarioOptions): Promise<string[]> {
  const server = await startServer({ LOG_LEVEL: 'info' });
  const client = new HttpClient(server.url, options.concurrency);
  try {
    const slug = `http-${Date.now().toString(36)}`;
    await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
    await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
    const { generateScimToken } = (await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as {
      generateScimToken: { token: string };
    };
    const auth = { authorization: `Bearer ${generateScimToken.token}` };
    const scim = `/api/${slug}/scim/v2`;
    const postHeaders = { ...auth, 'content-type': 'application/scim+json' };
    const seed = await client.request('POST', `${scim}/Users`, postHeaders, JSON.stringify(entraUser({ userName: 'seed@http.example' })));
    const seedId = (JSON.parse(seed.text) as { id: string }).id;
    let posted = 0;
    const kinds: { name: string; send: () => Promise<{ status: number }>; expected: number }[] = [
      { name: 'GET /healthz', send: () => client.request('GET', '/healthz', {}), expected: 200 },
      { name: 'SCIM GET /Users/<id>', send: () => client.request('GET', `${scim}/Users/${seedId}`, auth), expected: 200 },
      {
        name: 'SCIM GET /Users?filter=userName eq',
        send: () => client.request('GET', `${scim}/Users?filter=${encodeURIComponent('userName eq "seed@http.example"')}`, auth),
        expected: 200,
      },
      {
        name: 'SCIM POST /Users (Entra body)',
        send: () => {
          posted += 1;
          const body = entraUser({ userName: `user${posted}@http.example`, department: `Dept ${posted % 20}`, employeeNumber: String(100000 + posted) });
          return client.request('POST', `${scim}/Users`, postHeaders, JSON.stringify(body));
        },
        expected: 201,
      },
    ];
    const cpu = new CpuMeter(server.pid, server.postgresDataDir);
    const lines = [`  ${'request'.padEnd(36)} ${'n'.padStart(6)} ${'req/s'.padStart(7)} ${'Portico ms CPU/req'.padStart(19)} ${'PostgreSQL ms CPU/req'.padStart(22)}`];
    for (const kind of kinds) {
      await load(Math.ceil(options.requests / 10), options.concurrency, kind.send, kind.expected, kind.name);
      const before = cpu.read();
      const start = performance.now();
      await load(options.requests, options.concurrency, kind.send, kind.expected, kind.name);
      const seconds = (performance.now() - start) / 1000;
      const after = cpu.read();
      const perRequest = (seconds: number) => ((seconds * 1000) / options.requests).toFixed(3);
      lines.push(
        `  ${kind.name.padEnd(36)} ${String(options.requests).padStart(6)} ${(options.requests / seconds).toFixed(0).padStart(7)} ${perRequest(after.portico - before.portico).padStart(19)} ${perRequest(after.postgres - before.postgres).padStart(22)}`,
      );
    }
    return lines;
  } finally {
    client.close();
    await server.stop();
  }
}

async function load(count: number, concurrency: number, send: () => Promise<{ status: number }>, expected: number, name: string): Promise<void> {
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const { status } = await send();
        if (status !== expected && ++failures <= 3) console.error(`${name}: ${status}, expected ${expected}`);
      }
    }),
  );
}

/** An in-process variant: an app and the request that exercises it. */
interface Variant {
  name: string;
  app: Express | express.Router | http.RequestListener;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The variant whose CPU per request is subtracted. */
  against?: string;
}

/** The in-process half of the scenario alone (no Portico process, no database): quick to rerun while tuning. */
export async function piecesInProcess(options: HttpScenarioOptions): Promise<string[]> {
  const slug = 'bench';
  const tenantId = '00000000-0000-4000-8000-000000000001';
  const { token } = issueToken('scim');
  const logger = () => createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const entraBody = JSON.stringify(entraUser({ userName: 'someone@http.example', department: 'Dept 1', employeeNumber: '100001' }));
  const scimHeaders = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };

  const bare = (...middleware: express.RequestHandler[]) => {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.set('trust proxy', 'loopback');
    app.use(...(middleware.length > 0 ? middleware : [(_req: express.Request, _res: express.Response, next: express.NextFunction) => next()]));
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.post('/echo', (req, res) => {
      if (req.body === undefined) req.resume();
      res.status(201).json({ ok: true });
    });
    return app;
  };

  // The real SCIM router in front of fakes: the tenant and the token answered from memory as in the cache-hit
  // path, the discovery resource (no domain call) so the router's own work is what is measured.
  // A clock that stands still: the entry never expires, every request takes the hit path.
  const authCache = new AuthCache(() => 0);
  const noDatabase = {} as UnitOfWork;
  authCache.set(`scim\n${slug}\n${hashToken(token)}`, {
    actor: { kind: 'SCIM_CLIENT', id: '00000000-0000-4000-8000-000000000002', label: 'SCIM client', tenantId, level: 'ADMINISTRATOR' },
    tenantId,
  });
  const services = {
    tenants: { idOfSlug: async (given: string) => (given === slug ? tenantId : null) },
    authenticator: new Authenticator(noDatabase, undefined, authCache),
    scimRequests: new ScimRequestCounter(noDatabase),
  } as unknown as DomainServices;
  const scimRouter = createScimHandler({ services, publicUrl: 'http://bench.example', logger: logger(), rateLimit: { perSecond: 0, burst: 0 } });
  const scimRouterLimited = createScimHandler({ services, publicUrl: 'http://bench.example', logger: logger(), rateLimit: { perSecond: 1e9, burst: 1e9 } });
  const scimOnly = (router: express.RequestHandler) => {
    const app = bare();
    app.use('/api/:tenant/scim/v2', router);
    return app;
  };
  const full = createHttpApp({
    logger: logger(),
    graphql: (_req, res) => res.status(404).end(),
    scim: scimRouter,
    saml: (_req, res) => res.status(404).end(),
    photos: (_req, res) => res.status(404).end(),
    readiness: async () => ({ ready: true }),
    consoleDir: null,
  }).app;

  const discoveryThrough = (name: string, router: express.RequestHandler, against: string): Variant => ({
    name,
    app: scimOnly(router),
    method: 'GET',
    path: `/api/${slug}/scim/v2/ServiceProviderConfig`,
    headers: { authorization: `Bearer ${token}` },
    against,
  });
  const variants: Variant[] = [
    {
      name: "node's http alone, no express",
      app: (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"status":"ok"}');
      },
      method: 'GET',
      path: '/healthz',
    },
    { name: 'bare express GET /healthz', app: bare(), method: 'GET', path: '/healthz', against: "node's http alone, no express" },
    { name: '+ request logging (at info)', app: bare(requestLogging(logger())), method: 'GET', path: '/healthz', against: 'bare express GET /healthz' },
    { name: '+ metrics (counter, histogram, label)', app: bare(createMetrics().middleware), method: 'GET', path: '/healthz', against: 'bare express GET /healthz' },
    { name: 'createHttpApp GET /healthz (all of it)', app: full, method: 'GET', path: '/healthz', against: 'bare express GET /healthz' },
    discoveryThrough('SCIM router GET /ServiceProviderConfig', scimRouter, 'bare express GET /healthz'),
    discoveryThrough('  + rate limiter on', scimRouterLimited, 'SCIM router GET /ServiceProviderConfig'),
    { name: 'bare express POST, body unread', app: bare(), method: 'POST', path: '/echo', headers: scimHeaders, body: entraBody },
    {
      name: '+ SCIM JSON body parser (Entra body)',
      app: bare(jsonBodyParser({ limit: '1mb', type: () => true, strict: false }, () => new Error('refused'))),
      method: 'POST',
      path: '/echo',
      headers: scimHeaders,
      body: entraBody,
      against: 'bare express POST, body unread',
    },
  ];

  // Interleaved rounds: whatever else the machine does is spread over every variant alike.
  const rounds = 5;
  const used = new Map<string, number>();
  for (let round = 0; round < rounds; round += 1) {
    for (const variant of variants) {
      used.set(variant.name, (used.get(variant.name) ?? 0) + (await cpuPerRequestInProcess(variant, { ...options, requests: Math.ceil(options.requests / rounds) })) / rounds);
    }
  }
  const lines = [`  ${'variant'.padEnd(42)} ${'µs CPU/req'.padStart(10)} ${'its cost'.padStart(9)}`];
  for (const variant of variants) {
    const cost = used.get(variant.name)!;
    const difference = variant.against === undefined ? '' : (cost - used.get(variant.against)!).toFixed(0);
    lines.push(`  ${variant.name.padEnd(42)} ${cost.toFixed(0).padStart(10)} ${difference.padStart(9)}`);
  }
  return lines;
}

/** This process's CPU microseconds per request of `variant` (server and load generator both in it). */
async function cpuPerRequestInProcess(variant: Variant, options: HttpScenarioOptions): Promise<number> {
  const server = http.createServer(variant.app as http.RequestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, options.concurrency);
  const send = () => client.request(variant.method, variant.path, variant.headers ?? {}, variant.body);
  const expected = variant.method === 'POST' ? 201 : 200;
  try {
    await load(Math.ceil(options.requests / 5), options.concurrency, send, expected, variant.name);
    const before = process.cpuUsage();
    await load(options.requests, options.concurrency, send, expected, variant.name);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / options.requests;
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function functionTimings(): string[] {
  const { token } = issueToken('scim');
  const cache = new AuthCache();
  const key = `scim\nbench\n${hashToken(token)}`;
  cache.set(key, { actor: { kind: 'SCIM_CLIENT', id: 'x', label: 'SCIM client', tenantId: 't', level: 'ADMINISTRATOR' }, tenantId: 't' });
  const limiter = new RateLimiter(1e9, 1e9);
  const entraBody = JSON.stringify(entraUser({ userName: 'someone@http.example' }));
  const timings: [string, () => unknown][] = [
    ['routeLabel(SCIM /Users/<id>)', () => routeLabel('/api/acme/scim/v2/Users/4b0c1f4e-9a43-4e52-9d1c-0d0b3f7d1c11')],
    ['SHA-256 of a SCIM token', () => hashToken(token)],
    ['AuthCache hit', () => cache.get(key)],
    ['RateLimiter.take', () => limiter.take('credential')],
    ['JSON.parse(Entra body)', () => JSON.parse(entraBody)],
  ];
  return timings.map(([name, work]) => {
    const rounds = 200_000;
    for (let i = 0; i < rounds / 10; i += 1) work();
    const start = performance.now();
    for (let i = 0; i < rounds; i += 1) work();
    return `  ${name.padEnd(42)} ${(((performance.now() - start) * 1000) / rounds).toFixed(2).padStart(8)}`;
  });
}
