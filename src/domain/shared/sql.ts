/** Escapes LIKE wildcards so user text matches literally. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Ids are UUIDs; anything else matches no row (and must not reach a uuid column as a cast error). */
export const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/**
 * A subquery over one JSON-array binding of uuids: `id in ${UUID_LIST}` with `JSON.stringify(ids)`.
 * One binding whatever the batch size (knex would expand a plain array into one placeholder per item).
 */
export const UUID_LIST = '(select value::uuid from jsonb_array_elements_text(?::jsonb))';

/**
 * The same list as rows `x(id)`, to join on a primary key (`from ${UUID_ROWS} join users u on u.id = x.id`):
 * an index lookup per id where `in (…)` could scan the whole table.
 */
export const UUID_ROWS = '(select value::uuid as id from jsonb_array_elements_text(?::jsonb)) as x';
