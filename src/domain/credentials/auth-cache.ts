import { LRUCache } from 'lru-cache';
import type { Actor } from '../shared/scope';

/** How long a verified token is trusted without asking the database again. */
export const AUTH_CACHE_TTL_MS = 5_000;
/** The most verified tokens kept; past it, the least recently used is forgotten. */
export const AUTH_CACHE_MAX_ENTRIES = 10_000;

/** A verified caller: a SCIM client with its tenant, or an operator or API-key actor. */
export type CachedCaller = { actor: Actor; tenantId: string | null };

/**
 * Verified SCIM, operator and API-key credentials, kept for a few seconds: Entra sends thousands of
 * requests a minute with the same token, and the lookup was a quarter of each request's cost. Any
 * credential or SCIM-setting change in this process clears it at once; other processes see a revocation
 * within AUTH_CACHE_TTL_MS, counted from the verification (a hit does not extend it). Only successes are
 * kept, so a stream of bad tokens cannot fill it. Sessions are never cached: a session's level follows the
 * mappings at once.
 */
export class AuthCache {
  private readonly entries: LRUCache<string, CachedCaller>;

  /** @param now the clock the time to live is measured on (tests pass their own). */
  constructor(now: () => number = () => Date.now()) {
    this.entries = new LRUCache<string, CachedCaller>({
      max: AUTH_CACHE_MAX_ENTRIES,
      ttl: AUTH_CACHE_TTL_MS,
      // Read the clock on every check rather than reuse a reading for a millisecond: exact expiry, at the
      // cost of one clock read per lookup.
      ttlResolution: 0,
      perf: { now },
    });
  }

  /** The caller verified under `key` less than AUTH_CACHE_TTL_MS ago, if any. */
  get(key: string): CachedCaller | undefined {
    return this.entries.get(key);
  }

  /** Remembers a verified caller for AUTH_CACHE_TTL_MS. */
  set(key: string, value: CachedCaller): void {
    this.entries.set(key, value);
  }

  /** Forgets everything: called by every change to credentials or to a tenant's SCIM setting. */
  clear(): void {
    this.entries.clear();
  }
}
