import { LRUCache } from 'lru-cache';

/**
 * A place in a tenant's live users, in the order of a SCIM page (`created_at`, then `id`): a page starts after
 * it. `createdAt` is PostgreSQL's own text of the timestamp, so nothing of its precision is lost on the way back.
 */
export interface UserPageKey {
  createdAt: string;
  id: string;
}

/** Before every live user. */
export const FIRST_PAGE_KEY: UserPageKey = { createdAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };

/** A search that is a page of live users by creation: no filter, no sort attribute, ascending. */
export const isLiveUserPage = (search: { filter?: unknown; sortBy?: unknown; sortOrder?: string }): boolean =>
  !search.filter && !search.sortBy && search.sortOrder !== 'descending';

/** Every this-many users of a tenant's order, the key of the last one is remembered. */
export const KEY_STRIDE = 100;

/** What this process knows of a tenant's order: the key ending each stride, at one version of its live users. */
export interface KnownOrder {
  version: string;
  /** `keys[i]`: the key of the user at position (i + 1) · KEY_STRIDE − 1 (0-based). */
  keys: readonly UserPageKey[];
}

/**
 * Where the page at `offset` (0-based) starts: after the last key at or before it, skipping the rest. With no
 * key (or an offset under one stride) it is a walk from the first user, as `offset` alone would be.
 */
export function pageStart(offset: number, keys: readonly UserPageKey[]): { after: UserPageKey; skip: number } {
  const strides = Math.min(Math.floor(offset / KEY_STRIDE), keys.length);
  return strides === 0 ? { after: FIRST_PAGE_KEY, skip: offset } : { after: keys[strides - 1], skip: offset - strides * KEY_STRIDE };
}

/** Once a tenant's order is found changed, it is learnt again at most this often (each time a walk of the tenant). */
export const RELEARN_SPACING_MS = 1000;

/**
 * The tenants' orders this process has learnt, each valid while the tenant's live users keep its version (a
 * page read says the version it saw, so a stale order is noticed and never trusted). Learning is a walk of the
 * tenant: one at a time per tenant (the concurrent pages of an Entra or console listing share it), and, for a
 * tenant that keeps changing, at most once per RELEARN_SPACING_MS; between, its pages walk to their offset.
 */
export class LiveUserOrders {
  private readonly known = new LRUCache<string, KnownOrder & { learntAt: number }>({ max: 1000 });
  private readonly learning = new Map<string, Promise<KnownOrder>>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  get(tenantId: string): KnownOrder | undefined {
    return this.known.get(tenantId);
  }

  /** Whether an order found stale may be learnt again now. */
  mayRelearn(tenantId: string): boolean {
    const known = this.known.get(tenantId);
    return known === undefined || this.learning.has(tenantId) || this.now() - known.learntAt >= RELEARN_SPACING_MS;
  }

  /** Learns the tenant's order with `walk`, or joins the walk already under way. */
  learn(tenantId: string, walk: () => Promise<KnownOrder>): Promise<KnownOrder> {
    const under = this.learning.get(tenantId);
    if (under) return under;
    const learnt = walk()
      .then((order) => {
        this.known.set(tenantId, { ...order, learntAt: this.now() });
        return order;
      })
      .finally(() => this.learning.delete(tenantId));
    this.learning.set(tenantId, learnt);
    return learnt;
  }
}
