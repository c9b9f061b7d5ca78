import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-query';

/** Requests a tenant received in one hour, and how many of them were refused. */
export interface HourlyCount {
  tenantId: string;
  hour: Date;
  requests: number;
  refused: number;
}

const ADD_COUNTS = {
  name: 'portico_scim_counts_add',
  // The join skips a tenant deleted since its requests were counted (its rows went with it).
  text: `insert into scim_request_counts (tenant_id, hour, requests, refused)
           select c.tenant_id, c.hour, c.requests, c.refused
             from unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[]) as c(tenant_id, hour, requests, refused)
             join tenants t on t.id = c.tenant_id
         on conflict (tenant_id, hour) do update
           set requests = scim_request_counts.requests + excluded.requests,
               refused = scim_request_counts.refused + excluded.refused`,
};
const TOTALS_SINCE = {
  name: 'portico_scim_counts_since',
  // Sums as text: a bigint sum may exceed what a JavaScript number holds exactly.
  text: `select coalesce(sum(requests), 0)::text as requests, coalesce(sum(refused), 0)::text as refused
           from scim_request_counts where tenant_id = $1 and hour >= $2`,
};
const PRUNE = {
  name: 'portico_scim_counts_prune',
  text: 'with gone as (delete from scim_request_counts where hour < $1 returning 1) select count(*)::text as n from gone',
};

/** All SQL of the SCIM request counts (`scim_request_counts`, one row per tenant and hour). */
export const scimTrafficRepository = {
  /** Adds these counts to what is stored (every process adds its own), in one statement, in this order. */
  async add(em: EntityManager, counts: HourlyCount[]): Promise<void> {
    await queryPrepared(em, ADD_COUNTS, [
      counts.map((c) => c.tenantId),
      counts.map((c) => c.hour.toISOString()),
      counts.map((c) => c.requests),
      counts.map((c) => c.refused),
    ]);
  },

  /** The tenant's requests and refusals in the hours from `since` on, as decimal strings. */
  async totalsSince(em: EntityManager, tenantId: string, since: Date): Promise<{ requests: string; refused: string }> {
    const [row] = await queryPrepared<{ requests: string; refused: string }>(em, TOTALS_SINCE, [tenantId, since]);
    return row;
  },

  /** Deletes every tenant's counts of the hours before `olderThan`; answers how many rows went. */
  async pruneBefore(em: EntityManager, olderThan: Date): Promise<number> {
    const [row] = await queryPrepared<{ n: string }>(em, PRUNE, [olderThan]);
    return Number(row.n);
  },
};
