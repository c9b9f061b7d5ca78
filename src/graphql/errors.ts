import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { asUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../db/unavailable';
import { DomainError, type DomainErrorCode } from '../domain/shared/domain-error';

/** Domain codes whose GraphQL name differs (GraphQL clients know Apollo's conventions). */
const GRAPHQL_CODE_OF: Partial<Record<DomainErrorCode, string>> = { UNAVAILABLE: 'SERVICE_UNAVAILABLE' };

/** The HTTP status and header of a response that carries a SERVICE_UNAVAILABLE error. */
export const UNAVAILABLE_HTTP = {
  status: 503,
  headers: new Map([['retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS)]]),
};

/** The UNAVAILABLE error behind what Apollo hands over (a resolver's error, or one it wrapped), if that is one. */
function unavailableBehind(error: unknown): DomainError | undefined {
  const unwrapped = unwrapResolverError(error);
  return asUnavailable(unwrapped) ?? (unwrapped instanceof GraphQLError ? asUnavailable(unwrapped.originalError) : undefined);
}

/** True when any of `errors` (as Apollo hands them to plugins) means the database was unavailable. */
export function anyUnavailable(errors: readonly unknown[] | undefined): boolean {
  return (errors ?? []).some((error) => unavailableBehind(error) !== undefined);
}

/** The error to throw where Apollo creates the request context: a GraphQLError that carries the 503 itself. */
export function unavailableGraphqlError(error: unknown): GraphQLError | undefined {
  const unavailable = asUnavailable(error);
  if (!unavailable) return undefined;
  return new GraphQLError(unavailable.message, { originalError: unavailable, extensions: { code: 'SERVICE_UNAVAILABLE', http: UNAVAILABLE_HTTP } });
}

/** Codes that Apollo and graphql-js assign to bad requests; they pass through unchanged. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

export type ErrorLogger = (error: unknown) => void;

/**
 * The one mapping of errors to GraphQL: domain errors keep their code and message; request errors keep
 * theirs; anything else is logged and masked as INTERNAL_SERVER_ERROR.
 */
export function formatGraphqlError(logUnexpected: ErrorLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unavailableBehind(error) ?? unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: GRAPHQL_CODE_OF[original.code] ?? original.code, ...(original.details && { details: original.details }) },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    logUnexpected(original);
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
