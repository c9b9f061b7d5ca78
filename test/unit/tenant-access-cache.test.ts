import { describe, expect, it } from 'vitest';
import { TenantAccessCache, tenantAccessFrom } from '../../src/domain/access/tenant-access-cache';

const TENANT = '00000000-0000-4000-8000-000000000001';
const GROUP = '00000000-0000-4000-8000-000000000002';
const TEAM = '00000000-0000-4000-8000-000000000003';

describe('tenant access cache', () => {
  it('builds mappings with their teams named, the default apart, the fallback team named', () => {
    const access = tenantAccessFrom('7', {
      fallbackTeamId: TEAM,
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
  });

  it('keeps the newest version a read brought, whatever order reads answer in', () => {
    const cache = new TenantAccessCache();
    const at = (version: string) => tenantAccessFrom(version, { fallbackTeamId: null, mappings: [], teams: [] });
    cache.offer(TENANT, at('9'));
    cache.offer(TENANT, at('10'));
    cache.offer(TENANT, at('8'));
    expect(cache.get(TENANT)?.version).toBe('10');
  });
});
