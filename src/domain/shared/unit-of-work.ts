import { DeadlockException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from './domain-error';

/** How often a transaction PostgreSQL chose as a deadlock victim is run again before giving up. */
const DEADLOCK_RETRIES = 3;

/** Called inside every write transaction after its changes are flushed, before commit. */
export type BeforeCommitHook = (em: EntityManager) => Promise<void>;

/**
 * Runs each service call on its own EntityManager fork. `write` wraps the call in one database
 * transaction, so a change and its provisioning event commit together or not at all.
 */
export class UnitOfWork {
  private readonly beforeCommitHooks: BeforeCommitHook[] = [];

  constructor(private readonly root: EntityManager) {}

  /** A read with no transaction. */
  read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return work(this.root.fork());
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
        if (error instanceof DeadlockException && attempt <= DEADLOCK_RETRIES) continue;
        if (error instanceof ForeignKeyConstraintViolationException) {
          throw new DomainError('NOT_FOUND', 'Something this change refers to was deleted at the same time; nothing was changed');
        }
        throw error;
      }
    }
  }

  /** Registers a hook run before every commit (the pg_notify publisher; fault injection in tests). */
  onBeforeCommit(hook: BeforeCommitHook): () => void {
    this.beforeCommitHooks.push(hook);
    return () => {
      const at = this.beforeCommitHooks.indexOf(hook);
      if (at >= 0) this.beforeCommitHooks.splice(at, 1);
    };
  }
}
