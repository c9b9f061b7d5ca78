import { expect } from 'vitest';
import type { UnitOfWork } from '../../src/domain/shared/unit-of-work';

/**
 * Starts `write` and holds its transaction open between its flush and its commit (its rows written, its
 * transaction id taken) until `release()`: the "older transaction still running" of the live-feed tests.
 */
export async function holdOpenWhile<T>(uow: UnitOfWork, write: () => Promise<T>): Promise<{ done: Promise<T>; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let waiting = true;
  const off = uow.onBeforeCommit(async () => {
    if (!waiting) return;
    waiting = false;
    await gate;
  });
  const done = write().finally(off);
  await expect.poll(() => waiting, { timeout: 5_000 }).toBe(false);
  return { done, release };
}
