import type { EntityManager } from '@mikro-orm/postgresql';
import { eventInsert } from '../events/event.repository';
import type { EventInput } from '../events/event-row';
import { CORE_USER_SCHEMA, type DirectorySearch, type SearchResult } from '../directory/attribute-filter';
import { searchRows } from '../../db/search-sql';
import { named, type SqlClient, type Statement } from '../shared/sql-client';
import type { Scope } from '../shared/scope';
import { escapeLike, isNotNullForIdLookup, isNullForIdLookup, isUuid } from '../shared/sql';
import { insertRow } from '../../db/insert-row';
import { USER_CATALOG } from './user-catalog';
import { GROUP_SELECTED, groupFromRow } from '../groups/group.repository';
import type { IdpGroup } from '../groups/idp-group.entity';
import { User } from './user.entity';
import { TRACKED_USER_ATTRIBUTES } from './user-rules';

type ColumnType = 'uuid' | 'text' | 'boolean' | 'jsonb' | 'integer' | 'timestamptz';

/** A property of User and its column (the ORM's naming: snake case), with the type its parameters are cast to. */
interface UserColumn {
  property: keyof User & string;
  column: string;
  type: ColumnType;
}

const JSON_PROPERTIES = new Set<string>(['emails', 'phoneNumbers', 'addresses', 'photos', 'extensions', 'deletedGroupIds']);
const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const typeOf = (property: string): ColumnType => {
  if (JSON_PROPERTIES.has(property)) return 'jsonb';
  if (property === 'id' || property === 'tenantId') return 'uuid';
  if (property === 'active') return 'boolean';
  if (property === 'version') return 'integer';
  if (property.endsWith('At')) return 'timestamptz';
  return 'text';
};
const column = (property: keyof User & string): UserColumn => ({ property, column: snakeCase(property), type: typeOf(property) });

/** The attributes a client sets: written by every insert and every change. */
const ATTRIBUTE_COLUMNS = TRACKED_USER_ATTRIBUTES.map(column);
/** Every persisted property of User, in select order. */
const USER_COLUMNS: UserColumn[] = [
  column('id'),
  column('tenantId'),
  ...ATTRIBUTE_COLUMNS,
  column('source'),
  column('photoEtag'),
  column('idpObjectId'),
  column('version'),
  column('createdAt'),
  column('updatedAt'),
  column('deletedAt'),
  column('deletedGroupIds'),
];
/**
 * Column names, never `*`: a column a later migration adds must not change a prepared statement's result type.
 * What `userFromRow` reads, as `u.<column>`.
 */
export const USER_SELECTED = USER_COLUMNS.map((c) => `u.${c.column}`).join(', ');
const SELECTED = USER_SELECTED;
const SELECTED_PLAIN = USER_COLUMNS.map((c) => c.column);

const WINDOW = `interval '1 hour'`;

/**
 * Whether a burst was raised within the hour, and how many distinct users were deleted or deactivated in it (0
 * once raised: the rest of a burst is not counted again and again, each change reading every event before it).
 * Unnamed, so planned for the log as it is: every index of the log leads with the tenant, and the plan a named
 * statement keeps, made while the log was nearly empty, walked all of the tenant's events to find the hour's.
 */
const WINDOW_STATE: Statement = {
  text: `with state as (select exists (select 1 from provisioning_events where tenant_id = $1 and type = 'MASS_DEPROVISIONING' and occurred_at > now() - ${WINDOW}) as raised)
   select raised,
          case when raised then 0 else (select count(distinct subject_id)::int from provisioning_events
            where tenant_id = $1 and type in ('USER_DELETED', 'USER_DEACTIVATED') and occurred_at > now() - ${WINDOW}) end as deprovisioned
     from state`,
};

/** What a read of the deprovisioning events gives back (see `deprovisioningsSince`). */
export interface DeprovisioningsRead {
  /** Every transaction below it had ended when the read was made: its events, if committed, were read. */
  horizon: string;
  /** The database's `now()` in ms (the window is the hour before it). */
  now: number;
  events: { subjectId: string; mass: boolean; at: number; own: boolean }[];
}

const DEPROVISIONING_TYPES = `('USER_DELETED', 'USER_DEACTIVATED', 'MASS_DEPROVISIONING')`;
/** The horizon and clock of a read, and its deprovisioning events (and burst alarms) of the hour from `rows`. */
const deprovisioningsText = (rows: string) => `select h.horizon::text as horizon, (extract(epoch from now()) * 1000)::float8 as now, e.subject_id, e.type, e.at, e.own
   from (select pg_snapshot_xmin(pg_current_snapshot()) as horizon) h
   left join lateral (
     select subject_id, type, (extract(epoch from occurred_at) * 1000)::float8 as at, tx_id = pg_current_xact_id_if_assigned() as own
       from ${rows} e
      where e.type in ${DEPROVISIONING_TYPES} and e.occurred_at > now() - ${WINDOW}) e on true`;
/** The whole hour: unnamed, as WINDOW_STATE (see there). */
const DEPROVISIONINGS_OF_HOUR: Statement = { text: deprovisioningsText(`(select * from provisioning_events where tenant_id = $1 and type in ${DEPROVISIONING_TYPES} and occurred_at > now() - ${WINDOW})`) };
/**
 * Those of transactions from the horizon `$2` on: the rows the log gained since an earlier read, in log order from
 * `provisioning_events_tenant_feed` (the order makes the plan a named statement keeps take that index rather than
 * another that leads with the tenant and walks all its events; the fence keeps the type and time for after).
 */
const DEPROVISIONINGS_SINCE = named(
  'deprovisionings_since',
  deprovisioningsText(
    `(select subject_id, type, occurred_at, tx_id from provisioning_events where tenant_id = $1 and (tx_id, id) >= ($2::xid8, 0) order by tx_id, id offset 0)`,
  ),
);

/** Users at the start of the window (the live ones and those deleted during it), counted up to `$2` at most. */
const USERS_AT_WINDOW_START = named(
  'deprovisioning_users',
  `select count(*)::int as total from (
     select 1 from users where tenant_id = $1 and (deleted_at is null or deleted_at > now() - ${WINDOW}) limit $2) counted`,
);

const ONE_RAISER = named('deprovisioning_lock', `select pg_advisory_xact_lock(hashtextextended('portico:mass-deprovisioning:' || $1, 0))`);

/** A parameter value as node-postgres must get it: JSON columns as JSON text (an array would become a PostgreSQL array). */
const parameter = (c: UserColumn, value: unknown) => (c.type === 'jsonb' && value !== null && value !== undefined ? JSON.stringify(value) : value);

/**
 * A User from a row of `users` (the driver's values: timestamps arrive as text). Not an entity the ORM tracks:
 * these paths write with their own statements.
 */
export function userFromRow(row: Record<string, unknown>): User {
  // A plain object, not `new User()` or one of its prototype: the ORM's accessors on the entity's prototype would
  // run for every property set.
  const user: Record<string, unknown> = {};
  for (const c of USER_COLUMNS) {
    const value = row[c.column];
    user[c.property] = c.type === 'timestamptz' && value !== null && value !== undefined && !(value instanceof Date) ? new Date(value as string) : value;
  }
  return user as unknown as User;
}

const BY_ID = named('user_by_id', `select ${SELECTED} from users u where u.id = $1 and u.tenant_id = $2 and ${isNullForIdLookup('u.deleted_at')}`);
/**
 * Entra's lookup before every provisioning (`filter=userName eq "…"`) as a statement of its own: as a general
 * search (count, sorted ids, page) its planning cost PostgreSQL nine times its execution. Prepared over
 * `users_name_key` (migration 20261201800000): the one index its conditions name, so that the plan it keeps is
 * that index even when made on an empty table. (Prepared as a condition on the tenant and the name, it kept a walk
 * of the tenant's users; the live condition is `isNullForIdLookup` so that no partial index can serve it either.)
 */
const BY_USER_NAME = named(
  'user_by_user_name',
  `select ${SELECTED} from users u where (u.tenant_id::text || '/' || lower(u.user_name)) = ($1::uuid::text || '/' || lower($2)) and ${isNullForIdLookup('u.deleted_at')}`,
);

/** The name of `userName eq "…"` (core schema, a string, no sort), the whole filter; else null. */
function userNameSought(search: DirectorySearch): string | null {
  const { filter } = search;
  if (!filter || filter.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string' || search.sortBy) return null;
  const { path } = filter;
  const core = path.schema === null || path.schema.toLowerCase() === CORE_USER_SCHEMA.toLowerCase();
  return core && path.subAttribute === null && path.attribute.toLowerCase() === 'username' ? filter.value : null;
}

const BY_ID_LOCKED = named('user_by_id_locked', `${BY_ID.text} for update`);

const INSERT_COLUMNS = USER_COLUMNS.filter((c) => c.property !== 'deletedAt' && c.property !== 'photoEtag' && c.property !== 'idpObjectId');
/** The placeholder number of a property in the insert. */
const parameterOf = (property: string) => INSERT_COLUMNS.findIndex((c) => c.property === property) + 1;

/** The insert of a provisioned user with its events, unless a tombstone of the same person waits to come back. */
const INSERT_TEXT = (events: string) => `with inserted as (
  insert into users (${INSERT_COLUMNS.map((c) => c.column).join(', ')})
  select ${INSERT_COLUMNS.map((c, i) => `$${i + 1}::${c.type}`).join(', ')}
   where $${INSERT_COLUMNS.length + 1}::text is null or not exists (
     select 1 from users t where t.tenant_id = $2 and t.external_id = $${INSERT_COLUMNS.length + 1} and lower(t.user_name) = lower($${parameterOf('userName')})
        and ${isNotNullForIdLookup('t.deleted_at')})
  returning 1), events as (${events})
select count(*)::int as inserted from inserted`;

/**
 * The update of a user's attributes, only from the version it was computed on, with its events; a
 * deactivation also ends the user's sessions in the same statement.
 */
const UPDATE_SET = [...ATTRIBUTE_COLUMNS.map((c, i) => `${c.column} = $${i + 5}::${c.type}`), 'version = $3', 'updated_at = $4'].join(', ');
const UPDATE_TEXT = (endSessions: boolean) => (events: string) => `with updated as (
  update users set ${UPDATE_SET}
   where id = $1 and tenant_id = $2 and version = $3 - 1 and ${isNullForIdLookup('deleted_at')}
  returning photo_etag, idp_object_id), events as (${events})${endSessions ? `,
ended as (update sessions set revoked_at = $4 where user_id = $1 and revoked_at is null and exists (select 1 from updated))` : ''}
select photo_etag, idp_object_id from updated`;

const TOMBSTONE_BY_ID = named('user_tombstone_by_id', `select ${SELECTED} from users u where u.id = $1 and u.tenant_id = $2 and ${isNotNullForIdLookup('u.deleted_at')} for update`);
const TOMBSTONE_OF_PERSON = named(
  'user_tombstone_of_person',
  `select ${SELECTED} from users u where u.tenant_id = $1 and u.external_id = $2 and lower(u.user_name) = lower($3) and ${isNotNullForIdLookup('u.deleted_at')}
    order by u.deleted_at desc, u.id limit 1 for update`,
);
const REVIVE_SOURCE = ATTRIBUTE_COLUMNS.length + 5;
const REVIVE = named(
  'user_revive',
  `with revived as (
     update users set ${UPDATE_SET}, source = $${REVIVE_SOURCE}, deleted_at = null, deleted_group_ids = '[]'::jsonb
      where id = $1 and tenant_id = $2 and ${isNotNullForIdLookup('deleted_at')} returning id)
   insert into group_memberships (group_id, user_id, tenant_id, created_at)
   select g.id, r.id, g.tenant_id, now() from revived r join idp_groups g on g.tenant_id = $2 and g.id = any($${REVIVE_SOURCE + 1}::uuid[])
   on conflict do nothing
   returning group_id`,
);

/**
 * A live user made a tombstone (see buryUser) in one statement: memberships removed and remembered, the row
 * inactive and deleted, sessions ended, USER_DELETED naming the groups. `$1` user, `$2` tenant, `$3` time, `$4`
 * userName.
 */
const BURY_TEXT = (events: string) => `with removed as (
  delete from group_memberships where user_id = $1 and tenant_id = $2 returning group_id),
groups as (select count(*)::int as n, coalesce(jsonb_agg(group_id), '[]'::jsonb) as ids from removed),
buried as (
  update users set active = false, deleted_at = $3, updated_at = $3, version = version + 1, deleted_group_ids = (select ids from groups)
   where id = $1 and tenant_id = $2 and ${isNullForIdLookup('deleted_at')} returning version),
ended as (update sessions set revoked_at = $3 where user_id = $1 and revoked_at is null),
events as (${events})
select (select version from buried) as version, (select ids from groups) as group_ids`;

/** A user deleted for good (no retention): memberships (trigger `users_delete_memberships`) and sessions (ON DELETE CASCADE) go with the row. */
const DELETE_TEXT = (events: string) => `with deleted as (
  delete from users where id = $1 and tenant_id = $2 returning 1), events as (${events})
select count(*)::int as deleted from deleted`;

/** Named statements by the number of events they carry: one text each, planned once per connection. */
const withEvents = (name: string, text: (events: string) => string, eventSql: string, eventCount: number): Statement =>
  named(`${name}_${eventCount}`, text(eventSql));

/**
 * What `filter.search` matches (ILIKE '%search%' on any of them), as SQL over `users`. Migration 20261201100000
 * stores them in `users.search_text`, each lowercased (but one found whole inside another), joined by
 * SEARCH_TEXT_SEPARATOR: since ILIKE in a UTF-8 database is `lower(text) LIKE lower(pattern)`, `search_text LIKE
 * lower('%x%')` matches the same rows whenever x has no separator in it (no match can span two attributes), and
 * is indexed (pg_trgm) and cheap to check. Change both together.
 */
const SEARCHED_ATTRIBUTES = ['user_name', 'display_name', `concat_ws(' ', given_name, family_name)`, 'emails::text'];
const SEARCH_TEXT_SEPARATOR = '\n';

/**
 * Counts a tenant's users through its indexes, never by scanning the table (which holds every tenant's users):
 * PostgreSQL's default costs (random_page_cost 4, for spinning disks) price reading an index alone above scanning
 * the table as soon as part of it is not marked all-visible since the last vacuum, and then counted 100,000 users
 * in a sequential scan several times slower than `users_tenant_user_name_ci` (unfiltered) or `users_search_cover`
 * (a common substring) answer. Only this statement's transaction is planned so.
 */
async function countByIndex(em: EntityManager, query: Parameters<EntityManager['execute']>[0]): Promise<number> {
  return em.transactional(
    async (tx) => {
      await tx.execute(`select set_config('random_page_cost', '1.1', true), set_config('enable_seqscan', 'off', true)`);
      const [{ count }] = await tx.execute<{ count: string | number }[]>(query);
      return Number(count);
    },
    { readOnly: true },
  );
}

/** The `users` rows of a page read through the ORM's connection, as Users. */
const usersOf = (rows: Record<string, unknown>[]) => rows.map(userFromRow);

/** All SQL of users: the hot paths one statement per read and per write, values as parameters. */
export const userRepository = {
  /**
   * A page of a tenant's live users by userName (case-insensitive), after `after` (a lowercased userName),
   * with the total the filter keeps (`counted`; else null, for a caller that knows the total another way).
   */
  async listPage(
    em: EntityManager,
    tenantId: string,
    filter: { userName?: string; active?: boolean; search?: string },
    after: string | null,
    size: number,
    { counted = true } = {},
  ): Promise<{ users: User[]; count: number | null }> {
    const knex = em.getKnex();
    const filtered = knex('users').where('tenant_id', tenantId).whereNull('deleted_at');
    if (filter.userName !== undefined) filtered.andWhereRaw('lower(user_name) = lower(?)', [filter.userName]);
    if (filter.active !== undefined) filtered.andWhere('active', filter.active);
    if (filter.search) {
      const like = `%${escapeLike(filter.search)}%`;
      if (filter.search.includes(SEARCH_TEXT_SEPARATOR)) {
        filtered.andWhereRaw(`(${SEARCHED_ATTRIBUTES.map((sql) => `${sql} ilike ?`).join(' or ')})`, SEARCHED_ATTRIBUTES.map(() => like));
      } else {
        filtered.andWhereRaw('search_text like lower(?)', [like]);
      }
    }
    const page = filtered.clone().orderByRaw('lower(user_name) asc').limit(size + 1);
    if (after !== null) page.andWhereRaw('lower(user_name) > ?', [after]);
    // A search finds the page's ids first, on the covering index alone: however many users it skips (a name late
    // in the order), no table row is read for them; then their rows.
    const rowsQuery = filter.search
      ? knex('users').select(SELECTED_PLAIN).where('tenant_id', tenantId).whereIn('id', page.select('id')).orderByRaw('lower(user_name) asc')
      : page.select(SELECTED_PLAIN);
    const [rows, count] = await Promise.all([em.execute(rowsQuery), counted ? countByIndex(em, filtered.clone().count({ count: '*' })) : null]);
    return { users: usersOf(rows), count };
  },

  /** A page of a tenant's tombstones, most recently deleted first, after `after` (deletedAt, id), with their total. */
  async deletedPage(em: EntityManager, tenantId: string, after: [string, string] | null, size: number): Promise<{ users: User[]; count: number }> {
    const knex = em.getKnex();
    const deleted = knex('users').where('tenant_id', tenantId).whereNotNull('deleted_at');
    const rowsQuery = deleted.clone().select(SELECTED_PLAIN).orderBy([{ column: 'deleted_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(size + 1);
    if (after) rowsQuery.andWhereRaw('(deleted_at, id) < (?::timestamptz, ?::uuid)', after);
    const [rows, [{ count }]] = await Promise.all([em.execute(rowsQuery), em.execute(deleted.clone().count({ count: '*' }))]);
    return { users: usersOf(rows), count: Number(count) };
  },

  /**
   * The tombstone of the tenant by id, or the most recently deleted one of the same externalId and userName
   * (case-insensitive), held until commit; null when there is none.
   */
  async lockTombstone(sql: SqlClient, tenantId: string, by: { id: string } | { externalId: string; userName: string }): Promise<User | null> {
    if ('id' in by && !isUuid(by.id)) return null;
    const [row] =
      'id' in by
        ? await sql.query<Record<string, unknown>>(TOMBSTONE_BY_ID, [by.id, tenantId])
        : await sql.query<Record<string, unknown>>(TOMBSTONE_OF_PERSON, [tenantId, by.externalId, by.userName]);
    return row ? userFromRow(row) : null;
  },

  /**
   * Brings a locked tombstone back as `user` says (attributes, source, version, updatedAt; not deleted, no
   * remembered groups), and gives back the memberships of `groupIds` whose groups still exist, in one
   * statement. Returns the groups given back.
   */
  async revive(sql: SqlClient, user: User, groupIds: string[]): Promise<string[]> {
    const values = [user.id, user.tenantId, user.version, user.updatedAt, ...ATTRIBUTE_COLUMNS.map((c) => parameter(c, user[c.property])), user.source, groupIds.filter(isUuid)];
    const rows = await sql.query<{ group_id: string }>(REVIVE, values);
    return rows.map((row) => row.group_id);
  },

  /** Whether a mass deprovisioning was raised within the hour, and how many distinct users were deleted or deactivated in it. */
  async deprovisioningWindow(sql: SqlClient, tenantId: string): Promise<{ raised: boolean; deprovisioned: number }> {
    const [row] = await sql.query<{ raised: boolean; deprovisioned: number }>(WINDOW_STATE, [tenantId]);
    return row;
  },

  /** The deprovisioning events of the hour, all of them or (`since` a horizon) those of transactions from it on. */
  async deprovisioningsSince(sql: SqlClient, tenantId: string, since: string | null): Promise<DeprovisioningsRead> {
    const rows = await sql.query<{ horizon: string; now: number; subject_id: string | null; type: string | null; at: number | null; own: boolean | null }>(
      since === null ? DEPROVISIONINGS_OF_HOUR : DEPROVISIONINGS_SINCE,
      since === null ? [tenantId] : [tenantId, since],
    );
    return {
      horizon: rows[0].horizon,
      now: rows[0].now,
      events: rows
        .filter((row) => row.subject_id !== null)
        .map((row) => ({ subjectId: row.subject_id!, mass: row.type === 'MASS_DEPROVISIONING', at: row.at!, own: row.own === true })),
    };
  },

  /** Users at the start of the window (the live ones and those deleted during it), counted up to `atMost` (null: all). */
  async usersAtWindowStart(sql: SqlClient, tenantId: string, atMost: number | null): Promise<number> {
    const [{ total }] = await sql.query<{ total: number }>(USERS_AT_WINDOW_START, [tenantId, atMost]);
    return total;
  },

  /** One transaction at a time past this point for the tenant, until commit: two crossing the threshold raise one event. */
  async holdBurstCheck(sql: SqlClient, tenantId: string): Promise<void> {
    await sql.query(ONE_RAISER, [tenantId]);
  },

  /** Inserts a user with the ORM's column mapping in the transaction of `em` (SAML just-in-time creation). */
  async insert(em: EntityManager, user: User): Promise<void> {
    await insertRow(em, User, user);
  },

  /** Deletes up to `batchSize` tombstones deleted before `olderThan` (skipping rows another process holds). */
  async purgeTombstones(em: EntityManager, olderThan: Date, batchSize: number): Promise<{ id: string; tenant_id: string; user_name: string }[]> {
    return em.execute<{ id: string; tenant_id: string; user_name: string }[]>(
      `delete from users where id = any(array(
         select id from users where deleted_at is not null and deleted_at < ?
          order by deleted_at limit ${Math.max(1, Math.floor(batchSize))} for update skip locked))
       returning id, tenant_id, user_name`,
      [olderThan],
    );
  },

  /**
   * A live user of the tenant, or null (an id that is not a UUID matches nothing). With `lock` (in a
   * transaction), the row is held until commit, so concurrent changes of it apply one after the other.
   */
  async findLive(sql: SqlClient, tenantId: string, id: string, options: { lock?: boolean } = {}): Promise<User | null> {
    if (!isUuid(id)) return null;
    const [row] = await sql.query<Record<string, unknown>>(options.lock ? BY_ID_LOCKED : BY_ID, [id, tenantId]);
    return row ? userFromRow(row) : null;
  },

  /**
   * Inserts `user` with its events in one statement; false (nothing written) when a tombstone of the same
   * externalId and userName exists: the caller brings that one back instead.
   */
  async insertWithEvents(sql: SqlClient, scope: Scope, user: User, events: EventInput[]): Promise<boolean> {
    const values = [...INSERT_COLUMNS.map((c) => parameter(c, user[c.property])), user.externalId];
    const event = eventInsert(scope, events, values.length + 1, 'inserted');
    const [{ inserted }] = await sql.query<{ inserted: number }>(withEvents('user_insert', INSERT_TEXT, event.sql, events.length), [...values, ...event.values]);
    return inserted === 1;
  },

  /**
   * Writes `user`'s attributes, version and updatedAt with its events in one statement, only when the row is
   * still at `user.version - 1` (what the change was computed on); false when it moved on or was deleted. `user`
   * takes the row's photoEtag and idpObjectId, which change without a version.
   */
  async updateWithEvents(sql: SqlClient, scope: Scope, user: User, events: EventInput[], options: { endSessions?: boolean } = {}): Promise<boolean> {
    const values = [user.id, scope.tenantId, user.version, user.updatedAt, ...ATTRIBUTE_COLUMNS.map((c) => parameter(c, user[c.property]))];
    const event = eventInsert(scope, events, values.length + 1, 'updated');
    const statement = options.endSessions
      ? withEvents('user_update_ending_sessions', UPDATE_TEXT(true), event.sql, events.length)
      : withEvents('user_update', UPDATE_TEXT(false), event.sql, events.length);
    const [updated] = await sql.query<{ photo_etag: string | null; idp_object_id: string | null }>(statement, [...values, ...event.values]);
    if (!updated) return false;
    // Not versioned, so not known from the version the change was computed on: as the row has them.
    Object.assign(user, { photoEtag: updated.photo_etag, idpObjectId: updated.idp_object_id });
    return true;
  },

  /**
   * Makes a live user a tombstone with USER_DELETED in one statement (see BURY_TEXT); `user` takes the
   * tombstone's state. Returns false when there was no live user to bury.
   */
  async buryWithEvent(sql: SqlClient, scope: Scope, user: User): Promise<boolean> {
    const at = new Date();
    const event = eventInsert(scope, [{ type: 'USER_DELETED', subjectType: 'USER', subjectId: user.id, summary: `User ${user.userName} deleted (kept as a tombstone until purged)` }], 5, 'groups g', {
      changes: `jsonb_build_array(jsonb_build_object('attribute', 'userName', 'old', $4::text, 'new', null))
        || case when g.n > 0 then jsonb_build_array(jsonb_build_object('attribute', 'groups', 'old', g.ids, 'new', null)) else '[]'::jsonb end`,
    });
    const [row] = await sql.query<{ version: number | null; group_ids: string[] }>(named('user_bury', BURY_TEXT(event.sql)), [user.id, scope.tenantId, at, user.userName, ...event.values]);
    if (row.version === null) return false;
    Object.assign(user, { active: false, deletedAt: at, updatedAt: at, version: row.version, deletedGroupIds: row.group_ids });
    return true;
  },

  /** Deletes a user for good with USER_DELETED in one statement; false when there was none. */
  async deleteWithEvent(sql: SqlClient, scope: Scope, user: User): Promise<boolean> {
    const event = eventInsert(
      scope,
      [{ type: 'USER_DELETED', subjectType: 'USER', subjectId: user.id, summary: `User ${user.userName} deleted`, changes: [{ attribute: 'userName', old: user.userName, new: null }] }],
      3,
      'deleted',
    );
    const [{ deleted }] = await sql.query<{ deleted: number }>(named('user_delete', DELETE_TEXT(event.sql)), [user.id, scope.tenantId, ...event.values]);
    return deleted === 1;
  },

  /** A SCIM-style search in one statement: the true total and the page. */
  async search(sql: SqlClient, tenantId: string, search: DirectorySearch): Promise<SearchResult<User>> {
    const userName = userNameSought(search);
    if (userName !== null) {
      // At most one live user has it (a unique index): the total is what the lookup finds, the page a slice of it.
      const found = (await sql.query<Record<string, unknown>>(BY_USER_NAME, [tenantId, userName])).map(userFromRow);
      const from = Math.max(0, search.startIndex - 1);
      return { totalResults: found.length, items: found.slice(from, from + Math.max(0, search.count)) };
    }
    const { total, rows } = await searchRows(sql, { table: 'users', alias: 'u', columns: SELECTED }, tenantId, search, USER_CATALOG);
    return { totalResults: total, items: rows.map(userFromRow) };
  },

  /** The groups each user belongs to (by display name), at most `perUser` each, in one query. */
  async groupsOf(sql: SqlClient, tenantId: string, userIds: string[], perUser: number): Promise<Map<string, IdpGroup[]>> {
    const byUser = new Map<string, IdpGroup[]>(userIds.map((id) => [id, []]));
    const ids = userIds.filter(isUuid);
    if (ids.length === 0) return byUser;
    const rows = await sql.query<Record<string, unknown> & { member_id: string }>(GROUPS_OF, [ids, tenantId, perUser]);
    for (const row of rows) byUser.get(row.member_id)?.push(groupFromRow(row));
    return byUser;
  },
};

const GROUPS_OF = named(
  'user_groups_of',
  `select wanted.user_id as member_id, g.*
     from unnest($1::uuid[]) as wanted(user_id)
     cross join lateral (
       select ${GROUP_SELECTED} from group_memberships m join idp_groups g on g.id = m.group_id
        where m.user_id = wanted.user_id and g.tenant_id = $2
        order by lower(g.display_name) limit $3) g
    order by wanted.user_id, lower(g.display_name)`,
);
