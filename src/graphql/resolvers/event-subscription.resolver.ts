import { Arg, Ctx, Resolver, Root, Subscription } from 'type-graphql';
import type { DeliveredEvent } from '../../domain/events/event-subscription';
import { DomainError } from '../../domain/shared/domain-error';
import type { Actor, Scope } from '../../domain/shared/scope';
import { tenantScope, type GraphQLContext } from '../context';
import { EventTypeEnum } from '../types/enums';
import { ProvisioningEventNode, toEventNode } from '../types/event.type';
import { TENANT_ARG } from '../types/args';

interface SubscriptionArgs {
  tenant?: string | null;
  types?: string[] | null;
  after?: string | null;
}

/**
 * How often a live subscription checks that its credential is still good (revoked, signed out, deactivated)
 * and that its caller may still follow the log (a user demoted by a mapping change).
 */
const REAUTHENTICATE_MS = 5_000;

/** Why the subscription must end now, or null while its caller may go on. */
type StillAllowed = () => Promise<DomainError | null>;

/**
 * The domain stream as graphql-ws consumes it. A plain iterator, not an async generator: graphql-ws calls
 * `return()` when the client completes or disconnects, and a generator would only see that at its next
 * event (on a quiet tenant: never), keeping the subscription alive. A failure (a subscriber too slow, a
 * credential no longer good) becomes one last payload that the field resolver throws, so the client gets
 * it as this subscription's error with its code, then completion.
 */
function deliverable(stream: AsyncIterableIterator<DeliveredEvent>, stillAllowed: StillAllowed | undefined): AsyncIterableIterator<DeliveredEvent | DomainError> {
  let ended = false;
  let checkedAt = Date.now();
  const end = async (): Promise<IteratorResult<DeliveredEvent | DomainError>> => {
    ended = true;
    await stream.return?.();
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<DeliveredEvent | DomainError> = {
    async next() {
      if (ended) return { done: true, value: undefined };
      let result: IteratorResult<DeliveredEvent>;
      try {
        result = await stream.next();
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        ended = true;
        return { done: false, value: error };
      }
      if (result.done) return end();
      if (stillAllowed && Date.now() - checkedAt >= REAUTHENTICATE_MS) {
        checkedAt = Date.now();
        const refusal = await stillAllowed().catch(() => new DomainError('UNAUTHENTICATED', 'The credential of this connection could not be checked'));
        if (refusal) {
          await end();
          return { done: false, value: refusal };
        }
      }
      return { done: false, value: result.value };
    },
    return: end,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * What the result of a delivered event depends on: the event, and its cursor when the operation selects it (it
 * says what this subscriber had); never on who subscribed, whom the tenant's offer reaches alike. So the
 * subscribers of a tenant with the same request share one execution per event (see shared-subscription-results).
 */
export function sharedEventResult(payload: unknown, selects: (fieldName: string) => boolean): { on: object; variant: string } | null {
  if (payload instanceof DomainError || typeof payload !== 'object' || payload === null || !('event' in payload) || !('cursor' in payload)) return null;
  const delivered = payload as DeliveredEvent;
  return { on: delivered.event, variant: selects('cursor') ? delivered.cursor : '' };
}

/** The caller as its credential names it now, authorized again by the domain with the subscription's scope. */
function stillAllowed(scope: Scope, reauthenticate: () => Promise<Actor | null>, ctx: GraphQLContext): StillAllowed {
  return async () => {
    const actor = await reauthenticate();
    if (!actor) return new DomainError('UNAUTHENTICATED', 'The credential of this connection is no longer valid');
    try {
      ctx.services.events.authorizeSubscriber({ ...scope, actor });
      return null;
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  };
}

@Resolver()
export class EventSubscriptionResolver {
  @Subscription(() => ProvisioningEventNode, {
    description:
      'The provisioning log, live: with `after` (the cursor of an event this subscription delivered), every stored event after it first, ' +
      "then live events as they commit, each exactly once. Scoped by the connection's credentials; an operator names the tenant.",
    subscribe: async ({ args, context }) => {
      const { tenant, types, after } = args as SubscriptionArgs;
      const ctx = context as GraphQLContext;
      const scope = await tenantScope(ctx, tenant);
      const stream = await ctx.services.events.subscribe(scope, { types: types as never, after });
      return deliverable(stream, ctx.reauthenticate && stillAllowed(scope, ctx.reauthenticate, ctx));
    },
  })
  provisioningEvents(
    @Root() delivered: DeliveredEvent | DomainError,
    @Ctx() _ctx: GraphQLContext,
    @Arg('tenant', () => String, TENANT_ARG) _tenant?: string | null,
    @Arg('types', () => [EventTypeEnum], { nullable: true }) _types?: string[] | null,
    @Arg('after', () => String, { nullable: true, description: 'The cursor of an event this subscription delivered.' }) _after?: string | null,
  ): ProvisioningEventNode {
    if (delivered instanceof DomainError) throw delivered;
    return toEventNode(delivered.event, delivered.cursor);
  }
}
