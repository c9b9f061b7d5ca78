import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { columnsOf } from './entity-columns';
import { queryPrepared } from './prepared-query';
import { isUuid } from '../domain/shared/sql';

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
  const { table, columns } = columnsOf(em, entity as EntityClass<object>);
  // Columns by name, not `*`: a column a later migration adds must not change a prepared statement's result
  // type under a process that is still running (PostgreSQL refuses to run such a statement).
  const statement = {
    name: `portico_row_by_id_${table}${options.lock ? '_locked' : ''}`,
    text: `select ${columns.map((c) => `"${c.column}"`).join(', ')} from "${table}" where id = $1 and tenant_id = $2${options.lock ? ' for update' : ''}`,
  };
  const [row] = await queryPrepared<Record<string, unknown>>(em, statement, [id, tenantId]);
  return row ? em.map(entity, row as never) : null;
}
