import 'reflect-metadata';
import path from 'node:path';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { migrationsList } from '../../migrations';
import { entities } from './entities';

export type Orm = MikroORM;

/** The MikroORM configuration for a connection URL; tests and the CLI pass their own overrides. */
export function ormConfig(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    allowGlobalContext: false,
    debug: false,
    // Entities declare their types explicitly; nothing is discovered from the file system.
    discovery: { warnWhenNoEntities: true, requireEntitiesArray: true },
    forceUtcTimezone: true,
    // More connections than concurrent requests a process usually serves, fewer than PostgreSQL allows.
    pool: { min: 0, max: 20 },
    migrations: {
      migrationsList,
      // Only used when a developer creates a new migration; running ones come from migrationsList.
      path: path.resolve(__dirname, '../../../migrations'),
      pathTs: path.resolve(__dirname, '../../migrations'),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // Applied migrations are logged by the app through pino, not printed by the migrator.
      silent: true,
    },
    ...overrides,
  });
}

/**
 * Pool settings that bound every wait on the database: at most `size` connections; a request waits at most
 * `acquireTimeoutMs` for a free one (then fails as UNAVAILABLE instead of queueing without end), and a new
 * connection that does not connect within that time is given up.
 */
export function poolOverrides(pool: { size: number; acquireTimeoutMs: number }): Partial<Options> {
  return {
    pool: { min: 0, max: pool.size, acquireTimeoutMillis: pool.acquireTimeoutMs, createTimeoutMillis: pool.acquireTimeoutMs },
    // compileSqlOnError: knex would write every binding into the error's message (a photo: megabytes of hex in a log line).
    driverOptions: { compileSqlOnError: false, acquireConnectionTimeout: pool.acquireTimeoutMs, connection: { connectionTimeoutMillis: pool.acquireTimeoutMs, keepAlive: true } },
  };
}

/** Connects to PostgreSQL (over the Unix socket when one is given); does not migrate (see `migrateToLatest`). */
export async function initOrm(clientUrl: string, overrides: Partial<Options> = {}, socketDir?: string): Promise<Orm> {
  return MikroORM.init(ormConfig(clientUrl, { ...(socketDir && { host: socketDir }), ...overrides }));
}

/** The advisory lock key under which migrations run ("portico migrations"). */
const MIGRATION_LOCK_KEY = 0x706f7274;

/**
 * Applies every pending migration; returns the names applied. Processes starting together on one database
 * take turns (a PostgreSQL advisory lock, held by a transaction on a connection of its own): the first
 * migrates, the others find nothing pending, instead of racing to create the same tables. A transaction's
 * lock, not a session's: behind a transaction-pooling PgBouncer a session lock would stay with whichever
 * server connection took it, held after this client left, and the next process to start would wait forever.
 */
export async function migrateToLatest(orm: Orm): Promise<string[]> {
  const settings = (orm.em.getConnection() as AbstractSqlConnection).getKnex().client.connectionSettings as pg.ClientConfig;
  // knex keeps the password as a hidden (non-enumerable) property: a spread alone would drop it.
  const lock = new pg.Client({ ...settings, password: settings.password, types: undefined });
  await lock.connect();
  try {
    await lock.query('begin');
    await lock.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    // Ending the transaction releases the lock (so does the connection's end, even mid-transaction).
    await lock.query('rollback').catch(() => {});
    await lock.end().catch(() => {});
  }
}

/** Names of migrations not yet applied (readiness fails while any remain). */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
}

/** Whether the database answers a trivial statement (readiness). */
export async function pingDatabase(orm: Orm): Promise<void> {
  await orm.em.getConnection().execute('select 1');
}
