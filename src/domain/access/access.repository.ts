import type { EntityManager } from '@mikro-orm/postgresql';
import { IdpGroup } from '../groups/idp-group.entity';
import { Tenant } from '../tenants/tenant.entity';
import { columnsOf } from '../../db/entity-columns';
import type { PermissionLevel } from '../shared/permission-level';
import { queryPrepared, type PreparedStatement } from '../../db/prepared-query';
import { rowById } from '../../db/row-by-id';
import { named, type SqlClient } from '../shared/sql-client';
import { isNullForIdLookup, isUuid } from '../shared/sql';
import { driverSql } from '../../db/driver-sql';
import { USER_SELECTED, userFromRow } from '../users/user.repository';
import { User } from '../users/user.entity';
import type { AccessInputs, GrantSource, MappingGrant } from './access-rules';
import { MappingTeamGrant, PermissionMapping } from './permission-mapping.entity';
import { NO_VERSION, NOT_HELD, TenantAccessCache, tenantAccessFrom, type TenantAccess, type TenantAccessJson } from './tenant-access-cache';

/** A group that grants name, with its tenant (as a GraphQL node of it needs). */
export interface NamedGroup {
  id: string;
  tenantId: string;
  displayName: string;
  externalId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Groups and teams that grants name, as the access statements already read them. */
export interface NamedInGrants {
  groups: Map<string, NamedGroup>;
  teams: ReadonlyMap<string, { id: string; name: string; createdAt: Date }>;
}

/** A mapping as stored, with the names of its group and teams. */
export interface MappingView {
  groupId: string | null;
  groupName: string | null;
  globalLevel: PermissionLevel;
  teams: { teamId: string; teamName: string; level: PermissionLevel }[];
  updatedAt: Date;
}

/**
 * How an explanation's groups are read: `cached`, as of the tenant's access version (all but `updatedAt`,
 * which reading throws); `with-timestamps`, their rows read with the user's.
 */
export type GroupsRead = 'cached' | 'with-timestamps';

/** NamedInGrants as the statements of several users fill it. */
type CollectedNames = NamedInGrants & { teams: Map<string, { id: string; name: string; createdAt: Date }> };

/** A group or a team of the tenant, as `named` reads it. */
export interface NamedRow {
  kind: 'group' | 'team';
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the access statements read for a user besides their own columns (see ACCESS_COLUMNS). */
interface AccessColumns {
  active: boolean;
  fallback_team_id: string | null;
  fallback_team_name: string | null;
  fallback_team_created_at: Date | string | null;
  /** Per mapping that applies and team grant of it (one element with a null team for a mapping without): */
  grant_group_ids: (string | null)[] | null;
  grant_global_levels: PermissionLevel[] | null;
  grant_team_ids: (string | null)[] | null;
  grant_levels: (PermissionLevel | null)[] | null;
  /** Per group those mappings belong to: */
  group_ids: string[] | null;
  group_names: string[] | null;
  group_external_ids: (string | null)[] | null;
  group_created_at: string[] | null;
  group_updated_at: string[] | null;
  /** Per team those grants name: */
  team_ids: string[] | null;
  team_names: string[] | null;
  team_created_at: string[] | null;
}

/**
 * The access columns of user `u`: the tenant's fallback team; every mapping that applies to them (of the
 * groups they belong to, and the default mapping) with each of its team grants, as ids and levels; and the
 * groups and teams those name, each once, found by the ids the first aggregate collected. All as parallel
 * JSON arrays, one value per column: a user in 50 mapped groups with two team grants each has 100 grants
 * but 50 groups and 20 teams, and PostgreSQL building one `json_build_array` per grant that repeated the
 * names and timestamps of its group and team (typing every argument on every call) was three quarters of the
 * statement's CPU (1.0–1.4 ms against 0.65–0.9 ms now, `npm run bench -- access`'s user in 50 groups).
 */
const ACCESS_COLUMNS = `
       t.fallback_team_id, ft.name as fallback_team_name, ft.created_at as fallback_team_created_at,
       applying.grant_group_ids, applying.grant_global_levels, applying.grant_team_ids, applying.grant_levels,
       named_groups.*, named_teams.*
  from users u
  join tenants t on t.id = u.tenant_id
  left join teams ft on ft.id = t.fallback_team_id
  cross join lateral (
    select json_agg(pm.group_id) as grant_group_ids, json_agg(pm.global_level) as grant_global_levels,
           json_agg(tg.team_id) as grant_team_ids, json_agg(tg.level) as grant_levels,
           array_agg(pm.group_id) filter (where pm.group_id is not null) as group_keys,
           array_agg(tg.team_id) filter (where tg.team_id is not null) as team_keys
      from permission_mappings pm
      left join mapping_team_grants tg on tg.mapping_id = pm.id
     where pm.tenant_id = u.tenant_id
       and (pm.group_id is null or exists (select 1 from group_memberships m where m.group_id = pm.group_id and m.user_id = u.id))) applying
  cross join lateral (
    select json_agg(g.id) as group_ids, json_agg(g.display_name) as group_names, json_agg(g.external_id) as group_external_ids,
           json_agg(g.created_at) as group_created_at, json_agg(g.updated_at) as group_updated_at
      from idp_groups g
     where g.tenant_id = u.tenant_id and g.id = any(applying.group_keys)) named_groups
  cross join lateral (
    select json_agg(tm.id) as team_ids, json_agg(tm.name) as team_names, json_agg(tm.created_at) as team_created_at
      from teams tm
     where tm.tenant_id = u.tenant_id and tm.id = any(applying.team_keys)) named_teams`;

/**
 * Prepared, as every statement here (planning the access statement costs more than running it); `$1` is
 * always the tenant. Tombstones included: deleting and restoring a user compare its access around the change.
 * One user by `=`, several by `any`: PostgreSQL plans `any` of an array anew on every execution (its generic
 * plan cannot know the array's length), which costs more than running it; `=` keeps one plan per connection.
 */
const ACCESS_OF_USER = named(
  'access_of_user_v2',
  `select u.id, u.active, ${ACCESS_COLUMNS}
    where u.tenant_id = $1 and u.id = $2`,
);
const ACCESS_OF_USERS = named(
  'access_of_users_v3',
  `select u.id, u.active, ${ACCESS_COLUMNS}
    where u.tenant_id = $1 and u.id = any($2::uuid[])`,
);

/**
 * The user's columns by name, not `*`: a column a later migration adds must not change the result type of a
 * statement prepared under a process that is still running (PostgreSQL refuses to run such a statement).
 */
const userColumns = (em: EntityManager) => columnsOf(em, User).columns.map((c) => `u."${c.column}"`).join(', ');

/** Statements that name the user's columns, built on first use (the columns come from the ORM's metadata). */
const lazily = (build: (em: EntityManager) => PreparedStatement) => {
  let built: PreparedStatement | undefined;
  return (em: EntityManager) => (built ??= build(em));
};

/**
 * The tenant's access data (TenantAccessJson) when its version is not `$3`, the version the process holds
 * (never when `$3` is NOT_HELD):
 * every mapping with its team grants, the groups they belong to, the teams they and the fallback name. Read in
 * the statement that reads the version, so in its snapshot; sent only when the process's copy is not that
 * version's.
 */
const TENANT_ACCESS_UNLESS_HELD = `case when t.access_version <> $3::bigint and $3::bigint <> ${NOT_HELD} then json_build_object(
      'fallbackTeamId', t.fallback_team_id,
      'groups', coalesce((select json_agg(json_build_array(g.id, g.display_name, g.external_id, g.created_at))
                  from permission_mappings pm join idp_groups g on g.tenant_id = pm.tenant_id and g.id = pm.group_id
                 where pm.tenant_id = t.id), '[]'),
      'mappings', coalesce((select json_agg(json_build_array(pm.group_id, pm.global_level,
                    coalesce((select json_agg(json_build_array(tg.team_id, tg.level)) from mapping_team_grants tg where tg.mapping_id = pm.id), '[]')))
                    from permission_mappings pm where pm.tenant_id = t.id), '[]'),
      'teams', coalesce((select json_agg(json_build_array(tm.id, tm.name, tm.created_at)) from teams tm
                 where tm.tenant_id = t.id
                   and (tm.id = t.fallback_team_id or exists (select 1 from mapping_team_grants tg where tg.team_id = tm.id))), '[]')) end`;

/**
 * A live user's row (as the user repository reads it), the version of their tenant's access data (and the
 * data itself unless the process holds that version), and the ids of the groups they belong to:
 * `user(id) { access }` in one round trip. The mappings, their groups' names, the team grants and the teams
 * are the tenant's, the same for all its users: read once per version per process, not per request (with
 * the groups' rows they were 85 % of the statement's CPU and 95 % of its 20 kB row for a user in 50 mapped
 * groups). The memberships are read every time, by the user's index, all of them (the process knows which
 * groups are mapped; probing the mappings for each was the costlier half of what remained). Looked up by id
 * as every id lookup is (isNullForIdLookup).
 */
const USER_WITH_ACCESS = named(
  'user_with_access_v4',
  `select ${USER_SELECTED}, t.access_version, ${TENANT_ACCESS_UNLESS_HELD} as tenant_access,
          (select json_agg(m.group_id) from group_memberships m where m.user_id = u.id) as group_ids
     from users u
     join tenants t on t.id = u.tenant_id
    where u.tenant_id = $1 and u.id = $2 and ${isNullForIdLookup('u.deleted_at')}`,
);

/**
 * As USER_WITH_ACCESS, with the rows of the user's mapped groups read now: for an explanation that shows a
 * group's `updatedAt`, which every SCIM write to the group changes (no version follows it).
 */
const USER_WITH_ACCESS_AND_GROUP_ROWS = named(
  'user_with_access_and_group_rows_v1',
  `select ${USER_SELECTED}, t.access_version, ${TENANT_ACCESS_UNLESS_HELD} as tenant_access,
          mine.group_ids, mine.group_names, mine.group_external_ids, mine.group_created_at, mine.group_updated_at
     from users u
     join tenants t on t.id = u.tenant_id
     cross join lateral (
       select json_agg(g.id) as group_ids, json_agg(g.display_name) as group_names, json_agg(g.external_id) as group_external_ids,
              json_agg(g.created_at) as group_created_at, json_agg(g.updated_at) as group_updated_at
         from group_memberships m
         join permission_mappings pm on pm.tenant_id = u.tenant_id and pm.group_id = m.group_id
         join idp_groups g on g.tenant_id = u.tenant_id and g.id = m.group_id
        where m.user_id = u.id) mine
    where u.tenant_id = $1 and u.id = $2 and ${isNullForIdLookup('u.deleted_at')}`,
);

/** What USER_WITH_ACCESS reads besides the user's columns (and USER_WITH_ACCESS_AND_GROUP_ROWS, all of it). */
interface UserAccessColumns {
  active: boolean;
  access_version: string;
  tenant_access: TenantAccessJson | null;
  /** The groups of the user (with USER_WITH_ACCESS_AND_GROUP_ROWS, their mapped groups, with the rest: */
  group_ids: string[] | null;
  group_names?: string[] | null;
  group_external_ids?: (string | null)[] | null;
  group_created_at?: string[] | null;
  group_updated_at?: string[] | null;
}

/** Every tenant's access data this process has read (see TenantAccess for why it is never stale). */
const tenantAccessCache = new TenantAccessCache();

/** Some mapped group of user `u` grants something (else the default mapping and the fallback team apply). */
const GROUPS_GRANT_SOMETHING = `exists (select 1 from group_memberships m join permission_mappings pm on pm.group_id = m.group_id
                        where m.user_id = u.id
                          and (pm.global_level <> 'NONE'
                               or exists (select 1 from mapping_team_grants tg where tg.mapping_id = pm.id and tg.level <> 'NONE')))`;

/**
 * User `u` of tenant `$1` has access to team `$2`. Mirrors the merge rule: a group mapping grants the team, or
 * the user's groups grant nothing and the team is the fallback team or granted by the default mapping.
 */
const HAS_TEAM = `u.tenant_id = $1 and u.deleted_at is null and u.active and (
    exists (select 1 from group_memberships m
              join permission_mappings pm on pm.group_id = m.group_id
              join mapping_team_grants tg on tg.mapping_id = pm.id
             where m.user_id = u.id and tg.team_id = $2 and tg.level <> 'NONE')
    or (exists (select 1 from tenants t where t.id = u.tenant_id and t.fallback_team_id = $2)
          or exists (select 1 from permission_mappings pm join mapping_team_grants tg on tg.mapping_id = pm.id
                      where pm.tenant_id = u.tenant_id and pm.group_id is null and tg.team_id = $2 and tg.level <> 'NONE'))
       and not ${GROUPS_GRANT_SOMETHING})`;

const COUNT_WITH_TEAM: PreparedStatement = {
  name: 'portico_users_with_team_count_v1',
  text: `select count(*)::int as n from users u where ${HAS_TEAM}`,
};

/** A page of those with access to a team by lower(userName): the first (`$3`: the limit), or one after `$3`. */
const WITH_TEAM_FIRST = lazily((em) => ({
  name: 'portico_users_with_team_page_v1',
  text: `select ${userColumns(em)} from users u where ${HAS_TEAM} order by lower(u.user_name) limit $3`,
}));
const WITH_TEAM_AFTER = lazily((em) => ({
  name: 'portico_users_with_team_page_after_v1',
  text: `select ${userColumns(em)} from users u where ${HAS_TEAM} and lower(u.user_name) > $3 order by lower(u.user_name) limit $4`,
}));

const NAMED: PreparedStatement = {
  name: 'portico_named_in_grants_v1',
  text: `select 'group' as kind, id, display_name as name, external_id, created_at, updated_at from idp_groups where tenant_id = $1 and id = any($2::uuid[])
         union all
         select 'team' as kind, id, name, null, created_at, updated_at from teams where tenant_id = $1 and id = any($3::uuid[])`,
};

const MAPPINGS: PreparedStatement = {
  name: 'portico_mappings_v1',
  text: `select pm.group_id, g.display_name as group_name, pm.global_level, pm.updated_at, tg.team_id, t.name as team_name, tg.level
           from permission_mappings pm
           left join idp_groups g on g.id = pm.group_id
           left join mapping_team_grants tg on tg.mapping_id = pm.id
           left join teams t on t.id = tg.team_id
          where pm.tenant_id = $1
          order by pm.group_id is not null, lower(g.display_name), lower(t.name)`,
};

/**
 * Serialises the writers of one tenant's mappings until commit, with an advisory lock: the default mapping
 * has no row to lock yet, and locking the tenant row would deadlock against every write that records an
 * event (their foreign key takes a share lock on that row).
 */
const LOCK_MAPPINGS: PreparedStatement = {
  name: 'portico_lock_mappings_v1',
  text: `select pg_advisory_xact_lock(hashtext('portico.mappings'), hashtext($1::text))`,
};

const GROUP_MAPPING_COUNT: PreparedStatement = {
  name: 'portico_group_mapping_count_v1',
  text: 'select count(*)::int as n from permission_mappings where tenant_id = $1 and group_id is not null',
};

const GROUP_HAS_MAPPING: PreparedStatement = {
  name: 'portico_group_has_mapping_v1',
  text: 'select 1 from permission_mappings where tenant_id = $1 and group_id = $2 limit 1',
};

const ACTIVE_MEMBERS_COUNT: PreparedStatement = {
  name: 'portico_active_members_count_v1',
  text: `select count(*)::int as n from group_memberships m join users u on u.id = m.user_id
          where m.tenant_id = $1 and m.group_id = $2 and u.active`,
};

const ON_DEFAULT_COUNT: PreparedStatement = {
  name: 'portico_users_on_default_count_v1',
  text: `select count(*)::int as n from users u where u.tenant_id = $1 and u.active and not ${GROUPS_GRANT_SOMETHING}`,
};

/** The names of the groups and teams a user's access columns name (the fallback team's too), by id. */
function namesOf(row: AccessColumns): { groups: Map<string, string>; teams: Map<string, string> } {
  const groups = new Map<string, string>();
  const teams = new Map<string, string>();
  row.group_ids?.forEach((id, i) => groups.set(id, row.group_names![i]));
  row.team_ids?.forEach((id, i) => teams.set(id, row.team_names![i]));
  if (row.fallback_team_id) teams.set(row.fallback_team_id, row.fallback_team_name ?? '');
  return { groups, teams };
}

/** The rule's inputs from a user's access columns: mappings by source, and the fallback team. */
function toInputs(row: AccessColumns): AccessInputs {
  const names = namesOf(row);
  const groupMappings = new Map<string, MappingGrant>();
  let defaultMapping: MappingGrant | null = null;
  const groupIds = row.grant_group_ids ?? [];
  for (let i = 0; i < groupIds.length; i += 1) {
    // A group has at most one mapping, the tenant one default mapping: the group (or none) names the mapping.
    const groupId = groupIds[i];
    let mapping: MappingGrant | null | undefined = groupId ? groupMappings.get(groupId) : defaultMapping;
    if (!mapping) {
      const source: GrantSource = groupId ? { kind: 'group', groupId, groupName: names.groups.get(groupId) ?? '' } : { kind: 'default' };
      mapping = { source, globalLevel: row.grant_global_levels![i], teams: [] };
      if (groupId) groupMappings.set(groupId, mapping);
      else defaultMapping = mapping;
    }
    const teamId = row.grant_team_ids![i];
    const level = row.grant_levels![i];
    if (teamId && level) mapping.teams.push({ teamId, teamName: names.teams.get(teamId) ?? '', level });
  }
  return {
    active: row.active,
    groupMappings: [...groupMappings.values()],
    defaultMapping,
    fallbackTeam: row.fallback_team_id ? { teamId: row.fallback_team_id, teamName: row.fallback_team_name ?? '' } : null,
  };
}

/** Adds the groups and teams a user's access columns name to `named`. */
function collectNames(tenantId: string, row: AccessColumns, named: CollectedNames): void {
  row.group_ids?.forEach((id, i) => {
    if (named.groups.has(id)) return;
    named.groups.set(id, new LazilyDatedGroup(id, tenantId, row.group_names![i], row.group_external_ids![i], row.group_created_at![i], row.group_updated_at![i]));
  });
  const team = (id: string, name: string | null, createdAt: string | Date | null) => {
    if (createdAt !== null && !named.teams.has(id)) named.teams.set(id, { id, name: name ?? '', createdAt: new Date(createdAt) });
  };
  row.team_ids?.forEach((id, i) => team(id, row.team_names![i], row.team_created_at![i]));
  if (row.fallback_team_id) team(row.fallback_team_id, row.fallback_team_name, row.fallback_team_created_at);
}

/** Each user's inputs, the groups and teams their grants name collected into `named` when given. */
function inputsOfRows(rows: (AccessColumns & { id: string })[], named?: { tenantId: string; names: CollectedNames }): Map<string, AccessInputs> {
  const result = new Map<string, AccessInputs>();
  for (const row of rows) {
    if (named) collectNames(named.tenantId, row, named.names);
    result.set(row.id, toInputs(row));
  }
  return result;
}

/**
 * A group as USER_WITH_ACCESS reads it, its timestamps parsed when first read: an explanation usually shows
 * names only, and parsing 100 timestamps was a third of the JavaScript of a user in 50 mapped groups.
 */
class LazilyDatedGroup implements NamedGroup {
  private created: Date | undefined;
  private updated: Date | undefined;

  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly displayName: string,
    readonly externalId: string | null,
    private readonly createdText: string,
    private readonly updatedText: string,
  ) {}

  get createdAt(): Date {
    return (this.created ??= new Date(this.createdText));
  }

  get updatedAt(): Date {
    return (this.updated ??= new Date(this.updatedText));
  }
}

/** A user's inputs and what they name, from their mapped groups (as USER_WITH_ACCESS reads them) and their tenant's access data. */
function userInputs(tenantId: string, row: UserAccessColumns, tenant: TenantAccess): { inputs: AccessInputs; named: NamedInGrants } {
  const named: NamedInGrants = { groups: new Map(), teams: tenant.teams };
  const groupMappings: MappingGrant[] = [];
  const ids = row.group_ids ?? [];
  for (let i = 0; i < ids.length; i += 1) {
    const id = ids[i];
    // Read in the same snapshot as the version the tenant's data is of: a group mapped there is mapped here,
    // and named as it is here.
    const mapping = tenant.groupMappings.get(id);
    if (!mapping) continue;
    const group: NamedGroup = row.group_names
      ? new LazilyDatedGroup(id, tenantId, row.group_names[i], row.group_external_ids![i], row.group_created_at![i], row.group_updated_at![i])
      : tenant.groups.get(id)!;
    named.groups.set(id, group);
    groupMappings.push({ source: { kind: 'group', groupId: id, groupName: group.displayName }, globalLevel: mapping.globalLevel, teams: mapping.teams as MappingGrant['teams'] });
  }
  const defaultMapping = tenant.defaultMapping && { source: { kind: 'default' as const }, globalLevel: tenant.defaultMapping.globalLevel, teams: tenant.defaultMapping.teams as MappingGrant['teams'] };
  return { inputs: { active: row.active, groupMappings, defaultMapping, fallbackTeam: tenant.fallbackTeam }, named };
}

/** The access columns of several users of one tenant (validated UUIDs), in one statement. */
async function accessRows(sql: SqlClient, tenantId: string, userIds: string[]): Promise<(AccessColumns & { id: string })[]> {
  if (userIds.length === 0) return [];
  // A malformed id would be a cast error in PostgreSQL; callers check ids from outside, this catches slips.
  if (!userIds.every(isUuid)) throw new Error('accessOfUsers takes validated uuids only');
  return userIds.length === 1
    ? sql.query<AccessColumns & { id: string }>(ACCESS_OF_USER, [tenantId, userIds[0]])
    : sql.query<AccessColumns & { id: string }>(ACCESS_OF_USERS, [tenantId, userIds]);
}

const count = async (em: EntityManager, statement: PreparedStatement, values: unknown[]) =>
  (await queryPrepared<{ n: number }>(em, statement, values))[0].n;

/** All SQL of access: permission mappings, their team grants, and what users' access is read from. */
export const accessRepository = {
  /**
   * What the access rule needs for each of several users of one tenant, in one statement on `em`'s connection
   * (its transaction's when it is in one); users that do not exist are absent.
   */
  async inputsOf(em: EntityManager, tenantId: string, userIds: string[]): Promise<Map<string, AccessInputs>> {
    return inputsOfRows(await accessRows(driverSql(em), tenantId, userIds));
  },

  /**
   * As `inputsOf`, outside a transaction, with the groups and teams the grants name (to explain them): one
   * statement, no ORM fork.
   */
  async explainedInputsOf(sql: SqlClient, tenantId: string, userIds: string[]): Promise<{ inputs: Map<string, AccessInputs>; named: NamedInGrants }> {
    const named: CollectedNames = { groups: new Map(), teams: new Map() };
    return { inputs: inputsOfRows(await accessRows(sql, tenantId, userIds), { tenantId, names: named }), named };
  },

  /**
   * A live user of the tenant (as the user repository reads one), what the access rule needs for them and the
   * groups and teams their grants name, in one statement; null when there is none.
   */
  async userWithInputs(
    sql: SqlClient,
    tenantId: string,
    userId: string,
    groupsRead: GroupsRead,
  ): Promise<{ user: User; inputs: AccessInputs; named: NamedInGrants } | null> {
    if (!isUuid(userId)) return null;
    if (tenantAccessCache.isTooLarge(tenantId)) {
      // The user's row, then their access as the statements of several users read it (their mappings only).
      const [row] = await sql.query<UserAccessColumns & Record<string, unknown>>(USER_WITH_ACCESS, [tenantId, userId, NOT_HELD]);
      if (!row) return null;
      const { inputs, named } = await this.explainedInputsOf(sql, tenantId, [userId]);
      const userInputs = inputs.get(userId);
      return userInputs ? { user: userFromRow(row), inputs: userInputs, named } : null;
    }
    // Taken before the statement: the statement's answer is relative to this copy, whatever is cached meanwhile.
    const held = tenantAccessCache.get(tenantId);
    const statement = groupsRead === 'with-timestamps' ? USER_WITH_ACCESS_AND_GROUP_ROWS : USER_WITH_ACCESS;
    const [row] = await sql.query<UserAccessColumns & Record<string, unknown>>(statement, [tenantId, userId, held?.version ?? NO_VERSION]);
    if (!row) return null;
    let tenant = held;
    if (row.tenant_access) {
      tenant = tenantAccessFrom(tenantId, row.access_version, row.tenant_access);
      tenantAccessCache.offer(tenantId, tenant);
    }
    return { user: userFromRow(row), ...userInputs(tenantId, row, tenant!) };
  },

  /** How many users have access to a team right now. */
  usersWithTeamCount(em: EntityManager, tenantId: string, teamId: string): Promise<number> {
    return count(em, COUNT_WITH_TEAM, [tenantId, teamId]);
  },

  /** Up to `limit` users with access to a team by lower(userName), after `afterUserName` when given. */
  async usersWithTeam(em: EntityManager, tenantId: string, teamId: string, limit: number, afterUserName?: string): Promise<User[]> {
    const rows =
      afterUserName === undefined
        ? await queryPrepared<Record<string, unknown>>(em, WITH_TEAM_FIRST(em), [tenantId, teamId, limit])
        : await queryPrepared<Record<string, unknown>>(em, WITH_TEAM_AFTER(em), [tenantId, teamId, afterUserName, limit]);
    return rows.map((row) => em.map(User, row as never));
  },

  /** The groups and teams of the tenant among these ids (ids that are not UUIDs match nothing). */
  async named(em: EntityManager, tenantId: string, groupIds: string[], teamIds: string[]): Promise<NamedRow[]> {
    const rows = await queryPrepared<{ kind: 'group' | 'team'; id: string; name: string; external_id: string | null; created_at: Date; updated_at: Date }>(
      em,
      NAMED,
      [tenantId, groupIds.filter(isUuid), teamIds.filter(isUuid)],
    );
    return rows.map((r) => ({ kind: r.kind, id: r.id, name: r.name, externalId: r.external_id, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at) }));
  },

  /** Every mapping of the tenant: the default first, then by group name, teams by name. */
  async mappings(em: EntityManager, tenantId: string): Promise<MappingView[]> {
    const rows = await queryPrepared<{
      group_id: string | null;
      group_name: string | null;
      global_level: PermissionLevel;
      updated_at: Date;
      team_id: string | null;
      team_name: string | null;
      level: PermissionLevel | null;
    }>(em, MAPPINGS, [tenantId]);
    const views = new Map<string, MappingView>();
    for (const row of rows) {
      const key = row.group_id ?? 'default';
      const view = views.get(key) ?? { groupId: row.group_id, groupName: row.group_name, globalLevel: row.global_level, teams: [], updatedAt: new Date(row.updated_at) };
      if (row.team_id && row.level) view.teams.push({ teamId: row.team_id, teamName: row.team_name ?? '', level: row.level });
      views.set(key, view);
    }
    return [...views.values()];
  },

  /** Holds the tenant's mappings for this transaction (see LOCK_MAPPINGS). */
  async lockMappings(em: EntityManager, tenantId: string): Promise<void> {
    await queryPrepared(em, LOCK_MAPPINGS, [tenantId]);
  },

  /** The mapping of a group, or the default mapping (`groupId` null), as an entity of `em`. */
  mappingOf(em: EntityManager, tenantId: string, groupId: string | null): Promise<PermissionMapping | null> {
    return em.findOne(PermissionMapping, { tenantId, groupId });
  },

  teamGrantsOf(em: EntityManager, mappingId: string): Promise<MappingTeamGrant[]> {
    return em.find(MappingTeamGrant, { mappingId });
  },

  groupMappingCount(em: EntityManager, tenantId: string): Promise<number> {
    return count(em, GROUP_MAPPING_COUNT, [tenantId]);
  },

  /** Whether the group has a mapping (then a change of its members can change their access). */
  async groupHasMapping(em: EntityManager, tenantId: string, groupId: string): Promise<boolean> {
    return (await queryPrepared(em, GROUP_HAS_MAPPING, [tenantId, groupId])).length > 0;
  },

  /**
   * Writes what a group (or the default, `groupId` null) grants over `existing` (its mapping, or null for a
   * new one), replacing every team grant; in the transaction of `em`.
   */
  async saveMapping(
    em: EntityManager,
    tenantId: string,
    groupId: string | null,
    existing: PermissionMapping | null,
    mapping: { globalLevel: PermissionLevel; teams: { teamId: string; level: PermissionLevel }[] },
  ): Promise<void> {
    const row = existing ?? em.create(PermissionMapping, { tenantId, groupId, globalLevel: mapping.globalLevel });
    row.globalLevel = mapping.globalLevel;
    row.updatedAt = new Date();
    await em.flush();
    await em.nativeDelete(MappingTeamGrant, { mappingId: row.id });
    // Inserted natively: a grant the writer read before (its "old" side) is still in the identity map, and
    // em.create of the same key merged into it (unchanged, so never inserted again: the grant was lost).
    if (mapping.teams.length > 0) {
      await em.insertMany(MappingTeamGrant, mapping.teams.map((grant) => ({ mappingId: row.id, teamId: grant.teamId, tenantId, level: grant.level })));
    }
  },

  /** Deletes a mapping (its team grants go with it: ON DELETE CASCADE). */
  async deleteMapping(em: EntityManager, mapping: PermissionMapping): Promise<void> {
    await em.nativeDelete(PermissionMapping, { id: mapping.id, tenantId: mapping.tenantId });
  },

  /** Active members of a group: those whose access its mapping decides. */
  activeMembersCount(em: EntityManager, tenantId: string, groupId: string): Promise<number> {
    return count(em, ACTIVE_MEMBERS_COUNT, [tenantId, groupId]);
  },

  /** Active users whose groups grant nothing: those the default mapping and fallback team apply to. */
  usersOnDefaultCount(em: EntityManager, tenantId: string): Promise<number> {
    return count(em, ON_DEFAULT_COUNT, [tenantId]);
  },

  /** A group of the tenant (whose mapping is read or written), or null. */
  groupOf(em: EntityManager, tenantId: string, groupId: string): Promise<IdpGroup | null> {
    return rowById(em, IdpGroup, tenantId, groupId);
  },

  /** The tenant whose fallback team is read or changed, as an entity of `em` (a change flushes with it). */
  tenantOf(em: EntityManager, tenantId: string): Promise<Tenant> {
    return em.findOneOrFail(Tenant, { id: tenantId });
  },
};
