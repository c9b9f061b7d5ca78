import type { EntityManager } from '@mikro-orm/postgresql';
import type { CallContext } from '../shared/scope';
import { insertEvent } from './event.repository';
import { eventOf, type EventInput } from './event-row';

export type { EventInput } from './event-row';

/**
 * Writes a provisioning event in the transaction of `em`, the transaction of the change it describes: both
 * commit together or neither does.
 */
export function recordEvent(em: EntityManager, ctx: CallContext & { tenantId: string }, input: EventInput): Promise<void> {
  return insertEvent(em, eventOf(ctx, input));
}
