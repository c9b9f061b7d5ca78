import type { Actor } from '../shared/scope';

/** How long a verified token is trusted without asking the database again. */
export const AUTH_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/** A verified caller: a SCIM client with its tenant, or an operator or API-key actor. */
export type CachedCaller = { actor: Actor; tenantId: string | null };

interface Entry {
  value: CachedCaller;
  expiresAt: number;
}

/**
 * Verified SCIM, operator and API-key credentials, kept for a few seconds: Entra sends thousands of
 * requests a minute with the same token, and the lookup was a quarter of each request's cost. Any
 * credential or SCIM-setting change in this process clears it at once; other processes see a revocation
 * within AUTH_CACHE_TTL_MS. Only successes are kept, so a stream of bad tokens cannot fill it. Sessions are
 * never cached: a session's level follows the mappings at once.
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  get(key: string): Entry['value'] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: Entry['value']): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, expiresAt: this.now() + AUTH_CACHE_TTL_MS });
  }

  /** Forgets everything: called by every change to credentials or to a tenant's SCIM setting. */
  clear(): void {
    this.entries.clear();
  }
}
