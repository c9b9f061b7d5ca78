import type { EntityManager } from '@mikro-orm/postgresql';

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

  /** A write in one transaction: flushed, then the before-commit hooks, then commit. */
  write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.root.fork().transactional(async (em) => {
      const result = await work(em);
      await em.flush();
      for (const hook of this.beforeCommitHooks) await hook(em);
      return result;
    });
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
