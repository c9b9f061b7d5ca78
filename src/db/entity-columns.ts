import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

const columnsCache = new Map<string, { table: string; columns: { property: string; column: string; json: boolean }[] }>();

/**
 * The table of an entity and its persisted single-column properties, read once from the ORM's metadata.
 * Lazy properties are left out, as the ORM's own reads leave them (`users.search_text`: generated, only
 * the list search reads it).
 */
export function columnsOf(em: EntityManager, entity: EntityClass<object>) {
  const cached = columnsCache.get(entity.name);
  if (cached) return cached;
  const meta = em.getMetadata().get(entity.name);
  const columns = Object.values(meta.properties)
    .filter((prop) => prop.fieldNames?.length === 1 && prop.persist !== false && !prop.lazy)
    .map((prop) => ({ property: prop.name, column: prop.fieldNames[0], json: String(prop.type).toLowerCase().includes('json') }));
  const shape = { table: meta.tableName, columns };
  columnsCache.set(entity.name, shape);
  return shape;
}
