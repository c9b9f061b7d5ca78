import type { Knex } from 'knex';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlClient, Statement } from '../domain/shared/sql-client';

/** The part of a node-postgres client these statements use. */
interface DriverConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** The ORM configurations (one per connection pool) whose statements go unnamed. */
const unnamed = new WeakSet<object>();

/**
 * Whether statements with a name are prepared by name on `em`'s connection pool (every fork and transaction
 * of it): named by default; unnamed behind a transaction pooler (PgBouncer before 1.21), which hands each
 * transaction whichever server connection is free, where a statement prepared on another one "does not
 * exist", or one another client prepared "already exists". Set once at start (config `preparedStatements`).
 */
export function usePreparedStatements(em: EntityManager, named: boolean): void {
  if (named) unnamed.delete(em.config);
  else unnamed.add(em.config);
}

/**
 * The SqlClient of the domain's repositories: node-postgres itself, on a connection of the ORM's own pool
 * (one pool bounds every connection of the process, and its acquire timeout and metrics hold for these
 * statements too), borrowed through knex's `Client.acquireConnection`/`releaseConnection`. In a transaction it
 * is the transaction's connection (knex's transaction client hands it out and keeps it). Compared with the
 * ORM's `execute`, which writes every value into the SQL text and so makes PostgreSQL parse and plan each
 * statement anew, the values travel as parameters, and a named statement is planned once per connection:
 * PostgreSQL's CPU per execution (`npm run bench -- statements`) goes from 0.27 to 0.11 ms for a user by id
 * and from 1.35–2.0 to 0.34–0.80 ms for the access query.
 */
export function driverSql(em: EntityManager): SqlClient {
  return {
    async query<R>(statement: Statement, values: readonly unknown[]): Promise<R[]> {
      const knex = em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
      const client = knex.client as Knex.Client;
      const connection = (await client.acquireConnection()) as DriverConnection;
      try {
        const query =
          statement.name && !unnamed.has(em.config)
            ? { name: statement.name, text: statement.text, values: values as unknown[] }
            : { text: statement.text, values: values as unknown[] };
        return (await connection.query(query)).rows as R[];
      } finally {
        await client.releaseConnection(connection);
      }
    },
  };
}
