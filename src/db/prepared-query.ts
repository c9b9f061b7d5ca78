import type { EntityManager } from '@mikro-orm/postgresql';
import { driverSql } from './driver-sql';

/** A statement PostgreSQL plans once per connection, by name, and afterwards only executes. */
export interface PreparedStatement {
  /** Unique per statement text: PostgreSQL keeps one plan per name and connection. */
  name: string;
  /** SQL with $1, $2… placeholders; the values travel apart from the text. */
  text: string;
}

/**
 * Runs a named prepared statement on `em`'s connection (its transaction's when it is in one): `driverSql`,
 * for repositories that hold an EntityManager. Named unless `usePreparedStatements(em, false)` (a pooler).
 */
export function queryPrepared<R>(em: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<R[]> {
  return driverSql(em).query<R>(statement, values);
}
