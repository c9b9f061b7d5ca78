import type { EntityManager } from '@mikro-orm/postgresql';

/** The SAML protocol-state tables whose rows carry an `expires_at` and are useless after it. */
export type ExpiringSamlTable = 'saml_pending_requests' | 'saml_accepted_assertions' | 'saml_accepted_logout_requests';

/**
 * Deletes up to 100 expired rows of `table` in the transaction of `em`: a little with every new row keeps the
 * table small with no job of its own.
 */
export async function sweepExpired(em: EntityManager, table: ExpiringSamlTable): Promise<void> {
  await em.execute(`delete from ${table} where ctid = any(array(select ctid from ${table} where expires_at < now() limit 100))`);
}
