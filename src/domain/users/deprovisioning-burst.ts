import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import type { Scope } from '../shared/scope';
import { named, type SqlClient } from '../shared/sql-client';
import type { DeprovisioningPolicy } from './deprovisioning-policy';

const WINDOW = `interval '1 hour'`;

/** Whether a burst was raised within the hour, and how many distinct users were deleted or deactivated in it. */
const WINDOW_STATE = named(
  'deprovisioning_window',
  `select exists (select 1 from provisioning_events where tenant_id = $1 and type = 'MASS_DEPROVISIONING' and occurred_at > now() - ${WINDOW}) as raised,
          (select count(distinct subject_id)::int from provisioning_events
            where tenant_id = $1 and type in ('USER_DELETED', 'USER_DEACTIVATED') and occurred_at > now() - ${WINDOW}) as deprovisioned`,
);

/** Users at the start of the window (the live ones and those deleted during it), counted up to `$2` at most. */
const USERS_AT_WINDOW_START = named(
  'deprovisioning_users',
  `select count(*)::int as total from (
     select 1 from users where tenant_id = $1 and (deleted_at is null or deleted_at > now() - ${WINDOW}) limit $2) counted`,
);

const ONE_RAISER = named('deprovisioning_lock', `select pg_advisory_xact_lock(hashtextextended('portico:mass-deprovisioning:' || $1, 0))`);

/**
 * Called in the transaction of a deletion or deactivation, after its event: when the users of this tenant
 * deprovisioned within the last hour pass the policy's share (and minimum), records one MASS_DEPROVISIONING
 * event, at most one per hour per tenant. Never refuses or delays the change itself: Entra quarantines an
 * endpoint that does. Returns whether it raised the event.
 */
export async function detectDeprovisioningBurst(em: EntityManager, sql: SqlClient, scope: Scope, policy: DeprovisioningPolicy): Promise<boolean> {
  const [{ raised, deprovisioned }] = await sql.query<{ raised: boolean; deprovisioned: number }>(WINDOW_STATE, [scope.tenantId]);
  // Once raised, the rest of a burst costs this one indexed lookup per change.
  if (raised || deprovisioned < Math.max(1, policy.burstMinimum)) return false;
  // A burst needs fewer users than deprovisioned / share: counting past that many cannot change the answer, so
  // a large tenant is not counted whole on every deletion.
  const enough = policy.burstShare > 0 ? Math.floor(deprovisioned / policy.burstShare) + 1 : 1;
  if (deprovisioned <= policy.burstShare * (await usersAtWindowStart(sql, scope.tenantId, enough))) return false;
  // One writer at a time past this point, so two transactions crossing the threshold together raise one event.
  await sql.query(ONE_RAISER, [scope.tenantId]);
  const [again] = await sql.query<{ raised: boolean }>(WINDOW_STATE, [scope.tenantId]);
  if (again.raised) return false;
  const total = await usersAtWindowStart(sql, scope.tenantId, null);
  await recordEvent(em, scope, {
    type: 'MASS_DEPROVISIONING',
    subjectType: 'TENANT',
    subjectId: scope.tenantId,
    summary: `${deprovisioned} of ${total} users deleted or deactivated within an hour`,
    detail: { deprovisioned, users: total, share: policy.burstShare, minimum: policy.burstMinimum, windowMinutes: 60 },
  });
  return true;
}

async function usersAtWindowStart(sql: SqlClient, tenantId: string, atMost: number | null): Promise<number> {
  const [{ total }] = await sql.query<{ total: number }>(USERS_AT_WINDOW_START, [tenantId, atMost]);
  return total;
}
