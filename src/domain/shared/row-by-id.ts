import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from './sql';

/**
 * One row of a tenant's table by id, as an entity managed by `em` (so changes to it flush), or null; an id
 * that is not a UUID matches nothing. A plain SELECT mapped into the unit of work: the ORM's own find costs
 * several times the statement's CPU on every read and write path. With `lock`, the row is held FOR UPDATE
 * until commit, so concurrent changes of it apply one after the other.
 */
export async function rowById<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  tenantId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<T | null> {
  if (!isUuid(id)) return null;
  const table = em.getMetadata().get(entity.name).tableName;
  const [row] = await em.execute<Record<string, unknown>[]>(`select * from "${table}" where id = ? and tenant_id = ?${options.lock ? ' for update' : ''}`, [id, tenantId]);
  return row ? em.map(entity, row as never) : null;
}
