import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from './logger';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: the client's X-Request-Id when it is sane, else a generated UUID. */
    id: string;
  }
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A request id for every request (the client's X-Request-Id when it is sane), echoed back and on every log
 * line; one line per answered request ('request completed' at info, warn for 4xx, error for 5xx), one per
 * request the client gave up on ('request aborted', warn). Written here rather than by pino-http, which builds
 * a child logger per request (serializing and redacting the request whether or not anything is logged) and
 * listens three times per response: a third of a bare request's CPU, for a line that says the same.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = Date.now();
    res.once('close', () => logAnswered(logger, req, res, started));
    next();
  };
}

function logAnswered(logger: Logger, req: IncomingMessage, res: ServerResponse, started: number): void {
  const aborted = !res.writableFinished;
  const status = res.statusCode;
  const level = aborted || (status >= 400 && status < 500) ? 'warn' : status >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  // express rewrites req.url inside mounted routers; originalUrl is what the client asked for.
  const url = (req as Request).originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  const line = {
    // The path only: query strings carry filters with people's names.
    req: { id: req.id, method: req.method, url: query < 0 ? url : url.slice(0, query) },
    res: { statusCode: status },
    responseTime: Date.now() - started,
  };
  logger[level](line, aborted ? 'request aborted' : status >= 500 ? 'request errored' : 'request completed');
}

export const requestIdOf = (req: IncomingMessage): string => String(req.id);

/** The value of one cookie, or undefined. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` value, or null when the value is not of that form. */
export function parseBearer(value: string): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1] ?? null;
}

/** The bearer token of a request: the Authorization header, else the session cookie. */
export function bearerOf(req: IncomingMessage, cookieName: string): { token: string } | { malformed: true } | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const token = parseBearer(header);
    return token ? { token } : { malformed: true };
  }
  const cookie = cookieValue(req, cookieName);
  return cookie ? { token: cookie } : undefined;
}
