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
): Promise<boolean> {
  const { raised, deprovisioned } = await userRepository.deprovisioningWindow(sql, scope.tenantId);
  // Once raised, the rest of a burst costs this one indexed lookup per change.
  if (raised || deprovisioned < Math.max(1, policy.burstMinimum)) return false;
  if (policy.retentionDays > 0) {
    // Tombstones kept: the count stays true through the burst (see WindowUserCounts), counted whole once.
    let users = counted.get(scope.tenantId);
    if (users === undefined) {
      users = await userRepository.usersAtWindowStart(sql, scope.tenantId, null);
      counted.set(scope.tenantId, users);
    }
    if (deprovisioned <= policy.burstShare * users) return false;
  } else {
    // Without tombstones every deletion lowers the count: counted each time, but a burst needs fewer users than
    // deprovisioned / share, and counting past that many cannot change the answer.
    const enough = policy.burstShare > 0 ? Math.floor(deprovisioned / policy.burstShare) + 1 : 1;
    if (deprovisioned <= policy.burstShare * (await userRepository.usersAtWindowStart(sql, scope.tenantId, enough))) return false;
  }
  // One writer at a time past this point, so two transactions crossing the threshold together raise one event.
  await userRepository.holdBurstCheck(sql, scope.tenantId);
  if ((await userRepository.deprovisioningWindow(sql, scope.tenantId)).raised) return false;
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
