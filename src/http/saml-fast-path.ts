import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';

/** `POST /api/:tenant/saml/acs`, optionally with a query: what express's mount and route match (any case). */
const SAML_ACS = /^\/api\/([^/?#]+)\/saml\/acs(?=\?|$)/i;

/** The tenant of an ACS URL, percent-decoded; null for another URL, or a tenant that is not valid percent-encoding. */
function acsTenant(url: string): string | null {
  const slug = SAML_ACS.exec(url)?.[1];
  if (slug === undefined) return null;
  try {
    return decodeURIComponent(slug);
  } catch {
    return null;
  }
}

/** The request as the ACS reads it: what express would have set, as own properties. */
export type AcsRequest = IncomingMessage & { params: { tenant: string }; originalUrl: string; ip?: string };

/**
 * The client address as express's `req.ip` gives it under the app's `trust proxy` setting, for a request
 * express does not see: the same getter, read through an object that has the request's headers and socket.
 */
export function clientAddressOf(app: Express): (req: IncomingMessage) => string | undefined {
  return (req) => {
    const view = Object.create(app.request) as Request;
    Object.defineProperty(view, 'headers', { value: req.headers });
    Object.defineProperty(view, 'socket', { value: req.socket });
    return view.ip;
  };
}

/**
 * The SAML ACS answered without express: a validated sign-in is mostly node-saml's work, and what is left is
 * Portico's, of which express's router and body parser were a good part. The same middleware instances run
 * first (`before`: request id and log line, metrics), then the same ACS handler express routes to
 * (src/saml/router.ts), which answers every request and every error itself. Returns false, leaving the request
 * to express, for anything but a POST to an ACS URL in origin form whose tenant is valid percent-encoding.
 */
export function samlAcsFastPath(options: {
  acs: (req: AcsRequest, res: ServerResponse) => Promise<void>;
  before: RequestHandler[];
  clientAddress: (req: IncomingMessage) => string | undefined;
  logger: Logger;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { acs, before, clientAddress, logger } = options;
  return (incoming, response) => {
    if (incoming.method !== 'POST') return false;
    const url = incoming.url ?? '';
    const tenant = acsTenant(url);
    if (tenant === null) return false;
    const req = incoming as AcsRequest;
    req.originalUrl = url;
    req.params = { tenant };
    req.ip = clientAddress(incoming);
    const res = response as unknown as Response;
    res.locals = {};
    const next = () => {};
    for (const middleware of before) void middleware(req as unknown as Request, res, next);
    acs(req, response).catch((error: unknown) => {
      // The ACS answers its own errors; only a fault in answering one reaches here.
      logger.error({ err: error, reqId: req.id }, 'unhandled SAML ACS error');
      if (response.headersSent) return;
      response.statusCode = 500;
      response.end();
    });
    return true;
  };
}
