import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Orm } from './orm';
import { unavailableReason } from './unavailable';

/** The parts of tarn's pool (under knex) that these metrics read. */
interface ConnectionPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  on(event: 'acquireFail', listener: (eventId: number, error: unknown) => void): void;
}

/**
 * Metrics of the database connection pool: connections in use, requests waiting for one, and waits that
 * ended without a connection (a full pool, or a database that refused). A full pool shows here before
 * it shows as 503s.
 */
export function registerPoolMetrics(registry: Registry, orm: Orm): void {
  const pool = (orm.em.getConnection() as AbstractSqlConnection).getKnex().client.pool as ConnectionPool | undefined;
  if (!pool) return;
  new Gauge({
    name: 'portico_db_pool_connections',
    help: 'Database connections of this process by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'connecting' }, pool.numPendingCreates());
    },
  });
  new Gauge({
    name: 'portico_db_pool_waiting_requests',
    help: 'Requests waiting for a database connection',
    registers: [registry],
    collect() {
      this.set(pool.numPendingAcquires());
    },
  });
  const failures = new Counter({
    name: 'portico_db_acquire_failures_total',
    help: 'Waits for a database connection that failed: acquire_timeout (pool full) or connection (database unreachable)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  failures.inc({ reason: 'acquire_timeout' }, 0);
  failures.inc({ reason: 'connection' }, 0);
  pool.on('acquireFail', (_eventId, error) => {
    // tarn's own TimeoutError: nothing became free in time (knex renames it later, on the caller's side).
    const timedOut = (error as object | undefined)?.constructor?.name === 'TimeoutError';
    failures.inc({ reason: timedOut ? 'acquire_timeout' : (unavailableReason(error) ?? 'connection') });
  });
}
