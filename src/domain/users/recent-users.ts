import { LRUCache } from 'lru-cache';
import type { User } from './user.entity';

/** How many users a process remembers (about 1.5 kB each). */
const REMEMBERED_USERS = 10_000;

/**
 * The users this process last read or wrote, each as it was at its version: where a change of attributes
 * starts (Entra PATCHes a user it provisioned or just looked up), so the change is computed without reading the
 * row first and written in one statement.
 *
 * A remembered user may be stale (another process changed it): it is only ever a guess. The write it leads to
 * lands only if the row is still at the remembered version (every change of an attribute bumps it); a user that
 * moved on is read again. What is not versioned (`photoEtag`, `idpObjectId`) is never written from it and comes
 * back from the write itself. An outcome the guess alone decides (no change at all, a refusal) is checked
 * against the row as read.
 */
export class RecentUsers {
  private readonly users = new LRUCache<string, Readonly<User>>({ max: REMEMBERED_USERS });

  /** The user as last seen, for the caller to change by replacing its properties; undefined when not remembered. */
  recall(tenantId: string, id: string): User | undefined {
    const remembered = this.users.get(key(tenantId, id));
    return remembered ? { ...remembered } : undefined;
  }

  /**
   * Remembers a live user as it is now. Its own object, sharing the attribute values with `user`, which are frozen:
   * changes replace them (a PATCH is applied to a copy of the document), and one that changed a value in place
   * would throw rather than alter what is remembered. (A structured clone each way cost a third of the read it saves.)
   */
  remember(user: User): void {
    if (user.deletedAt) {
      this.forget(user.tenantId, user.id);
      return;
    }
    for (const value of Object.values(user)) deepFreeze(value);
    this.users.set(key(user.tenantId, user.id), { ...user });
  }

  forget(tenantId: string, id: string): void {
    this.users.delete(key(tenantId, id));
  }
}

const key = (tenantId: string, id: string) => `${tenantId}/${id}`;

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || value instanceof Date || Object.isFrozen(value)) return;
  for (const member of Object.values(value)) deepFreeze(member);
  Object.freeze(value);
}
