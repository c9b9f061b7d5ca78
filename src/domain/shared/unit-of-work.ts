import { DeadlockException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from './domain-error';
import { sqlState, type SqlClient } from './sql-client';

/** How often a transaction PostgreSQL chose as a deadlock victim is run again before giving up. */
const DEADLOCK_RETRIES = 3;

/** Called inside every write transaction after its changes are flushed, before commit. */
export type BeforeCommitHook = (em: EntityManager) => Promise<void>;

/** Makes the SqlClient that runs on `em`'s connection (its transaction's when it is in one). */
export type SqlClientFactory = (em: EntityManager) => SqlClient;

/**
 * Runs each service call on its own EntityManager fork. `write` wraps the call in one database
 * transaction, so a change and its provisioning event commit together or not at all; `writeStatement`
 * runs a change that is one statement with its event (atomic by itself) without BEGIN and COMMIT.
 */
export class UnitOfWork {
  private readonly beforeCommitHooks: BeforeCommitHook[] = [];
  /** Runs statements on the pool, each its own transaction: reads, and writes that are one statement. */
  readonly sql: SqlClient;

  constructor(
    private readonly root: EntityManager,
    private readonly sqlClientOf: SqlClientFactory,
  ) {
    this.sql = sqlClientOf(root);
  }

  /** A read with no transaction. */
  read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return work(this.root.fork());
  }

  /** The SqlClient of a transaction `write` runs (repositories take it). */
  sqlOf(em: EntityManager): SqlClient {
    return this.sqlClientOf(em);
  }

  /**
   * A write in one transaction: flushed, then the before-commit hooks, then commit. A deadlock victim is
   * run again from the start (nothing of it was committed); a row that a concurrent transaction deleted
   * under this one is NOT_FOUND, never a server error.
   */
  async write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.root.fork().transactional(async (em) => {
          const result = await work(em);
          await em.flush();
          for (const hook of this.beforeCommitHooks) await hook(em);
          return result;
        });
      } catch (error) {
        if (isDeadlock(error) && attempt <= DEADLOCK_RETRIES) continue;
        throw translated(error);
      }
    }
  }

  /**
   * A write whose change and event are ONE statement (a data-modifying CTE): PostgreSQL runs a statement
   * outside a transaction block as its own transaction, so both commit together or neither does, in one
   * round trip instead of BEGIN, statements, COMMIT. With a before-commit hook registered (fault injection,
   * the tests' held transactions), the statement runs inside a transaction so the hook runs between its
   * write and its commit, as for every other write.
   */
  async writeStatement<T>(work: (sql: SqlClient) => Promise<T>): Promise<T> {
    if (this.beforeCommitHooks.length > 0) return this.write((em) => work(this.sqlOf(em)));
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work(this.sql);
      } catch (error) {
        if (isDeadlock(error) && attempt <= DEADLOCK_RETRIES) continue;
        throw translated(error);
      }
    }
  }

  /** Registers a hook run before every commit (fault injection and held transactions in tests). */
  onBeforeCommit(hook: BeforeCommitHook): () => void {
    this.beforeCommitHooks.push(hook);
    return () => {
      const at = this.beforeCommitHooks.indexOf(hook);
      if (at >= 0) this.beforeCommitHooks.splice(at, 1);
    };
  }
}

const isDeadlock = (error: unknown) => error instanceof DeadlockException || sqlState(error) === '40P01';

function translated(error: unknown): unknown {
  if (error instanceof ForeignKeyConstraintViolationException || sqlState(error) === '23503') {
    return new DomainError('NOT_FOUND', 'Something this change refers to was deleted at the same time; nothing was changed');
  }
  return error;
}
