import { z } from 'zod';
import { requireLevel } from '../shared/authorize';
import { DomainError } from '../shared/domain-error';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { Scope } from '../shared/scope';
import type { UnitOfWork } from '../shared/unit-of-work';
import { parseInput, stripNulls } from '../shared/validate';
import { redactSecrets } from '../shared/changes';
import { recordEvent } from './event-recorder';
import { EVENT_SOURCES, EVENT_TYPES, ProvisioningEvent, type EventType, type SubjectType } from './provisioning-event.entity';

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

/** Reads the provisioning log, newest first; the cursor is the event id. */
export class EventService {
  constructor(private readonly uow: UnitOfWork) {}

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

  async list(scope: Scope, args: PageArgs & { filter?: { [K in keyof EventFilter]?: EventFilter[K] | null } | null }): Promise<Page<ProvisioningEvent>> {
    requireLevel(scope, 'ADMINISTRATOR');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    if (after && !/^\d{1,18}$/.test(String(after[0]))) {
      throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list gave out', { argument: 'after' });
    }
    const f = parseInput(eventFilterRule, stripNulls(args.filter ?? {}));
    return this.uow.read(async (em) => {
      const where: Record<string, unknown> = { tenantId: scope.tenantId };
      if (f.types?.length) where.type = { $in: f.types };
      if (f.sources?.length) where.source = { $in: f.sources };
      if (f.outcome) where.outcome = f.outcome;
      if (f.subjectId) where.subjectId = f.subjectId;
      if (f.subjectType) where.subjectType = f.subjectType;
      if (f.from || f.to) where.occurredAt = { ...(f.from && { $gte: f.from }), ...(f.to && { $lte: f.to }) };
      const pageWhere = after ? { ...where, id: { $lt: String(after[0]) } } : where;
      const [rows, totalCount] = await Promise.all([
        em.find(ProvisioningEvent, pageWhere, { orderBy: { id: 'desc' }, limit: size + 1 }),
        em.count(ProvisioningEvent, where),
      ]);
      return toPage(rows, size, totalCount, (e) => [e.id]);
    });
  }
}
