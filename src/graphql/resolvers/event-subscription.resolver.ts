import { Arg, Ctx, Resolver, Root, Subscription } from 'type-graphql';
import type { DeliveredEvent } from '../../domain/events/event-subscription';
import { DomainError } from '../../domain/shared/domain-error';
import { tenantScope, type GraphQLContext } from '../context';
import { EventTypeEnum } from '../types/enums';
import { ProvisioningEventNode, toEventNode } from '../types/event.type';
import { TENANT_ARG } from '../types/args';

interface SubscriptionArgs {
  tenant?: string | null;
  types?: string[] | null;
  after?: string | null;
}

/** How often a live subscription checks that its credential is still good (revoked, signed out, deactivated). */
const REAUTHENTICATE_MS = 5_000;

/**
 * The domain stream as graphql-ws consumes it. A plain iterator, not an async generator: graphql-ws calls
 * `return()` when the client completes or disconnects, and a generator would only see that at its next
 * event (on a quiet tenant: never), keeping the subscription alive. A failure (a subscriber too slow, a
 * credential no longer good) becomes one last payload that the field resolver throws, so the client gets
 * it as this subscription's error with its code, then completion.
 */
function deliverable(stream: AsyncIterableIterator<DeliveredEvent>, stillAuthenticated: (() => Promise<boolean>) | undefined): AsyncIterableIterator<DeliveredEvent | DomainError> {
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
      if (stillAuthenticated && Date.now() - checkedAt >= REAUTHENTICATE_MS) {
        checkedAt = Date.now();
        if (!(await stillAuthenticated().catch(() => false))) {
          await end();
          return { done: false, value: new DomainError('UNAUTHENTICATED', 'The credential of this connection is no longer valid') };
        }
      }
      return { done: false, value: result.value };
    },
    return: end,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
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
      const stream = await ctx.services.events.subscribe(await tenantScope(ctx, tenant), { types: types as never, after });
      return deliverable(stream, ctx.stillAuthenticated);
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
