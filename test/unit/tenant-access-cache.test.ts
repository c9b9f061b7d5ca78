import { describe, expect, it } from 'vitest';
import { TenantAccessCache, tenantAccessFrom } from '../../src/domain/access/tenant-access-cache';

const TENANT = '00000000-0000-4000-8000-000000000001';
const GROUP = '00000000-0000-4000-8000-000000000002';
const TEAM = '00000000-0000-4000-8000-000000000003';

describe('tenant access cache', () => {
  it('builds mappings with their teams named, the default apart, the fallback team named, the groups without updatedAt', () => {
    const access = tenantAccessFrom(TENANT, '7', {
      fallbackTeamId: TEAM,
      groups: [[GROUP, 'Engineering', null, '2026-11-30T00:00:00+00:00']],
      mappings: [
        [GROUP, 'VIEWER', [[TEAM, 'ADMINISTRATOR']]],
        [null, 'NONE', []],
      ],
      teams: [[TEAM, 'Red', '2026-12-01T00:00:00.123456+00:00']],
    });
    expect(access.groupMappings.get(GROUP)).toEqual({ globalLevel: 'VIEWER', teams: [{ teamId: TEAM, teamName: 'Red', level: 'ADMINISTRATOR' }] });
    expect(access.defaultMapping).toEqual({ globalLevel: 'NONE', teams: [] });
    expect(access.fallbackTeam).toEqual({ teamId: TEAM, teamName: 'Red' });
    expect(access.teams.get(TEAM)?.createdAt.toISOString()).toBe('2026-12-01T00:00:00.123Z');
    const group = access.groups.get(GROUP)!;
    expect([group.tenantId, group.displayName, group.externalId, group.createdAt.toISOString()]).toEqual([TENANT, 'Engineering', null, '2026-11-30T00:00:00.000Z']);
    // Not kept: reading it is a mistake of the caller, never a stale answer.
    expect(() => group.updatedAt).toThrow(/without its timestamps/);
  });

  it('keeps the newest version a read brought, whatever order reads answer in', () => {
    const cache = new TenantAccessCache();
    const at = (version: string) => tenantAccessFrom(TENANT, version, { fallbackTeamId: null, groups: [], mappings: [], teams: [] });
    cache.offer(TENANT, at('9'));
    cache.offer(TENANT, at('10'));
    cache.offer(TENANT, at('8'));
    expect(cache.get(TENANT)?.version).toBe('10');
  });

  it('does not hold a tenant too large, and says so until it is worth reading whole again', async () => {
    const cache = new TenantAccessCache(3, 50);
    const withGrants = (count: number) =>
      tenantAccessFrom(TENANT, '1', { fallbackTeamId: null, groups: [], mappings: [[null, 'VIEWER', Array.from({ length: count }, () => [TEAM, 'VIEWER'] as [string, 'VIEWER'])]], teams: [] });
    cache.offer(TENANT, withGrants(5));
    expect(cache.get(TENANT)).toBeUndefined();
    expect(cache.isTooLarge(TENANT)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(cache.isTooLarge(TENANT)).toBe(false);
    cache.offer(TENANT, withGrants(1));
    expect(cache.get(TENANT)?.version).toBe('1');
  });
});
