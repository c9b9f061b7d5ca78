import { requireLevel } from '../shared/authorize';
import { DomainError } from '../shared/domain-error';
import type { CallContext, Scope } from '../shared/scope';
import type { UnitOfWork } from '../shared/unit-of-work';
import { scimTrafficRepository } from './scim-traffic.repository';

const HOUR_MS = 3600 * 1000;

/** The hours `lastDay` sums: the current one and the 23 before it. */
export const SCIM_COUNT_HOURS = 24;

/** Counts of hours older than this are pruned, and dropped from memory when flushes keep failing. */
export const SCIM_COUNT_RETENTION_DAYS = 8;

/** A GraphQL Int holds at most this; a larger sum is shown as this. */
const MAX_INT = 2 ** 31 - 1;

/** SCIM requests a tenant received, and how many of them were answered with an error status. */
export interface ScimRequestTotals {
  requests: number;
  /** Answered with an error status (4xx or 5xx). */
  refused: number;
}

interface PendingCount extends ScimRequestTotals {
  tenantId: string;
  /** The start of the hour, in ms since the epoch. */
  hour: number;
}

const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * How many SCIM requests each tenant receives, per hour. A request costs a map update in memory; `flush` adds
 * what this process counted since its last flush to `scim_request_counts` with one upsert per tenant and hour,
 * so every process's counts add up. The app flushes every few seconds and when it stops (src/jobs).
 */
export class ScimRequestCounter {
  /** Keyed by `${tenantId} ${hour}`. Only resolved tenants are counted, so its size is tenants × hours unflushed. */
  private pending = new Map<string, PendingCount>();
  /** Flushes run one after another: a flush waits for the one before it, then writes what came since. */
  private flushing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one SCIM request of the scope's tenant, answered with `status`. Never touches the database. */
  count(scope: Scope, status: number): void {
    const hour = hourOf(this.now());
    const key = `${scope.tenantId} ${hour}`;
    let counted = this.pending.get(key);
    if (!counted) this.pending.set(key, (counted = { tenantId: scope.tenantId, hour, requests: 0, refused: 0 }));
    counted.requests += 1;
    if (status >= 400) counted.refused += 1;
  }

  /**
   * Writes what this process counted since its last flush: one upsert per tenant and hour, in one statement,
   * adding to what other processes wrote. Answers how many rows it wrote. When the write fails, the counts stay
   * in memory for the next flush (those older than the retention are dropped) and the error is thrown.
   */
  flush(): Promise<number> {
    const run = this.flushing.then(() => this.flushPending());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushPending(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    // One order for every process, so concurrent flushes lock rows in the same order (no deadlock).
    batch.sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : a.hour - b.hour));
    try {
      await this.uow.write((em) =>
        scimTrafficRepository.add(em, batch.map((c) => ({ tenantId: c.tenantId, hour: new Date(c.hour), requests: c.requests, refused: c.refused }))),
      );
      return batch.length;
    } catch (error) {
      this.putBack(batch);
      throw error;
    }
  }

  /** Returns unwritten counts to memory (beside any counted meanwhile), except those past the retention. */
  private putBack(batch: PendingCount[]): void {
    const oldest = hourOf(this.now()) - SCIM_COUNT_RETENTION_DAYS * 24 * HOUR_MS;
    for (const unwritten of batch) {
      if (unwritten.hour < oldest) continue;
      const key = `${unwritten.tenantId} ${unwritten.hour}`;
      const counted = this.pending.get(key);
      if (!counted) this.pending.set(key, unwritten);
      else {
        counted.requests += unwritten.requests;
        counted.refused += unwritten.refused;
      }
    }
  }

  /**
   * The SCIM requests of the scope's tenant in the current hour and the 23 before it (hour-granular: between
   * 23 and 24 hours), as flushed by every process (ADMINISTRATOR).
   */
  async lastDay(scope: Scope): Promise<ScimRequestTotals> {
    requireLevel(scope, 'ADMINISTRATOR');
    const since = new Date(hourOf(this.now()) - (SCIM_COUNT_HOURS - 1) * HOUR_MS);
    const row = await this.uow.read((em) => scimTrafficRepository.totalsSince(em, scope.tenantId, since));
    return { requests: Math.min(Number(row.requests), MAX_INT), refused: Math.min(Number(row.refused), MAX_INT) };
  }

  /** Deletes every tenant's counts of the hours before `olderThan` (the system's hourly job). Answers how many. */
  async prune(ctx: CallContext, olderThan: Date): Promise<number> {
    if (ctx.actor.kind !== 'SYSTEM') throw new DomainError('FORBIDDEN', 'Only the system prunes SCIM request counts');
    // Maintenance, not a provisioning change: no event of its own. A few rows per tenant and hour: one statement.
    return this.uow.write((em) => scimTrafficRepository.pruneBefore(em, olderThan));
  }
}
