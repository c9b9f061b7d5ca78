import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { asUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../db/unavailable';
import type { Logger } from './logger';
import { jsonBodyParser, jsonShapeMessage } from './json-shape';
import { createMetrics, metricsAccess } from './metrics';
import { requestLogging } from './request-context';
import { consoleRouter } from './console';
import { scimFastPath } from './scim-fast-path';
import { clientAddressOf, samlAcsFastPath, type AcsRequest } from './saml-fast-path';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const JSON_BODY_LIMIT = '1mb';

export interface HttpAppParts {
  logger: Logger;
  graphql: RequestHandler;
  /** The SCIM facade, mounted at /api/:tenant/scim/v2. */
  scim: RequestHandler;
  /** The SAML service provider, mounted at /api/:tenant/saml. */
  saml: RequestHandler;
  /** Its ACS by itself, for POSTs to /api/:tenant/saml/acs answered without express (src/http/saml-fast-path.ts). */
  samlAcs?: (req: AcsRequest, res: ServerResponse) => Promise<void>;
  /** Users' photos, mounted at /api/:tenant/users (routes `/:id/photo`). */
  photos: RequestHandler;
  /** Resolves when the database is reachable and every migration is applied. */
  readiness: () => Promise<{ ready: boolean; detail?: string }>;
  /** Bearer token `/metrics` requires; without one, only direct loopback requests are answered. */
  metricsToken?: string;
  /** express's `trust proxy` (default: loopback only): whose X-Forwarded-For is believed for the client address. */
  trustProxy?: boolean | number | string;
  /** The admin console's build (dist/console); found next to the server's build when omitted. */
  consoleDir?: string | null;
}

/**
 * The one express app: operations endpoints, GraphQL, the SCIM facade and the SAML service provider; and the
 * server's request listener (`handler`), which answers SCIM requests and SAML ACS posts without express
 * (src/http/scim-fast-path.ts, src/http/saml-fast-path.ts) and hands every other request to the app.
 */
export function createHttpApp(parts: HttpAppParts): { app: Express; handler: (req: IncomingMessage, res: ServerResponse) => void; metrics: Registry } {
  const app = express();
  const { registry, middleware: countRequests } = createMetrics();
  app.disable('x-powered-by');
  // express would hash every response body for a weak ETag (a page of 100 SCIM users is ~100 kB). The
  // resources that have versions send their own ETags (SCIM meta.version, photos); nothing else needs one.
  app.set('etag', false);
  app.set('trust proxy', parts.trustProxy ?? 'loopback');
  const logRequest = requestLogging(parts.logger);
  app.use(logRequest);
  app.use(countRequests);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    const { ready, detail } = await parts.readiness().catch((error: Error) => ({ ready: false, detail: error.message }));
    // The cause (database errors, migration names) is for the operator's log, not for whoever asks.
    if (!ready) parts.logger.warn({ reqId: req.id, detail }, 'not ready');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', metricsAccess(parts.metricsToken), async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  const refused = (problem: Parameters<typeof jsonShapeMessage>[0]) => Object.assign(new Error(jsonShapeMessage(problem)), { status: 400, expose: true });
  app.use('/graphql', jsonBodyParser({ limit: JSON_BODY_LIMIT }, refused), parts.graphql);
  app.use('/api/:tenant/scim/v2', parts.scim);
  app.use('/api/:tenant/saml', parts.saml);
  app.use('/api/:tenant/users', parts.photos);
  app.get('/console', (req, res, next) => {
    // Only the bare path (routing ignores a trailing slash): the console's relative URLs need /console/.
    if (req.originalUrl.split('?')[0] !== '/console') return next();
    res.redirect(301, '/console/');
  });
  app.use('/console', parts.consoleDir === undefined ? consoleRouter() : consoleRouter(parts.consoleDir));

  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  app.use(errorHandler(parts.logger));
  const scim = scimFastPath({ scim: parts.scim, before: [logRequest, countRequests], logger: parts.logger });
  const samlAcs = parts.samlAcs
    ? samlAcsFastPath({ acs: parts.samlAcs, before: [logRequest, countRequests], clientAddress: clientAddressOf(app), logger: parts.logger })
    : () => false;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!scim(req, res) && !samlAcs(req, res)) app(req, res);
  };
  return { app, handler, metrics: registry };
}

/** Body-parser and other HTTP-level errors: 4xx with a clear message; only real faults are 500. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const unavailable = asUnavailable(error);
    if (unavailable) {
      if (res.headersSent) return;
      res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      const code = 'SERVICE_UNAVAILABLE';
      res.status(503).json(req.path.startsWith('/graphql') ? { errors: [{ message: unavailable.message, extensions: { code } }] } : { error: unavailable.message });
      return;
    }
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 600 ? error.status : 500;
    const message =
      status === 500
        ? 'Internal server error'
        : error.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON'
          : error.type === 'entity.too.large'
            ? `The request body is larger than ${JSON_BODY_LIMIT}`
            : String(error.message ?? 'Bad request');
    if (status === 500) logger.error({ err: error, reqId: req.id }, 'unhandled HTTP error');
    if (res.headersSent) return;
    if (req.path.startsWith('/graphql')) {
      res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
      return;
    }
    res.status(status).json({ error: message });
  };
}
