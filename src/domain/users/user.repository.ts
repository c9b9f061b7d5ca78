import { eventInsert, type EventInput } from '../events/event-recorder';
import type { DirectorySearch, SearchResult } from '../directory/attribute-filter';
import { searchSql } from '../directory/search-sql';
import { named, type SqlClient, type Statement } from '../shared/sql-client';
import type { Scope } from '../shared/scope';
import { isUuid } from '../shared/sql';
import { USER_CATALOG } from './user-catalog';
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
/** Column names, never `*`: a column a later migration adds must not change a prepared statement's result type. */
const SELECTED = USER_COLUMNS.map((c) => `u.${c.column}`).join(', ');

/** A parameter value as node-postgres must get it: JSON columns as JSON text (an array would become a PostgreSQL array). */
const parameter = (c: UserColumn, value: unknown) => (c.type === 'jsonb' && value !== null && value !== undefined ? JSON.stringify(value) : value);

/**
 * A User from a row of `users` (the driver's values: timestamps arrive as text). Not an entity the ORM tracks:
 * these paths write with their own statements.
 */
export function userFromRow(row: Record<string, unknown>): User {
  const user = Object.create(User.prototype) as Record<string, unknown>;
  for (const c of USER_COLUMNS) {
    const value = row[c.column];
    user[c.property] = c.type === 'timestamptz' && value !== null && value !== undefined && !(value instanceof Date) ? new Date(value as string) : value;
  }
  return user as unknown as User;
}

const BY_ID = named('user_by_id', `select ${SELECTED} from users u where u.id = $1 and u.tenant_id = $2 and u.deleted_at is null`);

const INSERT_COLUMNS = USER_COLUMNS.filter((c) => c.property !== 'deletedAt' && c.property !== 'photoEtag' && c.property !== 'idpObjectId');
/** The insert of a provisioned user with its events, unless a tombstone of the same person waits to come back. */
const INSERT_TEXT = (events: string) => `with inserted as (
  insert into users (${INSERT_COLUMNS.map((c) => c.column).join(', ')})
  select ${INSERT_COLUMNS.map((c, i) => `$${i + 1}::${c.type}`).join(', ')}
   where $${INSERT_COLUMNS.length + 1}::text is null or not exists (
     select 1 from users t where t.tenant_id = $2 and t.external_id = $${INSERT_COLUMNS.length + 1} and lower(t.user_name) = lower($3)
        and t.deleted_at is not null)
  returning 1), events as (${events})
select count(*)::int as inserted from inserted`;

/** The update of a user's attributes, only from the version it was computed on, with its events. */
const UPDATE_SET = [...ATTRIBUTE_COLUMNS.map((c, i) => `${c.column} = $${i + 5}::${c.type}`), 'version = $3', 'updated_at = $4'].join(', ');
const UPDATE_TEXT = (events: string) => `with updated as (
  update users set ${UPDATE_SET}
   where id = $1 and tenant_id = $2 and version = $3 - 1 and deleted_at is null
  returning 1), events as (${events})
select count(*)::int as updated from updated`;

/** Named statements by the number of events they carry: one text each, planned once per connection. */
const withEvents = (name: string, text: (events: string) => string, eventSql: string, eventCount: number): Statement =>
  named(`${name}_${eventCount}`, text(eventSql));

/** Searches whose text this process has named (a bounded few: a SCIM filter's shape is the client's choice). */
const namedSearches = new Map<string, string>();
const MAX_NAMED_SEARCHES = 200;

function searchStatement(text: string): Statement {
  let name = namedSearches.get(text);
  if (name === undefined && namedSearches.size < MAX_NAMED_SEARCHES) {
    name = `portico_user_search_${namedSearches.size}`;
    namedSearches.set(text, name);
  }
  return name === undefined ? { text } : { name, text };
}

/** `?` placeholders (the filter translator's) as `$n`, numbered from `first`. */
function numbered(sql: string, first: number): string {
  let n = first;
  return sql.replace(/\?/g, () => `$${n++}`);
}

/** All SQL of the hot user paths: one statement per read and per write, values as parameters. */
export const userRepository = {
  /** A live user of the tenant, or null (an id that is not a UUID matches nothing). */
  async findLive(sql: SqlClient, tenantId: string, id: string): Promise<User | null> {
    if (!isUuid(id)) return null;
    const [row] = await sql.query<Record<string, unknown>>(BY_ID, [id, tenantId]);
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
   * still at `user.version - 1` (what the change was computed on); false when it moved on or was deleted.
   */
  async updateWithEvents(sql: SqlClient, scope: Scope, user: User, events: EventInput[]): Promise<boolean> {
    const values = [user.id, scope.tenantId, user.version, user.updatedAt, ...ATTRIBUTE_COLUMNS.map((c) => parameter(c, user[c.property]))];
    const event = eventInsert(scope, events, values.length + 1, 'updated');
    const [{ updated }] = await sql.query<{ updated: number }>(withEvents('user_update', UPDATE_TEXT, event.sql, events.length), [...values, ...event.values]);
    return updated === 1;
  },

  /** A SCIM-style search in one statement: the true total and the page. */
  async search(sql: SqlClient, tenantId: string, search: DirectorySearch): Promise<SearchResult<User>> {
    const { where, orderBy, limit, offset } = searchSql('u', tenantId, search, USER_CATALOG);
    const condition = numbered(where.sql, 1);
    const next = where.bindings.length + 1;
    // The count and the page in one round trip: the page joined to the count, so an empty page still says the total.
    const text =
      limit === 0
        ? `select count(*)::int as total from users u where ${condition}`
        : `with page as (select ${SELECTED} from users u where ${condition} order by ${orderBy} limit $${next} offset $${next + 1})
           select t.total, page.* from (select count(*)::int as total from users u where ${condition}) t left join page on true`;
    const rows = await sql.query<Record<string, unknown> & { total: number }>(searchStatement(text), limit === 0 ? where.bindings : [...where.bindings, limit, offset]);
    const total = rows[0]?.total ?? 0;
    return { totalResults: total, items: rows.filter((row) => row.id !== null && row.id !== undefined).map(userFromRow) };
  },

  /** The groups each user belongs to (id and display name, by display name), at most `perUser` each. */
  async groupsOf(sql: SqlClient, tenantId: string, userIds: string[], perUser: number): Promise<Map<string, { id: string; displayName: string }[]>> {
    const byUser = new Map<string, { id: string; displayName: string }[]>(userIds.map((id) => [id, []]));
    const ids = userIds.filter(isUuid);
    if (ids.length === 0) return byUser;
    const rows = await sql.query<{ user_id: string; id: string; display_name: string }>(GROUPS_OF, [ids, tenantId, perUser]);
    for (const row of rows) byUser.get(row.user_id)?.push({ id: row.id, displayName: row.display_name });
    return byUser;
  },
};

const GROUPS_OF = named(
  'user_groups_of',
  `select wanted.user_id, g.id, g.display_name
     from unnest($1::uuid[]) as wanted(user_id)
     cross join lateral (
       select g.id, g.display_name from group_memberships m join idp_groups g on g.id = m.group_id
        where m.user_id = wanted.user_id and g.tenant_id = $2
        order by lower(g.display_name) limit $3) g
    order by wanted.user_id, lower(g.display_name)`,
);
