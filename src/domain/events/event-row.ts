import type { CallContext } from '../shared/scope';
import type { AttributeChange, EventOutcome, EventType, SubjectType } from './provisioning-event.entity';

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
export function eventOf(ctx: CallContext & { tenantId: string }, input: EventInput) {
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

