/**
 * The port through which the directory provider talks to Microsoft Entra ID: the login endpoint (an app token
 * by client credentials) and Microsoft Graph (users' photos). The adapter speaks HTTP; tests swap the server
 * it talks to (PORTICO_LOGIN_URL, PORTICO_GRAPH_URL), not this code.
 */
export interface DirectoryGraph {
  /** An app-only token for Graph; throws `GraphProblem` (SECRET_INVALID, SECRET_EXPIRED, …) when refused. */
  token(app: DirectoryApp, signal?: AbortSignal): Promise<GraphToken>;
  /** Any one user of the directory (to test a connection when Portico has no users yet), or null. */
  anyUserId(token: GraphToken, signal?: AbortSignal): Promise<string | null>;
  /** The metadata of a user's photo: its ETag, or that the user has none, or that Graph knows no such user. */
  photoMetadata(token: GraphToken, userRef: string, signal?: AbortSignal): Promise<PhotoMetadata>;
  /**
   * The photo's bytes, streamed and refused past `maxBytes` (TOO_LARGE) or when `signal` aborts (TIMEOUT):
   * never more than `maxBytes` are held.
   */
  downloadPhoto(token: GraphToken, userRef: string, maxBytes: number, signal: AbortSignal): Promise<Buffer>;
}

/** The app registration an administrator pasted (the secret already opened). */
export interface DirectoryApp {
  directoryTenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface GraphToken {
  accessToken: string;
  expiresAt: number;
}

export type PhotoMetadata = { kind: 'photo'; etag: string } | { kind: 'none' } | { kind: 'unknown-user' };

/** What went wrong talking to Microsoft, in terms an administrator can act on. */
export type GraphProblemKind =
  | 'SECRET_INVALID'
  | 'SECRET_EXPIRED'
  | 'CLIENT_UNKNOWN'
  | 'TENANT_UNKNOWN'
  | 'PERMISSION_MISSING'
  | 'TOKEN_REJECTED'
  /** The login endpoint failed otherwise (timed out, throttled, answered 5xx). */
  | 'LOGIN_FAILED'
  | 'THROTTLED'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'UNEXPECTED';

/** A refusal or failure of the login endpoint or Graph. Its message never contains the secret. */
export class GraphProblem extends Error {
  constructor(
    readonly kind: GraphProblemKind,
    message: string,
    readonly detail: {
      /** Microsoft's error code (`AADSTS7000215`, `Authorization_RequestDenied`, …) when it sent one. */
      code?: string;
      status?: number;
      /** THROTTLED: how long Graph asked to wait. */
      retryAfterMs?: number;
      /** UNREACHABLE, TIMEOUT: the host that could not be reached. */
      host?: string;
    } = {},
  ) {
    super(message);
    this.name = 'GraphProblem';
  }
}
