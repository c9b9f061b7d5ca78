import { describe, expect, it } from 'vitest';
import { AUTH_CACHE_MAX_ENTRIES, AUTH_CACHE_TTL_MS, AuthCache, type CachedCaller } from '../../src/domain/credentials/auth-cache';

const caller = (id: string): CachedCaller => ({
  actor: { kind: 'SCIM_CLIENT', id, label: 'SCIM client', tenantId: 't', level: 'ADMINISTRATOR' },
  tenantId: 't',
});

/** A clock the test moves by hand (not starting at 0: a cache entry stamped at time 0 would never expire). */
function manualClock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('AuthCache', () => {
  it('keeps a verified caller for AUTH_CACHE_TTL_MS from its verification, whatever the hits in between', () => {
    const clock = manualClock();
    const cache = new AuthCache(clock.now);
    cache.set('k', caller('a'));
    clock.advance(AUTH_CACHE_TTL_MS - 1);
    expect(cache.get('k')?.actor.id).toBe('a');
    clock.advance(2);
    expect(cache.get('k')).toBeUndefined();
  });

  it('forgets everything at once when a credential changes (a revocation in this process)', () => {
    const cache = new AuthCache(manualClock().now);
    cache.set('a', caller('a'));
    cache.set('b', caller('b'));
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
  });

  it('holds at most AUTH_CACHE_MAX_ENTRIES, forgetting the least recently used first', () => {
    const cache = new AuthCache(manualClock().now);
    cache.set('busy', caller('busy'));
    for (let i = 1; i < AUTH_CACHE_MAX_ENTRIES; i += 1) cache.set(`key ${i}`, caller(String(i)));
    expect(cache.get('busy')).toBeDefined();
    cache.set('one more', caller('one more'));
    // The oldest untouched entry went; the one just used and the newest stayed.
    expect(cache.get('key 1')).toBeUndefined();
    expect(cache.get('busy')).toBeDefined();
    expect(cache.get('one more')).toBeDefined();
  });
});
