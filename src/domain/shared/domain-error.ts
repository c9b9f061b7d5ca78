/** Stable error codes; each transport maps them once to its own form (GraphQL code, SCIM status, SAML page). */
export type DomainErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS'
  /** A body (a photo) larger than its limit. */
  | 'PAYLOAD_TOO_LARGE'
  /** A body (a photo) whose content is not of a type Portico accepts. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** A live subscriber fell too far behind and was closed; it may resume from its last cursor. */
  | 'SUBSCRIBER_TOO_SLOW'
  /** The database cannot be reached or has no free connection right now; the caller may retry later. */
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** The one error type of the domain: a code for machines, a message safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Structured detail safe to return to the caller (field names, limits); never secrets. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Throws a DomainError with `code` unless `condition` holds. */
export function assertThat(
  condition: unknown,
  code: DomainErrorCode,
  message: string,
  details?: Record<string, unknown>,
): asserts condition {
  if (!condition) throw new DomainError(code, message, details);
}

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`);
