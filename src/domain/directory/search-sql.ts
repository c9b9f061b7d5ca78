import type { AttributeCatalog } from './filter-sql';
import { filterToSql, sortExpression, type SqlFragment } from './filter-sql';
import type { DirectorySearch } from './attribute-filter';

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
    where: { sql: `${alias}.tenant_id = ? and (${condition.sql})`, bindings: [tenantId, ...condition.bindings] },
    orderBy: `${sortKey}${alias}.created_at ${search.sortBy ? 'asc' : direction}, ${alias}.id`,
    limit: Math.max(0, search.count),
    offset: Math.max(0, search.startIndex - 1),
  };
}
