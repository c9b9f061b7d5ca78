import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import { recordEvent } from '../events/event-recorder';
import type { Scope } from '../shared/scope';
import type { SqlClient } from '../shared/sql-client';
import { userRepository } from './user.repository';
import type { DeprovisioningPolicy } from './deprovisioning-policy';

/** How long a tenant's count of users at the window start is used before it is counted again. */
const USERS_COUNT_TTL_MS = 30_000;

/**
 * Each tenant's users at the window start as this process last counted them. While tombstones are kept, the
 * deletions of a burst do not change that number (a deleted user still counts, as deleted within the hour): a
 * deletion well below the threshold it sets is not counted again, where counting up to ten times the users
 * deprovisioned, on every deletion, read the tenant's users over and over (10 ms of PostgreSQL per deletion
 * late in a 10,000-user burst). New users only raise the number, so a stale count can only make the full
 * check run sooner; users leaving the window (deleted over an hour ago) lower it, by at most what the 30 s
 * between counts let go, and their deletions leave the count of the deprovisioned with them.
 */
export class WindowUserCounts {
  private readonly counts = new LRUCache<string, number>({ max: 10_000, ttl: USERS_COUNT_TTL_MS });

  get(tenantId: string): number | undefined {
    return this.counts.get(tenantId);
  }

  set(tenantId: string, users: number): void {
    this.counts.set(tenantId, users);
  }
}

/** How many tenants' deprovisionings of the hour a process keeps. */
const WINDOWS_KEPT = 1_000;
const WINDOW_MS = 3_600_000;

/** A tenant's deprovisioning events of the hour as this process has read them (committed ones only). */
interface SeenWindow {
  /** Every committed event of a transaction below it has been read. */
  horizon: bigint;
  /** Each user deprovisioned, with the time of their latest deprovisioning (ms, the database's clock). */
  subjects: Map<string, number>;
  /** The time of the latest burst alarm read, if any. */
  raisedAt: number | null;
}

/**
 * Each tenant's users deprovisioned within the hour, kept up to date by reading only the events the log gained
 * since the last read (by transaction horizon, which a late commit cannot slip under), instead of counting every
 * deprovisioning of the hour again at each one: a burst of n deletions cost n²/2 event reads before its alarm.
 * What it answers is a bound: never fewer users than the log holds (a commit is read at the latest by the next
 * read after it; the checking transaction's own events are counted too), possibly more (users whose hour has
 * ended are let go lazily). It decides only that a change is clearly not a burst; past that, the log is counted.
 */
export class WindowDeprovisionings {
  private readonly tenants = new LRUCache<string, SeenWindow>({ max: WINDOWS_KEPT });

  /** Whether a burst was raised within the hour, and at least as many users as were deprovisioned in it. */
  async bound(sql: SqlClient, tenantId: string): Promise<{ raised: boolean; deprovisioned: number }> {
    const seen = this.tenants.get(tenantId);
    const read = await userRepository.deprovisioningsSince(sql, tenantId, seen ? String(seen.horizon) : null);
    const window = seen ?? { horizon: 0n, subjects: new Map<string, number>(), raisedAt: null };
    const own = new Set<string>();
    let ownRaised = false;
    for (const event of read.events) {
      // The checking transaction's own events are not committed yet: counted now, kept once read committed.
      if (event.own) {
        if (event.mass) ownRaised = true;
        else own.add(event.subjectId);
        continue;
      }
      if (event.mass) window.raisedAt = Math.max(window.raisedAt ?? 0, event.at);
      else if ((window.subjects.get(event.subjectId) ?? -Infinity) < event.at) {
        window.subjects.delete(event.subjectId);
        window.subjects.set(event.subjectId, event.at);
      }
    }
    const horizon = BigInt(read.horizon);
    if (horizon > window.horizon) window.horizon = horizon;
    const windowStart = read.now - WINDOW_MS;
    // Kept in the order last seen, about the order of time: the oldest go first.
    for (const [subject, at] of window.subjects) {
      if (at > windowStart) break;
      window.subjects.delete(subject);
    }
    this.tenants.set(tenantId, window);
    let deprovisioned = window.subjects.size;
    for (const subject of own) if (!window.subjects.has(subject)) deprovisioned += 1;
    return { raised: ownRaised || (window.raisedAt !== null && window.raisedAt > windowStart), deprovisioned };
  }
}

/**
 * Called in the transaction of a deletion or deactivation, after its event: when the users of this tenant
 * deprovisioned within the last hour pass the policy's share (and minimum), records one MASS_DEPROVISIONING
 * event, at most one per hour per tenant. Never refuses or delays the change itself: Entra quarantines an
 * endpoint that does. Returns whether it raised the event.
 */
export async function detectDeprovisioningBurst(
  em: EntityManager,
  sql: SqlClient,
  scope: Scope,
  policy: DeprovisioningPolicy,
  counted: WindowUserCounts,
  seen: WindowDeprovisionings,
): Promise<boolean> {
  const { raised, deprovisioned: bound } = await seen.bound(sql, scope.tenantId);
  // Once raised, the rest of a burst costs this one read of what the log gained.
  if (raised || bound < Math.max(1, policy.burstMinimum)) return false;
  if (policy.retentionDays > 0) {
    // Tombstones kept: the count stays true through the burst (see WindowUserCounts), counted whole once.
    let users = counted.get(scope.tenantId);
    if (users === undefined) {
      users = await userRepository.usersAtWindowStart(sql, scope.tenantId, null);
      counted.set(scope.tenantId, users);
    }
    if (bound <= policy.burstShare * users) return false;
  } else {
    // Without tombstones every deletion lowers the count: counted each time, but a burst needs fewer users than
    // deprovisioned / share, and counting past that many cannot change the answer.
    const enough = policy.burstShare > 0 ? Math.floor(bound / policy.burstShare) + 1 : 1;
    if (bound <= policy.burstShare * (await userRepository.usersAtWindowStart(sql, scope.tenantId, enough))) return false;
  }
  // One writer at a time past this point, so two transactions crossing the threshold together raise one event.
  await userRepository.holdBurstCheck(sql, scope.tenantId);
  // Counted exactly from the log now (the bound above may count users whose hour has ended).
  const exact = await userRepository.deprovisioningWindow(sql, scope.tenantId);
  if (exact.raised || exact.deprovisioned < Math.max(1, policy.burstMinimum)) return false;
  const { deprovisioned } = exact;
  const total = await userRepository.usersAtWindowStart(sql, scope.tenantId, null);
  // Counted exactly before the alarm: a count remembered from before new users came would have been too low.
  counted.set(scope.tenantId, total);
  if (deprovisioned <= policy.burstShare * total) return false;
  await recordEvent(em, scope, {
    type: 'MASS_DEPROVISIONING',
    subjectType: 'TENANT',
    subjectId: scope.tenantId,
    summary: `${deprovisioned} of ${total} users deleted or deactivated within an hour`,
    detail: { deprovisioned, users: total, share: policy.burstShare, minimum: policy.burstMinimum, windowMinutes: 60 },
  });
  return true;
}
