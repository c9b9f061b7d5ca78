import type { EntityManager } from '@mikro-orm/postgresql';
import { columnsOf } from '../../db/entity-columns';
import { queryPrepared, type PreparedStatement } from '../../db/prepared-query';
import { Tenant } from './tenant.entity';

const ID_OF_SLUG = { name: 'portico_tenant_id_of_slug', text: 'select id from tenants where slug = $1' };
const SLUG_OF_ID = { name: 'portico_tenant_slug_of_id', text: 'select slug from tenants where id = $1' };

/**
 * The whole tenant row by id. Columns by name, not `*`: a column a later migration adds must not change a
 * prepared statement's result type under a process that is still running (PostgreSQL refuses to run it).
 */
function tenantByIdStatement(em: EntityManager): PreparedStatement {
  const { table, columns } = columnsOf(em, Tenant);
  return { name: 'portico_tenant_by_id', text: `select ${columns.map((c) => `"${c.column}"`).join(', ')} from "${table}" where id = $1` };
}

/**
 * All SQL of tenants. A tenant read by id is a plain SELECT mapped into the unit of work (the ORM's own find
 * costs several times the statement's CPU on every request that reads its tenant); its changes flush with
 * the unit of work.
 */
export const tenantRepository = {
  /** A new tenant, inserted when the write's unit of work flushes. */
  add(em: EntityManager, tenant: { slug: string; name: string }): Tenant {
    return em.create(Tenant, tenant);
  },

  /** The tenant with this id, managed by `em` (so changes to it flush), or null. */
  async byId(em: EntityManager, id: string): Promise<Tenant | null> {
    const [row] = await queryPrepared<Record<string, unknown>>(em, tenantByIdStatement(em), [id]);
    return row ? em.map(Tenant, row as never) : null;
  },

  /** The id of the tenant with this slug, or null. */
  async idOfSlug(em: EntityManager, slug: string): Promise<string | null> {
    const [row] = await queryPrepared<{ id: string }>(em, ID_OF_SLUG, [slug]);
    return row?.id ?? null;
  },

  /** The slug of the tenant with this id, or null. */
  async slugOf(em: EntityManager, id: string): Promise<string | null> {
    const [row] = await queryPrepared<{ slug: string }>(em, SLUG_OF_ID, [id]);
    return row?.slug ?? null;
  },

  /** Up to `limit` tenants in slug order, after `afterSlug` when given. */
  page(em: EntityManager, afterSlug: string | null, limit: number): Promise<Tenant[]> {
    return em.find(Tenant, afterSlug === null ? {} : { slug: { $gt: afterSlug } }, { orderBy: { slug: 'asc' }, limit });
  },

  /** How many tenants there are. */
  count(em: EntityManager): Promise<number> {
    return em.count(Tenant, {});
  },
};
