import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';

/** `/api/:tenant/scim/v2`, then the end of the path, a `/` or the query: what express's mount matches (any case). */
const SCIM_MOUNT = /^\/api\/([^/?#]+)\/scim\/v2(?=[/?#]|$)/i;

/** The request as the SCIM handler reads it: what express would have set, as own properties. */
type ScimRequest = IncomingMessage & Pick<Request, 'params' | 'query' | 'originalUrl' | 'body'> & { path: string };

/**
 * SCIM requests answered without express. They are most of what Entra sends, and on this path express's own
 * work (its request and response prototypes, the router's dispatch) cost more CPU than Node's HTTP server
 * (`npm run bench -- http`). The same middleware instances run first (`before`: request id and log line,
 * metrics), then the same SCIM handler express mounts; that handler answers every request and every error
 * itself. Returns false, leaving the request to express, when the URL is not a SCIM URL in origin form or its
 * tenant is not valid percent-encoding (express answers those as it always has).
 */
export function scimFastPath(options: { scim: RequestHandler; before: RequestHandler[]; logger: Logger }): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { scim, before, logger } = options;
  return (incoming, response) => {
    const url = incoming.url ?? '';
    const mount = SCIM_MOUNT.exec(url);
    if (!mount) return false;
    let tenant: string;
    try {
      tenant = decodeURIComponent(mount[1]);
    } catch {
      return false;
    }
    const rest = url.slice(mount[0].length);
    const queryAt = rest.indexOf('?');
    const req = incoming as ScimRequest;
    req.originalUrl = url;
    req.params = { tenant };
    req.path = (queryAt < 0 ? rest : rest.slice(0, queryAt)) || '/';
    // express 5's default ("simple") query parser.
    req.query = queryAt < 0 ? {} : parseQueryString(rest.slice(queryAt + 1));
    const res = response as unknown as Response;
    res.locals = {};
    const next = () => {};
    for (const middleware of before) void middleware(req as unknown as Request, res, next);
    Promise.resolve(scim(req as unknown as Request, res, next)).catch((error: unknown) => {
      // The SCIM handler answers its own errors; only a fault in answering one reaches here.
      logger.error({ err: error, reqId: req.id }, 'unhandled SCIM error');
      if (response.headersSent) return;
      response.statusCode = 500;
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.end(JSON.stringify({ error: 'Internal server error' }));
    });
    return true;
  };
}
