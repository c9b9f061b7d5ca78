import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import type { Scope } from '../shared/scope';
import type { DeprovisioningPolicy } from './deprovisioning-policy';

const WINDOW = `interval '1 hour'`;

/**
 * Called in the transaction of a deletion or deactivation, after its event: when the users of this tenant
 * deprovisioned within the last hour pass the policy's share (and minimum), records one MASS_DEPROVISIONING
 * event, at most one per hour per tenant. Never refuses or delays the change itself: Entra quarantines an
 * endpoint that does. Returns whether it raised the event.
 */
export async function detectDeprovisioningBurst(em: EntityManager, scope: Scope, policy: DeprovisioningPolicy): Promise<boolean> {
  // Once raised, the rest of a burst costs one indexed lookup per change, not two counts over the hour.
  if (await raisedWithinHour(em, scope.tenantId)) return false;
  const deprovisioned = await deprovisionedWithinHour(em, scope.tenantId);
  if (deprovisioned < Math.max(1, policy.burstMinimum)) return false;
  // Users at the start of the window: the live ones and those deleted during it.
  const [{ total }] = await em.execute<{ total: number }[]>(
    `select count(*)::int as total from users where tenant_id = ? and (deleted_at is null or deleted_at > now() - ${WINDOW})`,
    [scope.tenantId],
  );
  if (deprovisioned <= policy.burstShare * total) return false;
  // One writer at a time past this point, so two transactions crossing the threshold together raise one event.
  await em.execute(`select pg_advisory_xact_lock(hashtextextended('portico:mass-deprovisioning:' || ?, 0))`, [scope.tenantId]);
  if (await raisedWithinHour(em, scope.tenantId)) return false;
  await recordEvent(em, scope, {
    type: 'MASS_DEPROVISIONING',
    subjectType: 'TENANT',
    subjectId: scope.tenantId,
    summary: `${deprovisioned} of ${total} users deleted or deactivated within an hour`,
    detail: { deprovisioned, users: total, share: policy.burstShare, minimum: policy.burstMinimum, windowMinutes: 60 },
  });
  return true;
}

/** Distinct users of the tenant deleted or deactivated within the last hour (this transaction's change included). */
async function deprovisionedWithinHour(em: EntityManager, tenantId: string): Promise<number> {
  const [{ n }] = await em.execute<{ n: number }[]>(
    `select count(distinct subject_id)::int as n from provisioning_events
      where tenant_id = ? and type in ('USER_DELETED', 'USER_DEACTIVATED') and occurred_at > now() - ${WINDOW}`,
    [tenantId],
  );
  return n;
}

async function raisedWithinHour(em: EntityManager, tenantId: string): Promise<boolean> {
  const raised = await em.execute(
    `select 1 from provisioning_events where tenant_id = ? and type = 'MASS_DEPROVISIONING' and occurred_at > now() - ${WINDOW} limit 1`,
    [tenantId],
  );
  return raised.length > 0;
}
