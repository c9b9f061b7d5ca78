import { numbered, type SqlClient } from '../domain/shared/sql-client';
import type { AttributeCatalog } from './filter-sql';
import { filterToSql, sortExpression, type SqlFragment } from './filter-sql';
import type { DirectorySearch } from '../domain/directory/attribute-filter';

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
 * Runs a directory search over a tenant's `table` (aliased `alias`) in one statement: the true total and the
 * page of rows (the `columns` listed), the page joined to the count so an empty page still says the total.
 * Unnamed, so planned for its values on every execution: a named statement's generic plan, cached while the
 * table was small, read every user of the tenant for a `userName eq` filter at 10,000 users (10.7 ms against
 * 0.6 ms for the insert beside it, in `pg_stat_statements`).
 */
export async function searchRows(
  sql: SqlClient,
  from: { table: string; alias: string; columns: string },
  tenantId: string,
  search: DirectorySearch,
  catalog: AttributeCatalog,
): Promise<{ total: number; rows: Record<string, unknown>[] }> {
  const { table, alias, columns } = from;
  const { where, orderBy, limit, offset } = searchSql(alias, tenantId, search, catalog);
  const condition = numbered(where.sql);
  const next = where.bindings.length + 1;
  const count = `select count(*)::int as total from ${table} ${alias} where ${condition}`;
  // With no filter the page walks the (tenant, created_at, id) index and stops after its rows. With a filter, the
  // planner may walk that same index in order, hoping to meet the few matching rows soon, and read every row of
  // the tenant for a `userName eq` that its own index answers in one lookup (11 ms against 0.7 on a table not yet
  // analysed): the matching rows are found first (`offset 0` keeps the subquery apart), then sorted.
  const matching = search.filter ? `(select * from ${table} ${alias} where ${condition} offset 0) ${alias}` : `${table} ${alias} where ${condition}`;
  const text =
    limit === 0
      ? count
      : // The page's ids first, sorted as narrow rows; then only their rows are read whole (sorting every matching row
        // whole to skip `offset` of them cost 30+ ms of PostgreSQL CPU for a page late in 10,000 users).
        `with ids as (select ${alias}.id from ${matching} order by ${orderBy} limit $${next} offset $${next + 1}),
              page as (select ${columns} from ${table} ${alias} join ids on ids.id = ${alias}.id order by ${orderBy})
         select t.total, page.* from (${count}) t left join page on true`;
  const rows = await sql.query<Record<string, unknown> & { total: number }>({ text }, limit === 0 ? where.bindings : [...where.bindings, limit, offset]);
  return { total: rows[0]?.total ?? 0, rows: rows.filter((row) => row.id !== null && row.id !== undefined) };
}
