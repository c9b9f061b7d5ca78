import { eventInsert } from '../events/event.repository';
import type { DirectorySearch, SearchResult } from '../directory/attribute-filter';
import { searchRows } from '../../db/search-sql';
import { named, type SqlClient, type Statement } from '../shared/sql-client';
import type { Scope } from '../shared/scope';
import type { EntityManager } from '@mikro-orm/postgresql';
import { escapeLike, isNullForIdLookup, isUuid, uuidArray } from '../shared/sql';
import { User } from '../users/user.entity';
import { rowById } from '../../db/row-by-id';
import { GROUP_CATALOG } from './group-catalog';
import { IdpGroup } from './idp-group.entity';

const GROUP_COLUMNS = ['id', 'tenant_id', 'display_name', 'external_id', 'extensions', 'version', 'created_at', 'updated_at'] as const;
/** The columns of a group row, from `idp_groups g`. */
export const GROUP_SELECTED = GROUP_COLUMNS.map((c) => `g.${c}`).join(', ');
const SELECTED = GROUP_SELECTED;

/** A group from a row of `idp_groups` (timestamps arrive as text from the driver). */
export function groupFromRow(row: Record<string, unknown>): IdpGroup {
  // A plain object: the ORM's accessors on the entity's prototype would run for every property set.
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    displayName: row.display_name as string,
    externalId: row.external_id as string | null,
    extensions: row.extensions as IdpGroup['extensions'],
    version: row.version as number,
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
  } as IdpGroup;
}

/** What a one-statement membership change did, or why it did nothing. */
export type MembershipOutcome =
  | { kind: 'noGroup' }
  /** The group grants access through a mapping: the change must compute ACCESS_CHANGED (the transactional path). */
  | { kind: 'mapped' }
  | { kind: 'versionMismatch'; version: number }
  | { kind: 'unknownUsers'; found: string[] }
  | { kind: 'done'; group: IdpGroup; count: number };

/**
 * The group row locked first (`wanted` reads through it, so the users are held only after it: batches of one
 * group apply one after the other instead of meeting on its row halfway), the checks that must
 * hold before anything is written, then `change` (a CTE named `changed` returning `user_id`), the group's
 * version bumped and its event, all in one statement. `$1` group, `$2` tenant, `$3` user ids, `$4` If-Match
 * version or null, `$5` how many of the users must exist (adding) or null.
 */
const membershipText = (change: string, events: string) => `with target as (
  select ${SELECTED} from idp_groups g where g.id = $1 and g.tenant_id = $2 for update),
mapped as (select exists (select 1 from permission_mappings where tenant_id = $2 and group_id = $1) as yes),
wanted as (
  select u.id from target t join users u on u.tenant_id = t.tenant_id
   where $5::int is not null and u.id = any($3::uuid[]) and ${isNullForIdLookup('u.deleted_at')}
   order by u.id for key share of u),
allowed as (
  select t.id, t.display_name from target t, mapped m
   where not m.yes and ($4::int is null or t.version = $4) and ($5::int is null or (select count(*) from wanted) = $5)),
changed as (${change}),
bumped as (
  update idp_groups set version = version + 1, updated_at = now()
   where id = (select id from allowed) and exists (select 1 from changed) returning version, updated_at),
tally as (select count(*)::int as n, jsonb_agg(user_id) as ids from changed),
logged as (${events})
select t.*, (select yes from mapped) as mapped, (select count(*)::int from wanted) as found_count,
       (select case when count(*) = $5 then null else array_agg(id) end from wanted) as found,
       (select n from tally) as count, b.version as new_version, b.updated_at as new_updated_at
  from target t left join bumped b on true`;

/**
 * The users `wanted` found, counted and held are all this inserts; it says so to the trigger that stands for the
 * memberships' keys (migration 20261202100000), for this statement alone, so that it does not look each up again.
 */
const ADD_CHANGE = `insert into group_memberships (group_id, user_id, tenant_id, created_at)
  select a.id, w.id, $2, now() from allowed a cross join wanted w
   where (select set_config('portico.members_held', statement_timestamp()::text, true)) is not null
  on conflict do nothing returning user_id`;
const REMOVE_CHANGE = `delete from group_memberships m using allowed a
  where m.group_id = a.id and m.tenant_id = $2 and m.user_id = any($3::uuid[]) returning m.user_id`;

function membershipStatement(scope: Scope, kind: 'add' | 'remove', groupId: string): { statement: Statement; values: unknown[] } {
  const adding = kind === 'add';
  const event = eventInsert(
    scope,
    [{ type: adding ? 'GROUP_MEMBERS_ADDED' : 'GROUP_MEMBERS_REMOVED', subjectType: 'GROUP', subjectId: groupId }],
    6,
    'allowed a, tally x where x.n > 0',
    {
      summary: `x.n || ' member(s) ${adding ? 'added to' : 'removed from'} ' || a.display_name`,
      changes: adding
        ? `jsonb_build_array(jsonb_build_object('attribute', 'members', 'old', null, 'new', x.ids))`
        : `jsonb_build_array(jsonb_build_object('attribute', 'members', 'old', x.ids, 'new', null))`,
    },
  );
  return { statement: named(`group_members_${kind}`, membershipText(adding ? ADD_CHANGE : REMOVE_CHANGE, event.sql)), values: event.values };
}

/**
 * The memberships are read by the groups' key, then each member's row by its id: the planner may not start from
 * the users instead. It did, on a directory just loaded (statistics from when `users` was nearly empty say a
 * handful of live users): every live user of the database was probed for a membership, 20 ms for one group of 500.
 * OFFSET 0 keeps the member's lookup a lookup; the tombstone check stays outside it, where no partial index of
 * live users can stand in for the key (a walk of them per member, on such statistics).
 */
const MEMBERS_OF_GROUPS = named(
  'members_of_groups',
  `select m.group_id, m.user_id, u.display_name
  from group_memberships m
  cross join lateral (select u.display_name, u.deleted_at from users u where u.id = m.user_id offset 0) u
 where m.group_id = any($1::uuid[]) and m.tenant_id = $2 and u.deleted_at is null
 order by m.created_at, m.user_id limit $3`,
);

const BY_ID = named('group_by_id', `select ${SELECTED} from idp_groups g where g.id = $1 and g.tenant_id = $2`);

/** All SQL of groups and their memberships: the hot paths one statement each, values as parameters. */
export const groupRepository = {
  /** A page of a tenant's groups by display name (case-insensitive) after `after`, with the total `search` keeps. */
  async listPage(em: EntityManager, tenantId: string, search: string | undefined, after: string | null, size: number): Promise<{ groups: IdpGroup[]; count: number }> {
    const knex = em.getKnex();
    const filtered = knex('idp_groups').where('tenant_id', tenantId);
    if (search) filtered.andWhereILike('display_name', `%${escapeLike(search)}%`);
    const rowsQuery = filtered.clone().select(GROUP_COLUMNS).orderByRaw('lower(display_name) asc').limit(size + 1);
    if (after !== null) rowsQuery.andWhereRaw('lower(display_name) > ?', [after]);
    const [rows, [{ count }]] = await Promise.all([em.execute(rowsQuery), em.execute(filtered.clone().count({ count: '*' }))]);
    return { groups: rows.map(groupFromRow), count: Number(count) };
  },

  /** A page of a group's live members by userName after `after`, with their total; never the whole membership. */
  async membersPage(em: EntityManager, tenantId: string, groupId: string, after: string | null, size: number): Promise<{ users: User[]; count: number }> {
    const knex = em.getKnex();
    const members = knex('users as u').join('group_memberships as m', 'm.user_id', 'u.id').where({ 'm.group_id': groupId, 'u.tenant_id': tenantId }).whereNull('u.deleted_at');
    const rowsQuery = members.clone().select('u.*').orderByRaw('lower(u.user_name) asc').limit(size + 1);
    if (after !== null) rowsQuery.andWhereRaw('lower(u.user_name) > ?', [after]);
    const [rows, [{ count }]] = await Promise.all([em.execute(rowsQuery), em.execute(members.clone().count({ count: '*' }))]);
    return { users: rows.map((row) => em.map(User, row)), count: Number(count) };
  },

  /** The group by id held until commit, as an entity `em` tracks (changes to it flush); null when there is none. */
  lockTracked(em: EntityManager, tenantId: string, id: string): Promise<IdpGroup | null> {
    return rowById(em, IdpGroup, tenantId, id, { lock: true });
  },

  /** Several groups of a tenant by id (missing ones left out); `ids` must be UUIDs. */
  findMany(em: EntityManager, tenantId: string, ids: string[]): Promise<IdpGroup[]> {
    return em.find(IdpGroup, { tenantId, id: { $in: ids } });
  },

  /** The group's members, but those in `keep` (UUIDs). */
  async memberIdsExcept(em: EntityManager, groupId: string, keep: string[]): Promise<string[]> {
    const rows = await em.execute<{ user_id: string }[]>('select user_id from group_memberships where group_id = ? and user_id <> all(?::uuid[])', [groupId, uuidArray(keep)]);
    return rows.map((row) => row.user_id);
  },

  /**
   * Holds the tenant's users `ids` (UUIDs) until commit, in id order (so two such transactions never deadlock):
   * concurrent membership changes of the same users apply one after the other.
   */
  async lockUsers(em: EntityManager, tenantId: string, ids: string[]): Promise<void> {
    await em.execute('select id from users where id = any(?::uuid[]) and tenant_id = ? order by id for no key update', [uuidArray(ids), tenantId]);
  },

  /**
   * Live members (id and display name) of the tenant's groups, in membership order, at most `limit` rows in all. A
   * tombstone is left out: burying a user removes its memberships, but one added by a transaction that committed
   * after the burial's removal (a member add holds the user with KEY SHARE, which a burial's update does not wait
   * for) stays.
   */
  membersOfGroups(sql: SqlClient, tenantId: string, groupIds: string[], limit?: number): Promise<{ group_id: string; user_id: string; display_name: string | null }[]> {
    // LIMIT NULL is no limit.
    return sql.query(MEMBERS_OF_GROUPS, [uuidArray(groupIds), tenantId, limit ?? null]);
  },

  /**
   * The live users among `ids` (UUIDs), held with KEY SHARE until commit: a concurrent DELETE of one of them waits
   * for this transaction instead of invalidating the membership rows it is about to insert.
   */
  async holdLiveUsers(em: EntityManager, tenantId: string, ids: string[]): Promise<string[]> {
    const rows = await em.execute<{ id: string }[]>(
      `select id from users where id = any(?::uuid[]) and tenant_id = ? and ${isNullForIdLookup('deleted_at')} order by id for key share`,
      [uuidArray(ids), tenantId],
    );
    return rows.map((row) => row.id);
  },

  /** Adds the live users `ids` (UUIDs) to the group; those already members are left alone. Returns who was added. */
  async insertMembers(em: EntityManager, tenantId: string, groupId: string, ids: string[]): Promise<string[]> {
    const rows = await em.execute<{ user_id: string }[]>(
      `insert into group_memberships (group_id, user_id, tenant_id, created_at)
       select ?, id, tenant_id, now() from users where id = any(?::uuid[]) and tenant_id = ? and ${isNullForIdLookup('deleted_at')}
       on conflict do nothing
       returning user_id`,
      [groupId, uuidArray(ids), tenantId],
    );
    return rows.map((row) => row.user_id);
  },

  /** Removes exactly the listed members (UUIDs). Returns who was removed. */
  async deleteMembers(em: EntityManager, tenantId: string, groupId: string, ids: string[]): Promise<string[]> {
    const rows = await em.execute<{ user_id: string }[]>(
      'delete from group_memberships where group_id = ? and tenant_id = ? and user_id = any(?::uuid[]) returning user_id',
      [groupId, tenantId, uuidArray(ids)],
    );
    return rows.map((row) => row.user_id);
  },

  async findById(sql: SqlClient, tenantId: string, id: string): Promise<IdpGroup | null> {
    if (!isUuid(id)) return null;
    const [row] = await sql.query<Record<string, unknown>>(BY_ID, [id, tenantId]);
    return row ? groupFromRow(row) : null;
  },

  /**
   * Adds (or removes) members of a group with GROUP_MEMBERS_ADDED (REMOVED) in one statement. Nothing is
   * written unless the group exists, has no permission mapping, is at `ifVersion` when given, and (adding)
   * every user exists in the tenant. `userIds` must be UUIDs, without repeats.
   */
  async changeMembers(sql: SqlClient, scope: Scope, kind: 'add' | 'remove', groupId: string, userIds: string[], ifVersion: number | undefined): Promise<MembershipOutcome> {
    const { statement, values } = membershipStatement(scope, kind, groupId);
    const rows = await sql.query<Record<string, unknown>>(statement, [groupId, scope.tenantId, userIds, ifVersion ?? null, kind === 'add' ? userIds.length : null, ...values]);
    const row = rows[0];
    if (!row) return { kind: 'noGroup' };
    if (row.mapped) return { kind: 'mapped' };
    const group = groupFromRow(row);
    if (ifVersion !== undefined && group.version !== ifVersion) return { kind: 'versionMismatch', version: group.version };
    // The users found come back only when some are missing: a PostgreSQL array of 100 ids costs more to parse
    // than the rest of the row.
    if (kind === 'add' && row.found_count !== userIds.length) return { kind: 'unknownUsers', found: (row.found as string[] | null) ?? [] };
    if (row.new_version !== null && row.new_version !== undefined) {
      group.version = row.new_version as number;
      group.updatedAt = new Date(row.new_updated_at as string);
    }
    return { kind: 'done', group, count: (row.count as number | null) ?? 0 };
  },

  /** A SCIM-style search in one statement: the true total and the page. */
  async search(sql: SqlClient, tenantId: string, search: DirectorySearch): Promise<SearchResult<IdpGroup>> {
    const { total, rows } = await searchRows(sql, { table: 'idp_groups', alias: 'g', columns: SELECTED }, tenantId, search, GROUP_CATALOG);
    return { totalResults: total, items: rows.map(groupFromRow) };
  },
};
