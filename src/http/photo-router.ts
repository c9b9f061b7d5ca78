import type { IncomingMessage } from 'node:http';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { MAX_PHOTO_BYTES } from '../domain/photos/image-type';
import type { DomainServices } from '../domain/services';
import { DomainError } from '../domain/shared/domain-error';
import type { Scope } from '../domain/shared/scope';
import { bearerOf, requestIdOf } from './request-context';
import { SESSION_COOKIE } from './session-cookie';

const STATUS_OF: Partial<Record<DomainError['code'], number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
};

/**
 * Users' photos (SPEC §6): `GET /api/{tenant}/users/{id}/photo` for any credential or session of the tenant,
 * with ETag and 304; `PUT` the raw image bytes to set one (the person themself, or an administrator). The
 * image is served as the type its bytes are, never as what anyone declared, and sandboxed: a photo is never a
 * page that runs script on Portico's origin.
 */
export function createPhotoRouter(options: { services: DomainServices }): Router {
  const { services } = options;
  const router = Router({ mergeParams: true });

  const scopeOf = async (req: Request): Promise<Scope> => {
    const credential = bearerOf(req, SESSION_COOKIE);
    if (!credential) throw new DomainError('UNAUTHENTICATED', 'Send a bearer token or sign in');
    if ('malformed' in credential) throw new DomainError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
    const actor = await services.authenticator.authenticate(credential.token);
    if (!actor) throw new DomainError('UNAUTHENTICATED', 'The token is unknown, revoked or expired');
    const slug = String(req.params.tenant);
    try {
      return await services.tenants.scopeFor({ actor, source: 'GRAPHQL', requestId: requestIdOf(req) }, slug);
    } catch (error) {
      // Another tenant's photos do not exist for this caller.
      if (error instanceof DomainError && error.code === 'FORBIDDEN') throw new DomainError('NOT_FOUND', 'Photo not found');
      throw error;
    }
  };

  router.get('/:id/photo', async (req, res, next) => {
    try {
      const scope = await scopeOf(req);
      const ifNoneMatch = req.headers['if-none-match'];
      const found = await services.photos.read(scope, String(req.params.id), typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined);
      res.set({ 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' });
      if (found.kind === 'not-modified') {
        res.set('ETag', found.etag).status(304).end();
        return;
      }
      const { photo } = found;
      res
        .set({
          'Content-Type': photo.contentType,
          ETag: photo.etag,
          'Last-Modified': photo.updatedAt.toUTCString(),
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Cross-Origin-Resource-Policy': 'same-site',
        })
        .send(photo.bytes);
    } catch (error) {
      answerError(error, res, next);
    }
  });

  router.put('/:id/photo', async (req, res, next) => {
    try {
      const scope = await scopeOf(req);
      const bytes = await readBody(req, MAX_PHOTO_BYTES);
      const { etag } = await services.photos.upload(scope, String(req.params.id), bytes);
      res.set('ETag', etag).status(204).end();
    } catch (error) {
      // The client went away mid-upload: nobody to answer, and no fault of Portico's.
      if (req.destroyed && !(error instanceof DomainError)) return;
      answerError(error, res, next);
    }
  });

  return router;
}

function answerError(error: unknown, res: Response, next: NextFunction): void {
  const status = error instanceof DomainError ? STATUS_OF[error.code] : undefined;
  if (!status || !(error instanceof DomainError)) return next(error);
  if (status === 413) res.set('Connection', 'close');
  res.status(status).json({ error: error.message, code: error.code });
}

/** The body, refused (without reading the rest) once it is larger than `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new DomainError('PAYLOAD_TOO_LARGE', `A photo may be at most ${limit / (1024 * 1024)} MB`, { maxBytes: limit });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
