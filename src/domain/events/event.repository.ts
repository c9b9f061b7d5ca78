import type { EntityManager } from '@mikro-orm/postgresql';
import { insertRow } from '../../db/insert-row';
import { textArray } from '../shared/sql';
import type { CallContext } from '../shared/scope';
import { eventOf, type EventInput } from './event-row';
import { ProvisioningEvent } from './provisioning-event.entity';
import { named, type SqlClient, type Statement } from '../shared/sql-client';
import type { FeedPosition } from './feed-position';
import type { ReadRequest } from './feed-reading';
import type { EventSource } from '../shared/scope';
import type { EventOutcome, EventType } from './provisioning-event.entity';

/** An event and its place in the log. */
export interface FeedEvent {
  event: ProvisioningEvent;
  position: FeedPosition;
}

/** An event as the live feed reads it: with its tenant, by which it is offered. */
export interface FeedRow extends FeedEvent {
  tenantId: string;
}

/** The columns of an event, named, never `*`: a column a later migration adds must not change a prepared statement's result. */
const COLUMNS = [
  'id',
  'tenant_id',
  'type',
  'source',
  'actor_kind',
  'actor_id',
  'actor_label',
  'subject_type',
  'subject_id',
  'summary',
  'changes',
  'detail',
  'request_id',
  'outcome',
  'error',
  'occurred_at',
] as const;
/** The columns of `alias`, with its transaction id as text (xid8 is not a type node-postgres knows). */
const selected = (alias: string) => `${COLUMNS.map((column) => `${alias}.${column}`).join(', ')}, ${alias}.tx_id::text as tx_id`;
const SELECTED = selected('e');
/** The columns as they are stored: what an inner select hands its outer one. */
const COLUMN_LIST = `${COLUMNS.map((column) => `e.${column}`).join(', ')}, e.tx_id`;

type EventRow = Record<(typeof COLUMNS)[number] | 'tx_id', unknown>;

/** JSON and timestamps as the driver may hand them (text, when the pool's type parsers keep it). */
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
const date = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));

/**
 * A stored event as a plain object of ProvisioningEvent's shape, not an entity: the feed reads hundreds a second,
 * and the ORM's mapping into its identity map cost more than the statement that read them.
 */
export function eventFromRow(row: EventRow): ProvisioningEvent {
  return {
    id: String(row.id),
    tenantId: row.tenant_id as string,
    type: row.type as EventType,
    source: row.source as EventSource,
    actorKind: row.actor_kind as ProvisioningEvent['actorKind'],
    actorId: row.actor_id as string | null,
    actorLabel: row.actor_label as string,
    subjectType: row.subject_type as ProvisioningEvent['subjectType'],
    subjectId: row.subject_id as string | null,
    summary: row.summary as string,
    changes: json(row.changes) as ProvisioningEvent['changes'],
    detail: json(row.detail) as ProvisioningEvent['detail'],
    requestId: row.request_id as string,
    outcome: row.outcome as EventOutcome,
    error: row.error as string | null,
    occurredAt: date(row.occurred_at),
    txId: row.tx_id as string,
  };
}

const feedRowOf = (row: EventRow): FeedRow => {
  const event = eventFromRow(row);
  return { event, tenantId: event.tenantId, position: { tx: BigInt(event.txId!), id: BigInt(event.id) } };
};

/** A PostgreSQL bigint[] literal of the events' ids, for one `$n::bigint[]` parameter. */
const idArray = (positions: readonly FeedPosition[]): string => `{${positions.map((position) => position.id.toString()).join(',')}}`;

/**
 * The committed rows after a position not offered yet: the final ones (of transactions older than every one still
 * running: nothing can commit before them) and at most `$5` younger ones, in one statement, so one snapshot
 * decides all of it; the horizon comes with them (alone on a row of nulls when there is no event).
 */
const FEED_PAGE = named(
  'event_feed_page',
  `select h.horizon::text as horizon, ${SELECTED}
     from (select pg_snapshot_xmin(pg_current_snapshot()) as horizon) h
     left join lateral (
       (select ${COLUMN_LIST} from provisioning_events e
         where (e.tx_id, e.id) > ($1::xid8, $2::bigint) and e.tx_id < h.horizon and e.id <> all($3::bigint[])
         order by e.tx_id, e.id limit $4)
       union all
       (select ${COLUMN_LIST} from provisioning_events e
         where e.tx_id >= h.horizon and (e.tx_id, e.id) > ($1::xid8, $2::bigint) and e.id <> all($3::bigint[])
         order by e.tx_id, e.id limit $5)
     ) e on true
    order by e.tx_id, e.id`,
);

/**
 * A page of a tenant's stored events after `$2`, up to `$4` or among `$6`, except `$7`, optionally of some types
 * only, in log order.
 */
const REPLAY_PAGE = named(
  'event_replay_page',
  `select ${SELECTED} from provisioning_events e
    where e.tenant_id = $1 and (e.tx_id, e.id) > ($2::xid8, $3::bigint)
      and ((e.tx_id, e.id) <= ($4::xid8, $5::bigint) or e.id = any($6::bigint[]))
      and e.id <> all($7::bigint[])
      and ($8::text[] is null or e.type = any($8::text[]))
    order by e.tx_id, e.id limit $9`,
);

/** The last event no running transaction can precede: where a feed starts "live from now". */
const FINAL_FLOOR = named(
  'event_final_floor',
  `select tx_id::text as tx, id from provisioning_events where tx_id < pg_snapshot_xmin(pg_current_snapshot())
    order by tx_id desc, id desc limit 1`,
);

/**
 * Whether the event at a position is the tenant's: found by its id alone (`offset 0` keeps the tenant's condition
 * out of that lookup), then checked. With the three conditions side by side, the plan a named statement keeps, made
 * while the log was nearly empty, walked the tenant's events in one of its indexes to find the id.
 */
const HOLDS = named(
  'event_of_tenant_at',
  `select 1 as found from (select tenant_id, tx_id from provisioning_events where id = $2 offset 0) e where e.tenant_id = $1 and e.tx_id = $3::xid8`,
);

/**
 * Unnamed: planned for the log as it is at each run (a few a day). A plan made once per connection while the log
 * was nearly empty deleted the batch in a sequential scan of every tenant's events.
 */
const PRUNE: Statement = {
  text: `delete from provisioning_events where id = any(array(
     select id from provisioning_events where occurred_at < $1 order by id limit $2)) returning id`,
};

/** What a list of the log may be narrowed to. */
export interface EventListFilter {
  types?: EventType[];
  sources?: EventSource[];
  outcome?: EventOutcome;
  subjectId?: string;
  subjectType?: string;
  from?: Date;
  to?: Date;
}

/**
 * The list's statement for the filters given, counted and paged in one statement on one horizon. Unnamed, so
 * planned for the filter's values and the log as it is: every index of the log leads with the tenant, and the plan
 * a named statement keeps, made while the log was nearly empty, counted a type's events by walking all of the
 * tenant's (an administrator's page, not a hot path: its planning costs little beside that).
 */
function listStatement(tenantId: string, filter: EventListFilter, afterId: string | null, limit: number): { statement: Statement; values: unknown[] } {
  const values: unknown[] = [tenantId];
  const parameter = (value: unknown, cast = '') => {
    values.push(value);
    return `$${values.length}${cast}`;
  };
  // Only events no running transaction can precede: an event listed here is one a subscription may resume
  // after (its `cursor`) without ever skipping one that commits later.
  const where = ['e.tenant_id = $1', 'e.tx_id < h.horizon'];
  if (filter.types?.length) where.push(`e.type = any(${parameter(textArray(filter.types), '::text[]')})`);
  if (filter.sources?.length) where.push(`e.source = any(${parameter(textArray(filter.sources), '::text[]')})`);
  if (filter.outcome) where.push(`e.outcome = ${parameter(filter.outcome)}`);
  if (filter.subjectId) where.push(`e.subject_id = ${parameter(filter.subjectId)}`);
  if (filter.subjectType) where.push(`e.subject_type = ${parameter(filter.subjectType)}`);
  if (filter.from) where.push(`e.occurred_at >= ${parameter(filter.from, '::timestamptz')}`);
  if (filter.to) where.push(`e.occurred_at <= ${parameter(filter.to, '::timestamptz')}`);
  const pageWhere = afterId === null ? where : [...where, `e.id < ${parameter(afterId, '::bigint')}`];
  const text = `with h as (select pg_snapshot_xmin(pg_current_snapshot()) as horizon),
    counted as (select count(*)::int as total_count from provisioning_events e, h where ${where.join(' and ')}),
    page as (select ${COLUMN_LIST} from provisioning_events e, h where ${pageWhere.join(' and ')} order by e.id desc limit ${parameter(limit, '::int')})
    select counted.total_count, ${selected('page')} from counted left join page on true order by page.id desc`;
  return { statement: { text }, values };
}

/** All SQL of the provisioning log but the event insert (event-recorder.ts, in the transaction of its change). */
export const eventRepository = {
  /** One read of the live feed (see FEED_PAGE): the rows in (transaction, id) order, and the horizon they were read at. */
  async readFeed(sql: SqlClient, request: ReadRequest, pageSize: number): Promise<{ rows: FeedRow[]; horizon: bigint }> {
    const { from, offered, room } = request;
    const rows = await sql.query<EventRow & { horizon: string }>(FEED_PAGE, [from.tx.toString(), from.id.toString(), idArray(offered), pageSize, room]);
    return { horizon: BigInt(rows[0].horizon), rows: rows.filter((row) => row.id !== null).map(feedRowOf) };
  },

  /** The next page of a resumed subscription's replay (see REPLAY_PAGE). */
  async readReplay(
    sql: SqlClient,
    tenantId: string,
    types: ReadonlySet<EventType> | null,
    range: { from: FeedPosition; until: FeedPosition; alsoAbove: readonly FeedPosition[]; skip: readonly FeedPosition[] },
    limit: number,
  ): Promise<FeedEvent[]> {
    const rows = await sql.query<EventRow>(REPLAY_PAGE, [
      tenantId,
      range.from.tx.toString(),
      range.from.id.toString(),
      range.until.tx.toString(),
      range.until.id.toString(),
      idArray(range.alsoAbove),
      idArray(range.skip),
      types ? textArray([...types]) : null,
      limit,
    ]);
    return rows.map(feedRowOf);
  },

  /** The last event no running transaction can precede, or the start of the log. */
  async finalFloor(sql: SqlClient): Promise<FeedPosition> {
    const [row] = await sql.query<{ tx: string; id: string }>(FINAL_FLOOR, []);
    return row ? { tx: BigInt(row.tx), id: BigInt(row.id) } : { tx: 0n, id: 0n };
  },

  /** Whether `position` is a stored event of the tenant. */
  async holds(sql: SqlClient, tenantId: string, position: FeedPosition): Promise<boolean> {
    const rows = await sql.query<{ found: number }>(HOLDS, [tenantId, position.id.toString(), position.tx.toString()]);
    return rows.length > 0;
  },

  /** Deletes up to `batchSize` of the oldest events that occurred before `olderThan`; returns how many went. */
  async pruneBatch(sql: SqlClient, olderThan: Date, batchSize: number): Promise<number> {
    return (await sql.query<{ id: string }>(PRUNE, [olderThan, batchSize])).length;
  },

  /**
   * A page of the tenant's events no running transaction can precede, newest first, after the event id
   * `afterId`, and how many match in all.
   */
  async list(sql: SqlClient, tenantId: string, filter: EventListFilter, afterId: string | null, limit: number): Promise<{ events: ProvisioningEvent[]; totalCount: number }> {
    const { statement, values } = listStatement(tenantId, filter, afterId, limit);
    const rows = await sql.query<EventRow & { total_count: number }>(statement, values);
    return { totalCount: rows[0].total_count, events: rows.filter((row) => row.id !== null).map(eventFromRow) };
  },
};

/** Inserts an event (as `eventOf` makes it) in the transaction of `em`; the id and tx_id come from the database. */
export async function insertEvent(em: EntityManager, event: ReturnType<typeof eventOf>): Promise<void> {
  await insertRow(em, ProvisioningEvent, { ...Object.assign(new ProvisioningEvent(), event), id: undefined } as unknown as ProvisioningEvent);
}

/** The columns an event statement fills, with the casts its parameters need in an `insert … select`. */
const EVENT_COLUMNS = [
  ['tenant_id', 'uuid'],
  ['type', 'text'],
  ['source', 'text'],
  ['actor_kind', 'text'],
  ['actor_id', 'text'],
  ['actor_label', 'text'],
  ['subject_type', 'text'],
  ['subject_id', 'text'],
  ['summary', 'text'],
  ['changes', 'jsonb'],
  ['detail', 'jsonb'],
  ['request_id', 'text'],
  ['outcome', 'text'],
  ['error', 'text'],
  ['occurred_at', 'timestamptz'],
] as const;

/** Columns of an event computed by the statement itself (SQL over its gate's row) instead of sent as parameters. */
export type ComputedEventColumns = Partial<Record<'summary' | 'changes' | 'subject_id' | 'actor_id' | 'actor_label', string>>;

/**
 * The SQL and parameters that append events to a statement of the change they describe (a data-modifying
 * CTE): `insert into provisioning_events … select <the values> from <gate>`, so an event is written exactly
 * when its change was (one row of `gate`), in the same statement and so the same transaction. `computed`
 * columns are SQL over the gate's row (a count of what the statement changed).
 */
export function eventInsert(
  ctx: CallContext & { tenantId: string },
  inputs: (Omit<EventInput, 'summary'> & { summary?: string })[],
  firstParameter: number,
  gate: string,
  computed: ComputedEventColumns = {},
): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const rows = inputs.map((input) => {
    const event = eventOf(ctx, { ...input, summary: input.summary ?? '' } as EventInput);
    const row: unknown[] = [
      event.tenantId,
      event.type,
      event.source,
      event.actorKind,
      event.actorId,
      event.actorLabel,
      event.subjectType,
      event.subjectId,
      event.summary,
      JSON.stringify(event.changes),
      event.detail === null ? null : JSON.stringify(event.detail),
      event.requestId,
      event.outcome,
      event.error,
      event.occurredAt,
    ];
    const expressions = row.map((value, i) => {
      const [column, type] = EVENT_COLUMNS[i];
      const sql = computed[column as keyof ComputedEventColumns];
      if (sql !== undefined) return sql;
      values.push(value);
      return `$${firstParameter + values.length - 1}::${type}`;
    });
    return `select ${expressions.join(', ')} from ${gate}`;
  });
  return {
    sql: `insert into provisioning_events (${EVENT_COLUMNS.map(([column]) => column).join(', ')}) ${rows.join(' union all ')}`,
    values,
  };
}
