import { DomainError } from '../domain/shared/domain-error';

/** Seconds a client is asked to wait before retrying a request refused because the database was unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** SQLSTATEs that say "the server is going away or not accepting us", not "your request is wrong". */
const UNAVAILABLE_SQLSTATES = new Set([
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
]);

/** Socket errors of a connection attempt or of a connection that died under a query. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT']);

/** Messages of pg and knex that carry no code. */
const UNAVAILABLE_MESSAGES = [
  /Timeout acquiring a connection/i,
  /Connection terminated/i,
  /Connection ended unexpectedly/i,
  /connection is closed/i,
  /is not queryable/i,
  /terminating connection/i,
  /Transaction query already complete/i,
];

/** Why the database refused: no free connection in time, or no connection at all. */
export type UnavailableReason = 'acquire_timeout' | 'connection';

/** The reason `error` (or one of its causes) means the database is unavailable; undefined for any other error. */
export function unavailableReason(error: unknown, depth = 0): UnavailableReason | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (/Timeout acquiring a connection/i.test(text)) return 'acquire_timeout';
  // ENOENT only as a socket error: a missing Unix socket file of a stopped server.
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || (UNAVAILABLE_ERRNOS.has(code) && (code !== 'ENOENT' || /\.s\.PGSQL/.test(text))))) {
    return 'connection';
  }
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(text))) return 'connection';
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const reason = unavailableReason(inner, depth + 1);
      if (reason) return reason;
    }
  }
  return unavailableReason(cause, depth + 1);
}

/**
 * The typed form of a database-unavailable error (`UNAVAILABLE`), for the edges to map once; undefined when
 * `error` is anything else (a DomainError already typed is returned as it is).
 */
export function asUnavailable(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error.code === 'UNAVAILABLE' ? error : undefined;
  const reason = unavailableReason(error);
  if (!reason) return undefined;
  return new DomainError(
    'UNAVAILABLE',
    reason === 'acquire_timeout'
      ? 'The service is busy: no database connection became free in time; retry later'
      : 'The database is unavailable; retry later',
    { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS },
  );
}
