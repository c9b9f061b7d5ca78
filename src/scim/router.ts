import type { Request, RequestHandler, Response } from 'express';
import { scimBaseUrl } from '../config/urls';
import type { DomainServices } from '../domain/services';
import type { Scope } from '../domain/shared/scope';
import type { Logger } from '../http/logger';
import { jsonBodyParser, jsonShapeMessage, jsonShapeRefused } from '../http/json-shape';
import { parseBearer, requestIdOf } from '../http/request-context';
import { RateLimiter } from '../http/rate-limiter';
import { boundedCopy } from './bounded-copy';
import { invalidSyntax, invalidValue, ScimError, scimErrorBody, toScimError } from './scim-error';
import { SCIM_CONTENT_TYPE, type ScimResponse } from './scim-http';

/** What express's `res.type(SCIM_CONTENT_TYPE).send(text)` sent, written directly. */
const SCIM_CONTENT_TYPE_HEADER = `${SCIM_CONTENT_TYPE}; charset=utf-8`;
import { ScimService } from './scim-service';
import { storableText } from '../domain/shared/validate';
import { redactScimRequest } from './redact-request';

export const SCIM_BODY_LIMIT = '1mb';
/** How much of a rejected request the provisioning log keeps. */
const MAX_LOGGED_BODY = 8 * 1024;
/** Unauthenticated rejections are logged at most this often per tenant (anyone can send them). */
const UNAUTHENTICATED_LOG_INTERVAL_MS = 60_000;

export interface ScimHandlerOptions {
  services: DomainServices;
  publicUrl: string;
  logger: Logger;
  rateLimit: { perSecond: number; burst: number };
}

/** `tenantId`: the tenant the URL names, once resolved (set for refused requests too); `scope`: once authenticated. */
type ScimLocals = { scope?: Scope; tenantId?: string };

/** The scope of a request to an existing tenant that is not (or not yet) authenticated. */
const unauthenticatedScope = (tenantId: string, req: Request): Scope => ({
  actor: { kind: 'SCIM_CLIENT', id: null, label: 'unauthenticated SCIM client', tenantId, level: 'NONE' },
  tenantId,
  source: 'SCIM',
  requestId: requestIdOf(req),
});

/** A copy with U+0000 and lone surrogates replaced in every string (for the provisioning log, which jsonb stores). */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
  return value;
}

/** The HTTP adapter of the SCIM core: one request handler for `/api/:tenant/scim/v2` (express mounts it; the fast path calls it directly). */
export function createScimHandler(options: ScimHandlerOptions): RequestHandler {
  const { services, publicUrl, logger } = options;
  const core = new ScimService(services);
  const limiter = new RateLimiter(options.rateLimit.perSecond, options.rateLimit.burst);
  const lastUnauthenticatedLog = new Map<string, number>();

  const send = (res: Response, response: ScimResponse) => {
    res.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
    if (response.body === undefined && response.json === undefined) {
      res.end();
      return;
    }
    // A string body goes out with the header block in one socket write (a Buffer would be a second chunk).
    const body = response.json ?? JSON.stringify(response.body);
    res.setHeader('Content-Type', SCIM_CONTENT_TYPE_HEADER);
    res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
    res.end(body, 'utf8');
  };

  const authenticate = async (req: Request, res: Response): Promise<void> => {
    const slug = String(req.params.tenant);
    const token = parseBearer(req.headers.authorization ?? '');
    // An unknown tenant is answered from memory (usually): random slugs must not each cost a query.
    const tenantId = await services.tenants.idOfSlug(slug);
    if (tenantId) (res.locals as ScimLocals).tenantId = tenantId;
    const found = token && tenantId ? await services.authenticator.authenticateScimAt(slug, token) : null;
    if (!found) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="SCIM"');
      await logUnauthenticated(slug, req, async () => (token ? services.authenticator.whyScimTokenRefused(slug, token) : 'No bearer token'));
      throw new ScimError(401, 'Authentication failed: send this tenant\'s SCIM token as "Authorization: Bearer <token>"');
    }
    const limit = limiter.take(found.actor.id!);
    if (!limit.allowed) {
      throw new ScimError(429, 'Too many requests for this token; retry later', undefined, { 'Retry-After': String(limit.retryAfterSeconds) });
    }
    (res.locals as ScimLocals).scope = { actor: found.actor, tenantId: found.tenantId, source: 'SCIM', requestId: requestIdOf(req) };
  };

  /** Records a refused SCIM request at most once a minute per tenant; `reasonOf` is asked only then. */
  async function logUnauthenticated(slug: string, req: Request, reasonOf: () => Promise<string>): Promise<void> {
    const now = Date.now();
    if (now - (lastUnauthenticatedLog.get(slug) ?? 0) < UNAUTHENTICATED_LOG_INTERVAL_MS) return;
    const tenantId = await services.tenants.idOfSlug(slug);
    if (!tenantId) return;
    // Only existing tenants are remembered, and the map is bounded: random slugs cannot grow it.
    if (lastUnauthenticatedLog.size >= 10_000) lastUnauthenticatedLog.clear();
    lastUnauthenticatedLog.set(slug, now);
    await recordRejection(unauthenticatedScope(tenantId, req), req, 401, await reasonOf());
  }

  async function recordRejection(scope: Scope, req: Request, status: number, reason: string, scimType?: string): Promise<void> {
    // Bounded (a refused 1 MB body costs what 8 kB does), redacted (no secret reaches the log, not even quoted
    // in the reason), then cut to size; jsonb cannot hold U+0000, so it is replaced.
    const kept = jsonShapeRefused(req) ? '[not kept: refused before it was read]' : boundedCopy(req.body);
    const redacted = redactScimRequest({ body: kept, query: boundedCopy(req.query) });
    const said = redacted.scrub(reason);
    const sent = redacted.body === undefined ? undefined : withoutNul(redacted.body);
    const body = sent === undefined ? undefined : JSON.stringify(sent);
    await services.events
      .recordFailure(scope, {
        type: 'SCIM_REQUEST_REJECTED',
        subjectType: req.path.toLowerCase().startsWith('/groups') ? 'GROUP' : 'USER',
        subjectId: req.path.split('/')[2] ?? null,
        summary: withoutNul(`SCIM ${req.method} ${req.path} rejected with ${status}: ${said}`) as string,
        error: withoutNul(said) as string,
        detail: {
          method: req.method,
          path: req.path,
          query: withoutNul(redacted.query) as Record<string, unknown>,
          status,
          ...(scimType && { scimType }),
          ...(body !== undefined && { body: body.length > MAX_LOGGED_BODY ? `${body.slice(0, MAX_LOGGED_BODY)}…` : sent }),
        },
      })
      .catch((error: unknown) => logger.error({ err: error }, 'could not record a rejected SCIM request'));
  }

  /**
   * Counts every answered request of an existing tenant (authenticated or refused) when its response is sent:
   * a map update in memory, flushed to the database in the background (src/jobs/scim-request-counts.ts).
   */
  const countRequest = (req: Request, res: Response): void => {
    res.on('finish', () => {
      const { scope, tenantId } = res.locals as ScimLocals;
      if (scope) services.scimRequests.count(scope, res.statusCode);
      else if (tenantId) services.scimRequests.count(unauthenticatedScope(tenantId, req), res.statusCode);
    });
  };

  const parseBody = jsonBodyParser({ limit: SCIM_BODY_LIMIT, type: () => true, strict: false }, (problem) =>
    problem === 'tooDeep' ? invalidSyntax(jsonShapeMessage(problem)) : invalidValue(jsonShapeMessage(problem)),
  );
  const readBody = (req: Request, res: Response) =>
    new Promise<void>((resolve, reject) => parseBody(req, res, (error?: unknown) => (error ? reject(error) : resolve())));

  const answer = async (req: Request, res: Response): Promise<void> => {
    const scope = (res.locals as ScimLocals).scope!;
    const slug = String((req.params as Record<string, string>).tenant);
    const response = await core.handle(
      scope,
      {
        method: req.method,
        path: req.path,
        query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
        headers: req.headers as Record<string, string | undefined>,
        body: req.body,
      },
      { baseUrl: scimBaseUrl(publicUrl, slug) },
    );
    send(res, response);
  };

  const answerError = async (error: unknown, req: Request, res: Response): Promise<void> => {
    let scimError = toScimError(error);
    const cause = error as { type?: string; status?: unknown; message?: unknown } | undefined;
    if (!scimError && cause?.type === 'entity.parse.failed') scimError = invalidSyntax('The request body is not valid JSON');
    if (!scimError && cause?.type === 'entity.too.large') scimError = new ScimError(413, `The request body is larger than ${SCIM_BODY_LIMIT}`);
    if (!scimError && typeof cause?.status === 'number' && cause.status >= 400 && cause.status < 500) {
      scimError = new ScimError(cause.status, String(cause.message ?? 'Bad request'));
    }
    if (!scimError) {
      logger.error({ err: error, reqId: req.id }, 'unexpected SCIM error');
      scimError = new ScimError(500, 'Internal server error');
    }
    const scope = (res.locals as ScimLocals).scope;
    const ordinaryMiss = scimError.status === 404 && req.method === 'GET';
    // 429 and 503 are not the client's fault, and a 503 could not be recorded anyway (no database).
    if (scope && scimError.status >= 400 && scimError.status !== 429 && scimError.status !== 503 && !ordinaryMiss) {
      await recordRejection(scope, req, scimError.status, scimError.message, scimError.scimType);
    }
    if (res.headersSent) return;
    send(res, { status: scimError.status, headers: scimError.headers, body: scimErrorBody(scimError) });
  };

  // One handler rather than a router of four layers: express's dispatch between layers cost more per request than
  // any of the steps. The order is the protocol's: counted, then authenticated before the body is read (an
  // unauthenticated client gets its 401 whatever it sent), then parsed, then answered.
  return async (req, res) => {
    countRequest(req, res);
    try {
      await authenticate(req, res);
      await readBody(req, res);
      await answer(req, res);
    } catch (error) {
      await answerError(error, req, res);
    }
  };
}
