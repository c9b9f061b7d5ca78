import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('defaults to the embedded database on port 4000', () => {
    const config = loadConfig({}, '/srv/portico');
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 4000,
      publicUrl: 'http://localhost:4000',
      operatorToken: undefined,
      secretKey: undefined,
      logLevel: 'info',
      dataDir: path.resolve('/srv/portico', '.portico'),
    });
  });

  it('accepts a full production configuration', () => {
    const key = 'a'.repeat(64);
    const config = loadConfig({
      DATABASE_URL: 'postgres://portico:pw@db:5432/portico',
      PORT: '8080',
      PUBLIC_URL: 'https://id.example.com/',
      PORTICO_OPERATOR_TOKEN: 'x'.repeat(32),
      PORTICO_SECRET_KEY: key,
      LOG_LEVEL: 'warn',
    });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('https://id.example.com');
    expect(config.secretKey).toEqual(Buffer.from(key, 'hex'));
    expect(config.logLevel).toBe('warn');
  });

  it('accepts a base64 secret key', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ PORTICO_SECRET_KEY: key.toString('base64') }).secretKey).toEqual(key);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '80.5' }, 'PORT'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://files.example.com' }, 'PUBLIC_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'mysql://db/x', PORTICO_SECRET_KEY: 'a'.repeat(64) }, 'DATABASE_URL'],
    [{ PORTICO_OPERATOR_TOKEN: 'short' }, 'PORTICO_OPERATOR_TOKEN'],
    [{ PORTICO_SECRET_KEY: 'abcd' }, 'PORTICO_SECRET_KEY'],
    [{ DATABASE_URL: 'postgres://db/x' }, 'PORTICO_SECRET_KEY'],
  ])('names the bad variable: %j', (env, variable) => {
    expect(problemsOf(env)).toContain(`${variable}:`);
  });

  it('deleted-user retention and the mass-deprovisioning burst: defaults, values, and bad values named', () => {
    expect(loadConfig({})).toMatchObject({ deletedUserRetentionDays: 30, massDeprovisioning: { share: 0.1, minimumUsers: 10 } });
    expect(
      loadConfig({ PORTICO_DELETED_USER_RETENTION_DAYS: '0', PORTICO_MASS_DEPROVISIONING_SHARE: '0.25', PORTICO_MASS_DEPROVISIONING_MIN_USERS: '3' }),
    ).toMatchObject({ deletedUserRetentionDays: 0, massDeprovisioning: { share: 0.25, minimumUsers: 3 } });
    const message = problemsOf({ PORTICO_DELETED_USER_RETENTION_DAYS: '-1', PORTICO_MASS_DEPROVISIONING_SHARE: '1.5', PORTICO_MASS_DEPROVISIONING_MIN_USERS: '0' });
    for (const name of ['PORTICO_DELETED_USER_RETENTION_DAYS:', 'PORTICO_MASS_DEPROVISIONING_SHARE:', 'PORTICO_MASS_DEPROVISIONING_MIN_USERS:']) {
      expect(message).toContain(name);
    }
  });

  it('bounds the database pool: size and acquire wait, with defaults, each bad value named', () => {
    expect(loadConfig({}).databasePool).toEqual({ size: 20, acquireTimeoutMs: 3_000 });
    expect(loadConfig({ PORTICO_DB_POOL_SIZE: '5', PORTICO_DB_ACQUIRE_TIMEOUT_MS: '1500' }).databasePool).toEqual({ size: 5, acquireTimeoutMs: 1_500 });
    const message = problemsOf({ PORTICO_DB_POOL_SIZE: '0', PORTICO_DB_ACQUIRE_TIMEOUT_MS: 'soon' });
    expect(message).toContain('PORTICO_DB_POOL_SIZE:');
    expect(message).toContain('PORTICO_DB_ACQUIRE_TIMEOUT_MS:');
  });

  it('behind a transaction pooler: a direct LISTEN connection, and statements unnamed unless told otherwise', () => {
    const key = 'a'.repeat(64);
    const direct = 'postgres://portico:pw@db:5432/portico';
    const pooled = 'postgres://portico:pw@pgbouncer:6432/portico';
    expect(loadConfig({ DATABASE_URL: direct, PORTICO_SECRET_KEY: key })).toMatchObject({ listenDatabaseUrl: undefined, preparedStatements: true });
    expect(loadConfig({})).toMatchObject({ listenDatabaseUrl: undefined, preparedStatements: true });
    // A LISTEN connection apart from DATABASE_URL is the sign of a transaction pooler in DATABASE_URL's path.
    expect(loadConfig({ DATABASE_URL: pooled, PORTICO_LISTEN_DATABASE_URL: direct, PORTICO_SECRET_KEY: key })).toMatchObject({
      databaseUrl: pooled,
      listenDatabaseUrl: direct,
      preparedStatements: false,
    });
    expect(loadConfig({ DATABASE_URL: direct, PORTICO_LISTEN_DATABASE_URL: direct, PORTICO_SECRET_KEY: key }).preparedStatements).toBe(true);
    // PgBouncer 1.21+ with max_prepared_statements keeps named statements; and a pooler can be named without a LISTEN URL.
    expect(loadConfig({ DATABASE_URL: pooled, PORTICO_LISTEN_DATABASE_URL: direct, PORTICO_DB_PREPARED_STATEMENTS: 'true', PORTICO_SECRET_KEY: key }).preparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_URL: pooled, PORTICO_DB_PREPARED_STATEMENTS: 'false', PORTICO_SECRET_KEY: key }).preparedStatements).toBe(false);

    const message = problemsOf({ DATABASE_URL: pooled, PORTICO_SECRET_KEY: key, PORTICO_LISTEN_DATABASE_URL: 'mysql://x:secret@db/p', PORTICO_DB_PREPARED_STATEMENTS: 'sometimes' });
    expect(message).toContain('PORTICO_LISTEN_DATABASE_URL: must be a postgres:// or postgresql:// connection URL');
    expect(message).not.toContain('secret');
    expect(message).toContain('PORTICO_DB_PREPARED_STATEMENTS: must be auto, true or false');
    expect(problemsOf({ PORTICO_LISTEN_DATABASE_URL: direct })).toContain('PORTICO_LISTEN_DATABASE_URL: only used with DATABASE_URL');
  });

  it('PORTICO_TRUST_PROXY: loopback by default; booleans, hop counts and address lists; anything else named', () => {
    expect(loadConfig({}).trustProxy).toBe('loopback');
    expect(loadConfig({ PORTICO_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ PORTICO_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ PORTICO_TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' }).trustProxy).toBe('loopback, 10.0.0.0/8, fd00::/8');
    expect(problemsOf({ PORTICO_TRUST_PROXY: 'my-balancer' })).toContain('PORTICO_TRUST_PROXY:');
  });

  it('reports every bad variable at once and never echoes a secret', () => {
    const message = problemsOf({ PORT: 'x', LOG_LEVEL: 'y', PORTICO_SECRET_KEY: 'hunter2-secret' });
    expect(message).toContain('PORT:');
    expect(message).toContain('LOG_LEVEL:');
    expect(message).toContain('PORTICO_SECRET_KEY:');
    expect(message).not.toContain('hunter2-secret');
  });
});
