import type { EntityManager } from '@mikro-orm/postgresql';
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
 * Adds a provisioning event to the unit of work of `em`: it is written by the same flush, in the same
 * transaction, as the change it describes.
 */
export function recordEvent(em: EntityManager, ctx: CallContext & { tenantId: string }, input: EventInput): ProvisioningEvent {
  const event = em.create(ProvisioningEvent, {
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
  em.persist(event);
  return event;
}
