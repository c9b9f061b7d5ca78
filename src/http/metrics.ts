import { createHash, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Per-app Prometheus registry (several apps may share a process in tests). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'portico_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'portico_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.once('finish', () => {
      const url = req.originalUrl;
      const query = url.indexOf('?');
      const route = routeLabel(query < 0 ? url : url.slice(0, query));
      duration.observe({ method: req.method, route }, (performance.now() - started) / 1000);
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}

/**
 * Counts MASS_DEPROVISIONING bursts this process raised (no tenant label: tenants never become label values;
 * the event names the tenant).
 */
export function massDeprovisioningCounter(registry: Registry): Counter {
  return new Counter({
    name: 'portico_mass_deprovisioning_total',
    help: 'Bursts of user deletions and deactivations (MASS_DEPROVISIONING events) raised',
    registers: [registry],
  });
}

const SCIM_RESOURCES = ['Users', 'Groups', 'ServiceProviderConfig', 'ResourceTypes', 'Schemas', 'Me'];

/** A bounded route label: tenant slugs and resource ids never become label values. */
export function routeLabel(path: string): string {
  if (path === '/graphql' || path === '/healthz' || path === '/readyz' || path === '/metrics') return path;
  const scim = /^\/api\/[^/]+\/scim\/v2\/([A-Za-z]+)(\/[^/]+)?/.exec(path);
  if (scim) {
    const resource = SCIM_RESOURCES.find((r) => r.toLowerCase() === scim[1].toLowerCase()) ?? 'unknown';
    return `/api/:tenant/scim/v2/${resource}${scim[2] ? '/:id' : ''}`;
  }
  const saml = /^\/api\/[^/]+\/saml\/([a-z]+)$/.exec(path);
  if (saml) return `/api/:tenant/saml/${saml[1]}`;
  return 'other';
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read `/metrics`: with a token, a scraper sending it as a bearer; without, only a scraper on this
 * host talking to the process directly (a request relayed by a local reverse proxy carries X-Forwarded-For,
 * so it does not count as local).
 */
export function metricsAccess(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res, next) => {
    if (expected) {
      const given = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given && timingSafeEqual(digest(given), expected)) return next();
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'Send the metrics token as a bearer token' });
      return;
    }
    const local = LOOPBACK.has(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-for'] === undefined;
    if (local) return next();
    res.status(403).json({ error: 'Metrics are served to local scrapers only; set PORTICO_METRICS_TOKEN to scrape from elsewhere' });
  };
}
