import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { columnsOf } from './entity-columns';

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
