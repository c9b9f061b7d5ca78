import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import type { Scope } from '../shared/scope';
import type { SqlClient } from '../shared/sql-client';
import { userRepository } from './user.repository';
import type { DeprovisioningPolicy } from './deprovisioning-policy';

/**
 * Called in the transaction of a deletion or deactivation, after its event: when the users of this tenant
 * deprovisioned within the last hour pass the policy's share (and minimum), records one MASS_DEPROVISIONING
 * event, at most one per hour per tenant. Never refuses or delays the change itself: Entra quarantines an
 * endpoint that does. Returns whether it raised the event.
 */
export async function detectDeprovisioningBurst(em: EntityManager, sql: SqlClient, scope: Scope, policy: DeprovisioningPolicy): Promise<boolean> {
  const { raised, deprovisioned } = await userRepository.deprovisioningWindow(sql, scope.tenantId);
  // Once raised, the rest of a burst costs this one indexed lookup per change.
  if (raised || deprovisioned < Math.max(1, policy.burstMinimum)) return false;
  // A burst needs fewer users than deprovisioned / share: counting past that many cannot change the answer, so
  // a large tenant is not counted whole on every deletion.
  const enough = policy.burstShare > 0 ? Math.floor(deprovisioned / policy.burstShare) + 1 : 1;
  if (deprovisioned <= policy.burstShare * (await userRepository.usersAtWindowStart(sql, scope.tenantId, enough))) return false;
  // One writer at a time past this point, so two transactions crossing the threshold together raise one event.
  await userRepository.holdBurstCheck(sql, scope.tenantId);
  if ((await userRepository.deprovisioningWindow(sql, scope.tenantId)).raised) return false;
  const total = await userRepository.usersAtWindowStart(sql, scope.tenantId, null);
  await recordEvent(em, scope, {
    type: 'MASS_DEPROVISIONING',
    subjectType: 'TENANT',
    subjectId: scope.tenantId,
    summary: `${deprovisioned} of ${total} users deleted or deactivated within an hour`,
    detail: { deprovisioned, users: total, share: policy.burstShare, minimum: policy.burstMinimum, windowMinutes: 60 },
  });
  return true;
}
