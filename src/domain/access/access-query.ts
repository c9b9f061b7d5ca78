import type { EntityManager } from '@mikro-orm/postgresql';
import type { PermissionLevel } from '../shared/permission-level';
import { queryPrepared, type PreparedStatement } from '../shared/prepared-query';
import { isUuid } from '../shared/sql';
import { effectiveAccess, type EffectiveAccess, type MappingGrant } from './access-rules';

interface AccessRow {
  user_id: string;
  active: boolean;
  fallback_team_id: string | null;
  fallback_team_name: string | null;
  mapping_id: string | null;
  group_id: string | null;
  group_name: string | null;
  global_level: PermissionLevel | null;
  team_id: string | null;
  team_name: string | null;
  level: PermissionLevel | null;
  group_external_id: string | null;
  /** Timestamps as epoch milliseconds: parsing a number is cheaper than parsing ~400 timestamps per read. */
  group_created_at: number | null;
  group_updated_at: number | null;
  team_created_at: number | null;
  fallback_team_created_at: number | null;
}

/**
 * Each user's row, the mappings of the groups they belong to and the default mapping (with team names), the
 * tenant's fallback team. Prepared: planning this statement costs more than running it.
 */
const ACCESS_STATEMENT: PreparedStatement = {
  name: 'portico_access_of_users_v1',
  text: `select u.id as user_id, u.active, t.fallback_team_id, ft.name as fallback_team_name, (extract(epoch from ft.created_at) * 1000)::float8 as fallback_team_created_at,
            pm.id as mapping_id, pm.group_id, g.display_name as group_name, pm.global_level,
            g.external_id as group_external_id, (extract(epoch from g.created_at) * 1000)::float8 as group_created_at, (extract(epoch from g.updated_at) * 1000)::float8 as group_updated_at,
            tg.team_id, tm.name as team_name, (extract(epoch from tm.created_at) * 1000)::float8 as team_created_at, tg.level
       from users u
       join tenants t on t.id = u.tenant_id
       left join teams ft on ft.id = t.fallback_team_id
       left join lateral (
         select pm.* from permission_mappings pm
          where pm.tenant_id = u.tenant_id
            and (pm.group_id is null
                 or exists (select 1 from group_memberships m where m.group_id = pm.group_id and m.user_id = u.id))
       ) pm on true
       left join idp_groups g on g.id = pm.group_id
       left join mapping_team_grants tg on tg.mapping_id = pm.id
       left join teams tm on tm.id = tg.team_id
      where u.tenant_id = $1 and u.id = any($2::uuid[])`,
};

/** Groups and teams that grants name, as the access query already read them. */
export interface NamedInGrants {
  groups: Map<string, { id: string; displayName: string; externalId: string | null; createdAt: Date; updatedAt: Date }>;
  teams: Map<string, { id: string; name: string; createdAt: Date }>;
}

/**
 * Effective access of several users of one tenant in one query: each user's row, the mappings of the groups
 * they belong to and the default mapping (with team names), the tenant's fallback team. The merge itself is
 * the pure rule in access-rules.ts.
 */
export async function accessOfUsers(em: EntityManager, tenantId: string, userIds: string[], named?: NamedInGrants): Promise<Map<string, EffectiveAccess>> {
  const result = new Map<string, EffectiveAccess>();
  if (userIds.length === 0) return result;
  // A malformed id would be a cast error in PostgreSQL; callers check ids from outside, this catches slips.
  if (!userIds.every(isUuid)) throw new Error('accessOfUsers takes validated uuids only');
  const rows = await queryPrepared<AccessRow>(em, ACCESS_STATEMENT, [tenantId, userIds]);
  const perUser = new Map<string, { rows: AccessRow[] }>();
  if (named) collectNames(rows, named);
  for (const row of rows) {
    const entry = perUser.get(row.user_id) ?? { rows: [] };
    entry.rows.push(row);
    perUser.set(row.user_id, entry);
  }
  for (const [userId, { rows: userRows }] of perUser) {
    const mappings = new Map<string, MappingGrant>();
    for (const row of userRows) {
      if (!row.mapping_id) continue;
      let mapping = mappings.get(row.mapping_id);
      if (!mapping) {
        mapping = {
          source: row.group_id ? { kind: 'group', groupId: row.group_id, groupName: row.group_name ?? '' } : { kind: 'default' },
          globalLevel: row.global_level ?? 'NONE',
          teams: [],
        };
        mappings.set(row.mapping_id, mapping);
      }
      if (row.team_id && row.level) mapping.teams.push({ teamId: row.team_id, teamName: row.team_name ?? '', level: row.level });
    }
    const all = [...mappings.values()];
    const first = userRows[0];
    result.set(
      userId,
      effectiveAccess({
        active: first.active,
        groupMappings: all.filter((m) => m.source.kind === 'group'),
        defaultMapping: all.find((m) => m.source.kind === 'default') ?? null,
        fallbackTeam: first.fallback_team_id ? { teamId: first.fallback_team_id, teamName: first.fallback_team_name ?? '' } : null,
      }),
    );
  }
  return result;
}

function collectNames(rows: AccessRow[], named: NamedInGrants): void {
  for (const row of rows) {
    if (row.group_id && row.group_created_at !== null && row.group_updated_at !== null && !named.groups.has(row.group_id)) {
      named.groups.set(row.group_id, {
        id: row.group_id,
        displayName: row.group_name ?? '',
        externalId: row.group_external_id,
        createdAt: new Date(row.group_created_at),
        updatedAt: new Date(row.group_updated_at),
      });
    }
    if (row.team_id && row.team_created_at !== null && !named.teams.has(row.team_id)) {
      named.teams.set(row.team_id, { id: row.team_id, name: row.team_name ?? '', createdAt: new Date(row.team_created_at) });
    }
    if (row.fallback_team_id && row.fallback_team_created_at !== null && !named.teams.has(row.fallback_team_id)) {
      named.teams.set(row.fallback_team_id, {
        id: row.fallback_team_id,
        name: row.fallback_team_name ?? '',
        createdAt: new Date(row.fallback_team_created_at),
      });
    }
  }
}
