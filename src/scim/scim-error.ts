import { asUnavailable } from '../db/unavailable';
import { DomainError } from '../domain/shared/domain-error';
import { FilterSyntaxError } from './filter/parse-filter';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 scimType values this server uses. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** An error answered in SCIM's error body. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ScimError';
  }
}

export const invalidValue = (message: string) => new ScimError(400, message, 'invalidValue');
export const invalidSyntax = (message: string) => new ScimError(400, message, 'invalidSyntax');
export const invalidPath = (message: string) => new ScimError(400, message, 'invalidPath');

const STATUS_OF: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
};

/** The one mapping of errors to SCIM: domain codes to statuses, filter errors to invalidFilter. */
export function toScimError(thrown: unknown): ScimError | undefined {
  if (thrown instanceof ScimError) return thrown;
  if (thrown instanceof FilterSyntaxError) return new ScimError(400, thrown.message, 'invalidFilter');
  const error = asUnavailable(thrown) ?? thrown;
  if (error instanceof DomainError) {
    const status = STATUS_OF[error.code];
    if (!status) return undefined;
    const given = error.details?.scimType as ScimType | undefined;
    const scimType = given ?? (error.code === 'CONFLICT' ? 'uniqueness' : error.code === 'BAD_USER_INPUT' ? 'invalidValue' : undefined);
    const retryAfter = error.details?.retryAfterSeconds;
    return new ScimError(status, error.message, scimType, typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {});
  }
  return undefined;
}

export function scimErrorBody(error: ScimError) {
  return {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType && { scimType: error.scimType }),
    detail: error.message,
  };
}
