import type { EntityManager } from '@mikro-orm/postgresql';
import { insertRow } from '../shared/insert-row';
import type { CallContext } from '../shared/scope';
import {
  ProvisioningEvent,
  type AttributeChange,
  type EventOutcome,
  type EventType,
  type SubjectType,
} from './provisioning-event.entity';

export interface EventInput {
  type: EventType;
  subjectType: SubjectType;
  subjectId: string | null;
  summary: string;
  changes?: AttributeChange[];
  detail?: Record<string, unknown> | null;
  outcome?: EventOutcome;
  error?: string | null;
}

/** The provisioning event of `input` by `ctx`, as the row the log stores (the id and tx_id come from the database). */
function eventOf(ctx: CallContext & { tenantId: string }, input: EventInput) {
  return {
    tenantId: ctx.tenantId,
    type: input.type,
    source: ctx.source,
    actorKind: ctx.actor.kind,
    actorId: ctx.actor.id,
    actorLabel: ctx.actor.label,
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    summary: input.summary,
    changes: input.changes ?? [],
    detail: input.detail ?? null,
    requestId: ctx.requestId,
    outcome: input.outcome ?? 'SUCCESS',
    error: input.error ?? null,
    occurredAt: new Date(),
  };
}

/**
 * Writes a provisioning event in the transaction of `em`, the transaction of the change it describes: both
 * commit together or neither does.
 */
export async function recordEvent(em: EntityManager, ctx: CallContext & { tenantId: string }, input: EventInput): Promise<void> {
  const event = Object.assign(new ProvisioningEvent(), eventOf(ctx, input));
  // The id comes from the database's identity column.
  await insertRow(em, ProvisioningEvent, { ...event, id: undefined } as unknown as ProvisioningEvent);
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

/**
 * The SQL and parameters that append events to a statement of the change they describe (a data-modifying
 * CTE): `insert into provisioning_events … select <the values> from <gate>`, so an event is written exactly
 * when its change was (one row of `gate`), in the same statement and so the same transaction.
 */
export function eventInsert(
  ctx: CallContext & { tenantId: string },
  inputs: EventInput[],
  firstParameter: number,
  gate: string,
): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const rows = inputs.map((input) => {
    const event = eventOf(ctx, input);
    const row = [
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
    const placeholders = row.map((_, i) => `$${firstParameter + values.length + i}::${EVENT_COLUMNS[i][1]}`);
    values.push(...row);
    return `select ${placeholders.join(', ')} from ${gate}`;
  });
  return {
    sql: `insert into provisioning_events (${EVENT_COLUMNS.map(([column]) => column).join(', ')}) ${rows.join(' union all ')}`,
    values,
  };
}
