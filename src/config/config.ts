import path from 'node:path';
import { z } from 'zod';

/** Validated process configuration. `loadConfig` is the only reader of the environment. */
export interface Config {
  /** Connection string of an external PostgreSQL; undefined means the embedded server in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * A direct connection (not through a transaction-pooling PgBouncer) for the live feed's LISTEN; undefined
   * means the connection `databaseUrl` describes (or the embedded server).
   */
  listenDatabaseUrl: string | undefined;
  /**
   * Hot reads run as named prepared statements (planned once per connection), or as unnamed ones (planned
   * every time), which survive transaction pooling: PgBouncer before 1.21 hands each transaction whichever
   * server connection is free, where a statement prepared on another one does not exist.
   */
  preparedStatements: boolean;
  port: number;
  /** Origin used in generated SCIM and SAML URLs, without a trailing slash. */
  publicUrl: string;
  /** Operator bearer token given by the environment; undefined means one is generated on first start. */
  operatorToken: string | undefined;
  /** 32-byte key for encrypting stored secrets; undefined only on the embedded default (then kept in `dataDir`). */
  secretKey: Buffer | undefined;
  logLevel: LogLevel;
  /** Where the embedded PostgreSQL and generated secrets live. */
  dataDir: string;
  /** Sustained SCIM requests per second per token (0: no limit) and the burst above it. */
  scimRateLimit: { perSecond: number; burst: number };
  /** Sustained requests per second to the SAML routes per client address (0: no limit) and the burst above it. */
  samlRateLimit: { perSecond: number; burst: number };
  /** How old a tenant's fetched IdP metadata may get before it is fetched again. */
  samlMetadataRefreshHours: number;
  /** Fetch IdP metadata over plain http and from private addresses too (development and tests only). */
  samlMetadataInsecure: boolean;
  /** The total time one IdP metadata fetch may take (connect, redirects, headers and body). */
  samlMetadataTimeoutMs: number;
  /** Events a live subscriber may fall behind by before it is closed. */
  maxBufferedEvents: number;
  /** Provisioning events older than this many days are pruned (0 keeps them forever). */
  eventRetentionDays: number;
  /** Bearer token `/metrics` requires; undefined: `/metrics` answers direct loopback requests only. */
  metricsToken: string | undefined;
  /** express's `trust proxy`: which peers' X-Forwarded-For names the client (rate limits go by that address). */
  trustProxy: boolean | number | string;
  /** Whether GraphQL answers introspection queries (`__schema`, `__type`). */
  graphqlIntrospection: boolean;
  /** Days a deleted user is kept as a tombstone before it is purged (0: deleted at once, no tombstone). */
  deletedUserRetentionDays: number;
  /** When deletions and deactivations within an hour count as a MASS_DEPROVISIONING burst. */
  massDeprovisioning: { share: number; minimumUsers: number };
  /** Database connections per process, and how long a request waits for one (or for a new one to connect). */
  databasePool: { size: number; acquireTimeoutMs: number };
  /** Microsoft Entra ID as a directory provider: where its login endpoint and Graph are, and how the photo sync runs. */
  directory: {
    loginUrl: string;
    graphUrl: string;
    /** Minutes between scheduled syncs of a tenant (0: only on demand). */
    syncMinutes: number;
    /** Graph requests in flight per sync. */
    concurrency: number;
    /** The total time one photo download may take. */
    photoTimeoutMs: number;
    /** The longest Retry-After honoured. */
    maxRetryAfterMs: number;
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Raised when the environment is invalid; the message names each bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/** What express's `trust proxy` takes as text: a boolean, a hop count, or addresses, subnets and range names. */
function isTrustProxySetting(value: string): boolean {
  if (/^(true|false|\d{1,2})$/.test(value)) return true;
  return value.split(',').every((part) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(part.trim()));
}

const secretKeySchema = z.string().transform((value, ctx) => {
  const decoded = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (decoded.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64' });
    return z.NEVER;
  }
  return decoded;
});

const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// connection URL')
      .optional(),
  ),
  PORTICO_LISTEN_DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// connection URL')
      .optional(),
  ),
  PORTICO_DB_PREPARED_STATEMENTS: z.preprocess(
    emptyAsUndefined,
    z.enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' }).default('auto'),
  ),
  PORT: z.preprocess(
    (v) => (v === undefined || v === '' ? 4000 : v),
    z.coerce.number({ message: 'must be a port number' }).int('must be a whole number').min(0).max(65535),
  ),
  PUBLIC_URL: z.preprocess(
    emptyAsUndefined,
    z
      .url({ protocol: /^https?$/, message: 'must be an http(s) origin such as https://portico.example.com' })
      .optional(),
  ),
  PORTICO_OPERATOR_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().min(24, 'must be at least 24 characters').optional(),
  ),
  PORTICO_SECRET_KEY: z.preprocess(emptyAsUndefined, secretKeySchema.optional()),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(LOG_LEVELS).default('info')),
  PORTICO_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.portico')),
  PORTICO_SCIM_RATE_PER_SECOND: z.preprocess(
    (v) => (v === undefined || v === '' ? 100 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0).max(1_000_000),
  ),
  PORTICO_SCIM_RATE_BURST: z.preprocess(
    (v) => (v === undefined || v === '' ? 200 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1).max(1_000_000),
  ),
  PORTICO_SAML_RATE_PER_SECOND: z.preprocess(
    (v) => (v === undefined || v === '' ? 10 : v),
    z.coerce.number({ message: 'must be a number' }).min(0).max(1_000_000),
  ),
  PORTICO_SAML_RATE_BURST: z.preprocess(
    (v) => (v === undefined || v === '' ? 50 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1).max(1_000_000),
  ),
  PORTICO_SAML_METADATA_INSECURE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false'], { message: 'must be true or false' }).default('false')),
  PORTICO_SAML_METADATA_TIMEOUT_SECONDS: z.preprocess(
    (v) => (v === undefined || v === '' ? 10 : v),
    z.coerce.number({ message: 'must be a number of seconds' }).min(0.1, 'must be at least 0.1').max(300, 'must be at most 300'),
  ),
  PORTICO_SUBSCRIBER_BUFFER: z.preprocess(
    (v) => (v === undefined || v === '' ? 1000 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(10).max(1_000_000),
  ),
  PORTICO_EVENT_RETENTION_DAYS: z.preprocess(
    (v) => (v === undefined || v === '' ? 90 : v),
    z.coerce.number({ message: 'must be a number' }).min(0).max(36_500),
  ),
  // Operations exposure: metrics and introspection are closed unless the operator opens them.
  PORTICO_TRUST_PROXY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine(isTrustProxySetting, 'must be true, false, a hop count, or a comma-separated list of addresses, subnets, loopback, linklocal, uniquelocal')
      .default('loopback'),
  ),
  PORTICO_METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(24, 'must be at least 24 characters').optional()),
  PORTICO_GRAPHQL_INTROSPECTION: z.preprocess(emptyAsUndefined, z.enum(['true', 'false'], { message: 'must be true or false' }).default('false')),
  PORTICO_DELETED_USER_RETENTION_DAYS: z.preprocess(
    (v) => (v === undefined || v === '' ? 30 : v),
    z.coerce.number({ message: 'must be a number' }).min(0).max(36_500),
  ),
  PORTICO_MASS_DEPROVISIONING_SHARE: z.preprocess(
    (v) => (v === undefined || v === '' ? 0.1 : v),
    z.coerce.number({ message: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  ),
  PORTICO_MASS_DEPROVISIONING_MIN_USERS: z.preprocess(
    (v) => (v === undefined || v === '' ? 10 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1).max(1_000_000),
  ),
  PORTICO_DB_POOL_SIZE: z.preprocess(
    (v) => (v === undefined || v === '' ? 20 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1).max(1_000),
  ),
  PORTICO_DB_ACQUIRE_TIMEOUT_MS: z.preprocess(
    (v) => (v === undefined || v === '' ? 3_000 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(100).max(600_000),
  ),
  PORTICO_LOGIN_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://login.microsoftonline.com' }).default('https://login.microsoftonline.com'),
  ),
  PORTICO_GRAPH_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://graph.microsoft.com' }).default('https://graph.microsoft.com'),
  ),
  PORTICO_DIRECTORY_SYNC_MINUTES: z.preprocess(
    (v) => (v === undefined || v === '' ? 40 : v),
    z.coerce.number({ message: 'must be a number of minutes' }).min(0).max(7 * 24 * 60),
  ),
  PORTICO_DIRECTORY_SYNC_CONCURRENCY: z.preprocess(
    (v) => (v === undefined || v === '' ? 8 : v),
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1).max(64),
  ),
  PORTICO_DIRECTORY_PHOTO_TIMEOUT_SECONDS: z.preprocess(
    (v) => (v === undefined || v === '' ? 15 : v),
    z.coerce.number({ message: 'must be a number of seconds' }).min(0.1, 'must be at least 0.1').max(300, 'must be at most 300'),
  ),
  PORTICO_DIRECTORY_RETRY_AFTER_MAX_SECONDS: z.preprocess(
    (v) => (v === undefined || v === '' ? 60 : v),
    z.coerce.number({ message: 'must be a number of seconds' }).min(0).max(3600),
  ),
  PORTICO_SAML_METADATA_REFRESH_HOURS: z.preprocess(
    (v) => (v === undefined || v === '' ? 24 : v),
    z.coerce.number({ message: 'must be a number' }).min(0.01, 'must be at least 0.01').max(24 * 365),
  ),
});

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        // Secrets are never echoed back, even when they are wrong.
        const shown =
          name === 'PORTICO_SECRET_KEY' ||
          name === 'PORTICO_OPERATOR_TOKEN' ||
          name === 'DATABASE_URL' ||
          name === 'PORTICO_LISTEN_DATABASE_URL' ||
          name === 'PORTICO_METRICS_TOKEN';
        const got = shown ? '' : ` (got ${JSON.stringify(env[name])})`;
        return `${name}: ${issue.message}${got}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.DATABASE_URL && !e.PORTICO_SECRET_KEY) {
    throw new ConfigError([
      'PORTICO_SECRET_KEY: required when DATABASE_URL is set (32 bytes as 64 hex characters or base64; e.g. `openssl rand -hex 32`)',
    ]);
  }
  if (e.PORTICO_LISTEN_DATABASE_URL && !e.DATABASE_URL) {
    throw new ConfigError(['PORTICO_LISTEN_DATABASE_URL: only used with DATABASE_URL (the embedded PostgreSQL is always reached directly)']);
  }
  // A LISTEN connection apart from DATABASE_URL is what a transaction pooler in DATABASE_URL's path asks for;
  // such a pooler (PgBouncer before 1.21, or without max_prepared_statements) cannot keep named statements.
  const listenApart = e.PORTICO_LISTEN_DATABASE_URL !== undefined && e.PORTICO_LISTEN_DATABASE_URL !== e.DATABASE_URL;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT === 0 ? 4000 : e.PORT}`).replace(/\/+$/, '');
  return {
    databaseUrl: e.DATABASE_URL,
    listenDatabaseUrl: e.PORTICO_LISTEN_DATABASE_URL,
    preparedStatements: e.PORTICO_DB_PREPARED_STATEMENTS === 'auto' ? !listenApart : e.PORTICO_DB_PREPARED_STATEMENTS === 'true',
    port: e.PORT,
    publicUrl,
    operatorToken: e.PORTICO_OPERATOR_TOKEN,
    secretKey: e.PORTICO_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(cwd, e.PORTICO_DATA_DIR),
    scimRateLimit: { perSecond: e.PORTICO_SCIM_RATE_PER_SECOND, burst: e.PORTICO_SCIM_RATE_BURST },
    samlRateLimit: { perSecond: e.PORTICO_SAML_RATE_PER_SECOND, burst: e.PORTICO_SAML_RATE_BURST },
    samlMetadataRefreshHours: e.PORTICO_SAML_METADATA_REFRESH_HOURS,
    samlMetadataInsecure: e.PORTICO_SAML_METADATA_INSECURE === 'true',
    samlMetadataTimeoutMs: Math.round(e.PORTICO_SAML_METADATA_TIMEOUT_SECONDS * 1000),
    maxBufferedEvents: e.PORTICO_SUBSCRIBER_BUFFER,
    eventRetentionDays: e.PORTICO_EVENT_RETENTION_DAYS,
    metricsToken: e.PORTICO_METRICS_TOKEN,
    trustProxy: e.PORTICO_TRUST_PROXY === 'true' ? true : e.PORTICO_TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.PORTICO_TRUST_PROXY) ? Number(e.PORTICO_TRUST_PROXY) : e.PORTICO_TRUST_PROXY,
    graphqlIntrospection: e.PORTICO_GRAPHQL_INTROSPECTION === 'true',
    deletedUserRetentionDays: e.PORTICO_DELETED_USER_RETENTION_DAYS,
    massDeprovisioning: { share: e.PORTICO_MASS_DEPROVISIONING_SHARE, minimumUsers: e.PORTICO_MASS_DEPROVISIONING_MIN_USERS },
    databasePool: { size: e.PORTICO_DB_POOL_SIZE, acquireTimeoutMs: e.PORTICO_DB_ACQUIRE_TIMEOUT_MS },
    directory: {
      loginUrl: e.PORTICO_LOGIN_URL.replace(/\/+$/, ''),
      graphUrl: e.PORTICO_GRAPH_URL.replace(/\/+$/, ''),
      syncMinutes: e.PORTICO_DIRECTORY_SYNC_MINUTES,
      concurrency: e.PORTICO_DIRECTORY_SYNC_CONCURRENCY,
      photoTimeoutMs: Math.round(e.PORTICO_DIRECTORY_PHOTO_TIMEOUT_SECONDS * 1000),
      maxRetryAfterMs: Math.round(e.PORTICO_DIRECTORY_RETRY_AFTER_MAX_SECONDS * 1000),
    },
  };
}
