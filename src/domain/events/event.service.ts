import { z } from 'zod';
import { requireLevel } from '../shared/authorize';
import { DomainError } from '../shared/domain-error';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { CallContext, Scope } from '../shared/scope';
import type { UnitOfWork } from '../shared/unit-of-work';
import { parseInput, stripNulls } from '../shared/validate';
import { redactSecrets } from '../shared/changes';
import type { EventFeed } from './event-feed';
import type { DeliveredEvent } from './event-subscription';
import { decodeFeedCursor } from './feed-position';
import { recordEvent } from './event-recorder';
import { eventRepository } from './event.repository';
import { EVENT_SOURCES, EVENT_TYPES, type EventType, type ProvisioningEvent, type SubjectType } from './provisioning-event.entity';

export const eventFilterRule = z
  .object({
    types: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).optional(),
    sources: z.array(z.enum(EVENT_SOURCES)).optional(),
    outcome: z.enum(['SUCCESS', 'FAILURE']).optional(),
    subjectId: z.string().max(256).optional(),
    subjectType: z.string().max(64).optional(),
    from: z.date().optional(),
    to: z.date().optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'from must not be after to', path: ['from'] });

export type EventFilter = z.input<typeof eventFilterRule>;

const subscribeRule = z.object({ types: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).optional() });

/** Reads the provisioning log, newest first (the cursor is the event id), and follows it live. */
export class EventService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly feed: EventFeed,
  ) {}

  /**
   * Follows the tenant's provisioning log: with `after` (the `cursor` of an event this subscription API
   * gave out), every stored event after it first, then live events as they commit, each exactly once. The
   * tenant is the scope's, never an argument's. An event's `cursor` from the `provisioningEvents` list works
   * too (the list shows only events no running transaction can precede); the list's paging cursors do not.
   */
  async subscribe(scope: Scope, args: { types?: EventType[] | null; after?: string | null }): Promise<AsyncIterableIterator<DeliveredEvent>> {
    this.authorizeSubscriber(scope);
    const { types } = parseInput(subscribeRule, stripNulls({ types: args.types }));
    const after = args.after ? decodeFeedCursor(args.after) : null;
    if (after) await this.feed.verifyPosition(scope.tenantId, after.anchor);
    return this.feed.subscribe(scope.tenantId, { types, after });
  }

  /**
   * Refuses (FORBIDDEN) a caller who may not follow the tenant's log. A live subscription asks again, with
   * the caller as its credential says now, while it runs: a user demoted by a mapping change stops there.
   */
  authorizeSubscriber(scope: Scope): void {
    requireLevel(scope, 'ADMINISTRATOR');
  }

  /**
   * Records that a request was refused (SCIM_REQUEST_REJECTED, SIGN_IN_FAILED, …) with the reason and what
   * was sent, so the tenant administrator can see why. Written on its own: the request changed nothing.
   */
  async recordFailure(
    scope: Scope,
    input: { type: EventType; subjectType: SubjectType; subjectId?: string | null; summary: string; error: string; detail: Record<string, unknown> },
  ): Promise<void> {
    await this.uow.write(async (em) => {
      await recordEvent(em, scope, {
        type: input.type,
        subjectType: input.subjectType,
        subjectId: input.subjectId ?? null,
        summary: input.summary,
        outcome: 'FAILURE',
        error: input.error,
        detail: redactSecrets(input.detail) as Record<string, unknown>,
      });
    });
  }

  /**
   * Deletes events that occurred before `olderThan`, `batchSize` at a time, each batch its own short
   * statement: writers only ever insert new rows, so they never wait on it. Returns how many went.
   */
  async prune(ctx: CallContext, olderThan: Date, batchSize = 1000): Promise<number> {
    if (ctx.actor.kind !== 'SYSTEM') throw new DomainError('FORBIDDEN', 'Only the system prunes the provisioning log');
    batchSize = Math.max(1, Math.floor(batchSize));
    let total = 0;
    for (;;) {
      // Maintenance, not a provisioning change: no event of its own. One statement, its own transaction.
      const deleted = await this.uow.writeStatement((sql) => eventRepository.pruneBatch(sql, olderThan, batchSize));
      total += deleted;
      if (deleted < batchSize) return total;
      // Let other work in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async list(scope: Scope, args: PageArgs & { filter?: { [K in keyof EventFilter]?: EventFilter[K] | null } | null }): Promise<Page<ProvisioningEvent>> {
    requireLevel(scope, 'ADMINISTRATOR');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    if (after && !/^\d{1,18}$/.test(String(after[0]))) {
      throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list gave out', { argument: 'after' });
    }
    const filter = parseInput(eventFilterRule, stripNulls(args.filter ?? {}));
    const { events, totalCount } = await eventRepository.list(this.uow.sql, scope.tenantId, filter, after ? String(after[0]) : null, size + 1);
    return toPage(events, size, totalCount, (e) => [e.id]);
  }
}
