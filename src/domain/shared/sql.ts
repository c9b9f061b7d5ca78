/** Escapes LIKE wildcards so user text matches literally. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Ids are UUIDs; anything else matches no row (and must not reach a uuid column as a cast error). */
export const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** A PostgreSQL text[] literal for one `?::text[]` binding: each element quoted, quotes and backslashes escaped. */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/**
 * A PostgreSQL uuid[] literal for one `?::uuid[]` binding (`id = any(?::uuid[])`): the planner looks each id
 * up in the primary key, whatever its statistics say. Only for ids already checked with isUuid.
 */
export function uuidArray(ids: string[]): string {
  if (!ids.every(isUuid)) throw new Error('uuidArray takes validated uuids only');
  return `{${ids.join(',')}}`;
}

/**
 * "`column` is null" for a lookup by id, written so PostgreSQL cannot prove the predicate of a partial index
 * `where deleted_at is null`: on a table autovacuum had not analysed yet (a tenant's first provisioning cycle),
 * the planner chose such an index for its `tenant_id` condition and filtered the id out of every live user of the
 * tenant (6,000 buffers instead of 3 for one user; most of PostgreSQL's CPU in a PATCH at 10,000 users).
 */
export const isNullForIdLookup = (column: string): string => `coalesce(${column}, '-infinity') = '-infinity'`;

/** "`column` is not null" for a lookup by id (see isNullForIdLookup). */
export const isNotNullForIdLookup = (column: string): string => `coalesce(${column}, '-infinity') <> '-infinity'`;
