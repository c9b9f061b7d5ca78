import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

const columnsCache = new Map<string, { table: string; columns: { property: string; column: string; json: boolean }[] }>();

function columnsOf(em: EntityManager, entity: EntityClass<object>) {
  const cached = columnsCache.get(entity.name);
  if (cached) return cached;
  const meta = em.getMetadata().get(entity.name);
  const columns = Object.values(meta.properties)
    .filter((prop) => prop.fieldNames?.length === 1 && prop.persist !== false)
    .map((prop) => ({ property: prop.name, column: prop.fieldNames[0], json: String(prop.type).toLowerCase().includes('json') }));
  const shape = { table: meta.tableName, columns };
  columnsCache.set(entity.name, shape);
  return shape;
}

/**
 * Inserts one row for an entity in the transaction of `em` with a single statement, bypassing the unit of
 * work's change tracking: for the hot, insert-only writes (a provisioned user, every provisioning event),
 * where computing change sets cost more than the round trip itself. Properties left undefined take the
 * column default.
 */
export async function insertRow<T extends object>(em: EntityManager, entity: EntityClass<T>, row: T): Promise<void> {
  const { table, columns } = columnsOf(em, entity as EntityClass<object>);
  const names: string[] = [];
  const values: unknown[] = [];
  for (const { property, column, json } of columns) {
    const value = (row as Record<string, unknown>)[property];
    if (value === undefined) continue;
    names.push(`"${column}"`);
    values.push(json && value !== null ? JSON.stringify(value) : value);
  }
  await em.execute(`insert into "${table}" (${names.join(', ')}) values (${names.map(() => '?').join(', ')})`, values, 'run');
}
