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

/**
 * Writes a provisioning event in the transaction of `em`, the transaction of the change it describes: both
 * commit together or neither does.
 */
export async function recordEvent(em: EntityManager, ctx: CallContext & { tenantId: string }, input: EventInput): Promise<void> {
  const event = Object.assign(new ProvisioningEvent(), {
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
  });
  // The id comes from the database's identity column.
  await insertRow(em, ProvisioningEvent, { ...event, id: undefined } as unknown as ProvisioningEvent);
}
