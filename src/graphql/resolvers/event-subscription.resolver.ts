import { Arg, Ctx, Resolver, Root, Subscription } from 'type-graphql';
import type { ProvisioningEvent } from '../../domain/events/provisioning-event.entity';
import { DomainError } from '../../domain/shared/domain-error';
import { encodeCursor } from '../../domain/shared/pagination';
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
 * The domain stream, with a failure (a subscriber too slow) turned into one last payload: the field resolver
 * throws it, so the client gets it as this subscription's error with its code, then completion.
 */
async function* withFailureAsLastPayload(stream: AsyncIterableIterator<ProvisioningEvent>): AsyncGenerator<ProvisioningEvent | DomainError> {
  try {
    for (;;) {
      let result: IteratorResult<ProvisioningEvent>;
      try {
        result = await stream.next();
      } catch (error) {
        if (error instanceof DomainError) {
          yield error;
          return;
        }
        throw error;
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await stream.return?.();
  }
}

@Resolver()
export class EventSubscriptionResolver {
  @Subscription(() => ProvisioningEventNode, {
    description:
      'The provisioning log, live: with `after`, every stored event after that cursor first, then live events, each once and in order. ' +
      "Scoped by the connection's credentials; an operator names the tenant.",
    subscribe: async ({ args, context }) => {
      const { tenant, types, after } = args as SubscriptionArgs;
      const ctx = context as GraphQLContext;
      const stream = await ctx.services.events.subscribe(await tenantScope(ctx, tenant), { types: types as never, after });
      return withFailureAsLastPayload(stream);
    },
  })
  provisioningEvents(
    @Root() event: ProvisioningEvent | DomainError,
    @Ctx() _ctx: GraphQLContext,
    @Arg('tenant', () => String, TENANT_ARG) _tenant?: string | null,
    @Arg('types', () => [EventTypeEnum], { nullable: true }) _types?: string[] | null,
    @Arg('after', () => String, { nullable: true, description: 'A cursor of an event this API gave out.' }) _after?: string | null,
  ): ProvisioningEventNode {
    if (event instanceof DomainError) throw event;
    return toEventNode(event, encodeCursor([event.id]));
  }
}
