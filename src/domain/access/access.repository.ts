import type { EntityManager } from '@mikro-orm/postgresql';
import { IdpGroup } from '../groups/idp-group.entity';
import { Tenant } from '../tenants/tenant.entity';
import { columnsOf } from '../../db/entity-columns';
import type { PermissionLevel } from '../shared/permission-level';
import { queryPrepared, type PreparedStatement } from '../../db/prepared-query';
import { rowById } from '../../db/row-by-id';
import { isUuid } from '../shared/sql';
import { User } from '../users/user.entity';
import type { AccessInputs, MappingGrant } from './access-rules';
import { MappingTeamGrant, PermissionMapping } from './permission-mapping.entity';

/** Groups and teams that grants name, as the access statements already read them. */
export interface NamedInGrants {
  groups: Map<string, { id: string; displayName: string; externalId: string | null; createdAt: Date; updatedAt: Date }>;
  teams: Map<string, { id: string; name: string; createdAt: Date }>;
}

/** A mapping as stored, with the names of its group and teams. */
export interface MappingView {
  groupId: string | null;
  groupName: string | null;
  globalLevel: PermissionLevel;
  teams: { teamId: string; teamName: string; level: PermissionLevel }[];
  updatedAt: Date;
}

/** A group or a team of the tenant, as `named` reads it. */
export interface NamedRow {
  kind: 'group' | 'team';
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One mapping that applies to a user with one of its team grants (or none), an element of `grants`: a JSON
 * array by position, not an object, so that a hundred of them do not repeat eleven keys each. Timestamps come
 * as JSON renders them (ISO 8601 with the offset): converting them to epoch numbers cost PostgreSQL more than
 * `new Date` costs here.
 */
type GrantTuple = [
  mappingId: string,
  groupId: string | null,
  globalLevel: PermissionLevel,
  groupName: string | null,
  groupExternalId: string | null,
  groupCreatedAt: string | null,
  groupUpdatedAt: string | null,
  teamId: string | null,
  teamName: string | null,
  teamCreatedAt: string | null,
  level: PermissionLevel | null,
];

/** What the access statements read for a user besides their own columns. */
interface AccessColumns {
  active: boolean;
  fallback_team_id: string | null;
  fallback_team_name: string | null;
  fallback_team_created_at: Date | null;
  grants: GrantTuple[];
}


/**
 * The access columns of user `u`: the tenant's fallback team, and every mapping of the groups they belong to
 * and the default mapping, each with its team grants and the names an explanation shows, aggregated into one
 * JSON value: one row per user, where one row per grant made a user in 50 mapped groups a hundred rows.
 */
const ACCESS_COLUMNS = `
       t.fallback_team_id, ft.name as fallback_team_name, ft.created_at as fallback_team_created_at,
       (select coalesce(json_agg(json_build_array(
                 pm.id, pm.group_id, pm.global_level,
                 g.display_name, g.external_id, g.created_at, g.updated_at,
                 tg.team_id, tm.name, tm.created_at, tg.level)), '[]')
          from permission_mappings pm
          left join idp_groups g on g.id = pm.group_id
          left join mapping_team_grants tg on tg.mapping_id = pm.id
          left join teams tm on tm.id = tg.team_id
         where pm.tenant_id = u.tenant_id
           and (pm.group_id is null
                or exists (select 1 from group_memberships m where m.group_id = pm.group_id and m.user_id = u.id))) as grants
  from users u
  join tenants t on t.id = u.tenant_id
  left join teams ft on ft.id = t.fallback_team_id`;

/**
 * Prepared, as every statement here (planning the access statement costs more than running it); `$1` is
 * always the tenant. Tombstones included: deleting and restoring a user compare its access around the change.
 * One user by `=`, several by `any`: PostgreSQL plans `any` of an array anew on every execution (its generic
 * plan cannot know the array's length), which costs more than running it; `=` keeps one plan per connection.
 */
const ACCESS_OF_USER: PreparedStatement = {
  name: 'portico_access_of_user_v1',
  text: `select u.id, u.active, ${ACCESS_COLUMNS}
          where u.tenant_id = $1 and u.id = $2`,
};
const ACCESS_OF_USERS: PreparedStatement = {
  name: 'portico_access_of_users_v2',
  text: `select u.id, u.active, ${ACCESS_COLUMNS}
          where u.tenant_id = $1 and u.id = any($2::uuid[])`,
};

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

/** A live user's row and its access: `user(id) { access }` in one round trip. */
const userWithAccess = lazily((em) => ({
  name: 'portico_user_with_access_v1',
  text: `select ${userColumns(em)}, ${ACCESS_COLUMNS}
          where u.tenant_id = $1 and u.id = $2 and u.deleted_at is null`,
}));

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

/** The rule's inputs from a user's access columns: mappings by source, and the fallback team. */
function toInputs(row: AccessColumns): AccessInputs {
  const groupMappings = new Map<string, MappingGrant>();
  let defaultMapping: MappingGrant | null = null;
  for (const [mappingId, groupId, globalLevel, groupName, , , , teamId, teamName, , level] of row.grants) {
    let mapping: MappingGrant | null | undefined = groupId ? groupMappings.get(mappingId) : defaultMapping;
    if (!mapping) {
      mapping = { source: groupId ? { kind: 'group', groupId, groupName: groupName ?? '' } : { kind: 'default' }, globalLevel, teams: [] };
      if (groupId) groupMappings.set(mappingId, mapping);
      else defaultMapping = mapping;
    }
    if (teamId && level) mapping.teams.push({ teamId, teamName: teamName ?? '', level });
  }
  return {
    active: row.active,
    groupMappings: [...groupMappings.values()],
    defaultMapping,
    fallbackTeam: row.fallback_team_id ? { teamId: row.fallback_team_id, teamName: row.fallback_team_name ?? '' } : null,
  };
}

/** Adds the groups and teams a user's access columns name to `named`. */
function collectNames(row: AccessColumns, named: NamedInGrants): void {
  const team = (id: string, name: string | null, createdAt: string | Date | null) => {
    if (createdAt !== null && !named.teams.has(id)) named.teams.set(id, { id, name: name ?? '', createdAt: new Date(createdAt) });
  };
  for (const [, groupId, , groupName, externalId, createdAt, updatedAt, teamId, teamName, teamCreatedAt] of row.grants) {
    if (groupId && createdAt !== null && updatedAt !== null && !named.groups.has(groupId)) {
      named.groups.set(groupId, { id: groupId, displayName: groupName ?? '', externalId, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) });
    }
    if (teamId) team(teamId, teamName, teamCreatedAt);
  }
  if (row.fallback_team_id) team(row.fallback_team_id, row.fallback_team_name, row.fallback_team_created_at);
}

const count = async (em: EntityManager, statement: PreparedStatement, values: unknown[]) =>
  (await queryPrepared<{ n: number }>(em, statement, values))[0].n;

/** All SQL of access: permission mappings, their team grants, and what users' access is read from. */
export const accessRepository = {
  /**
   * What the access rule needs for each of several users of one tenant, in one statement; users that do not
   * exist are absent. With `named`, the groups and teams the grants name are collected into it.
   */
  async inputsOf(em: EntityManager, tenantId: string, userIds: string[], named?: NamedInGrants): Promise<Map<string, AccessInputs>> {
    const result = new Map<string, AccessInputs>();
    if (userIds.length === 0) return result;
    // A malformed id would be a cast error in PostgreSQL; callers check ids from outside, this catches slips.
    if (!userIds.every(isUuid)) throw new Error('accessOfUsers takes validated uuids only');
    const rows =
      userIds.length === 1
        ? await queryPrepared<AccessColumns & { id: string }>(em, ACCESS_OF_USER, [tenantId, userIds[0]])
        : await queryPrepared<AccessColumns & { id: string }>(em, ACCESS_OF_USERS, [tenantId, userIds]);
    for (const row of rows) {
      if (named) collectNames(row, named);
      result.set(row.id, toInputs(row));
    }
    return result;
  },

  /** A live user of the tenant and what the access rule needs for them, in one statement; null when there is none. */
  async userWithInputs(em: EntityManager, tenantId: string, userId: string, named: NamedInGrants): Promise<{ user: User; inputs: AccessInputs } | null> {
    if (!isUuid(userId)) return null;
    const [row] = await queryPrepared<AccessColumns & Record<string, unknown>>(em, userWithAccess(em), [tenantId, userId]);
    if (!row) return null;
    const { fallback_team_id, fallback_team_name, fallback_team_created_at, grants, ...columns } = row;
    const access: AccessColumns = { active: row.active, fallback_team_id, fallback_team_name, fallback_team_created_at, grants };
    collectNames(access, named);
    return { user: em.map(User, columns as never), inputs: toInputs(access) };
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
    for (const grant of mapping.teams) em.create(MappingTeamGrant, { mappingId: row.id, teamId: grant.teamId, tenantId, level: grant.level });
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
