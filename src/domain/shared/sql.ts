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
