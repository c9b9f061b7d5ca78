import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AttributeCatalog } from './filter-sql';
import { filterToSql, sortExpression, type SqlFragment } from './filter-sql';
import type { DirectorySearch, SearchResult } from './attribute-filter';

/** The WHERE, ORDER BY and paging of a directory search over rows aliased `alias`, all parameterised. */
export function searchSql(
  alias: string,
  tenantId: string,
  search: DirectorySearch,
  catalog: AttributeCatalog,
): { where: SqlFragment; orderBy: string; limit: number; offset: number } {
  const condition = search.filter ? filterToSql(search.filter, catalog) : { sql: 'true', bindings: [] };
  const direction = search.sortOrder === 'descending' ? 'desc' : 'asc';
  const sortKey = search.sortBy ? `${sortExpression(search.sortBy, catalog)} ${direction} nulls last, ` : '';
  return {
    where: {
      sql: `${alias}.tenant_id = ?${catalog.rowCondition ? ` and ${catalog.rowCondition}` : ''} and (${condition.sql})`,
      bindings: [tenantId, ...condition.bindings],
    },
    orderBy: `${sortKey}${alias}.created_at ${search.sortBy ? 'asc' : direction}, ${alias}.id`,
    limit: Math.max(0, search.count),
    offset: Math.max(0, search.startIndex - 1),
  };
}

/**
 * Runs a directory search over a tenant's table: the true total first, then the page (skipped when the
 * total says it is empty), each row mapped into the unit of work as `entity`.
 */
export async function runSearch<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  alias: string,
  tenantId: string,
  search: DirectorySearch,
  catalog: AttributeCatalog,
): Promise<SearchResult<T>> {
  const table = em.getMetadata().get(entity.name).tableName;
  const { where, orderBy, limit, offset } = searchSql(alias, tenantId, search, catalog);
  const [{ total }] = await em.execute<{ total: number }[]>(`select count(*)::int as total from "${table}" ${alias} where ${where.sql}`, where.bindings);
  if (limit === 0 || total <= offset) return { totalResults: total, items: [] };
  const rows = await em.execute<Record<string, unknown>[]>(
    `select ${alias}.* from "${table}" ${alias} where ${where.sql} order by ${orderBy} limit ? offset ?`,
    [...where.bindings, limit, offset],
  );
  return { totalResults: total, items: rows.map((row) => em.map(entity, row as never)) };
}
