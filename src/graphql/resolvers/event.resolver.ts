import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { encodeFeedCursor } from '../../domain/events/feed-position';
import type { EventFilter } from '../../domain/events/event.service';
import { tenantScope, type GraphQLContext } from '../context';
import { TenantPageArgs } from '../types/args';
import { ProvisioningEventConnection, ProvisioningEventFilter, toEventNode } from '../types/event.type';

@Resolver()
export class EventResolver {
  @Query(() => ProvisioningEventConnection, { description: 'The provisioning log, newest first.' })
  async provisioningEvents(
    @Ctx() ctx: GraphQLContext,
    @Args() { tenant, first, after }: TenantPageArgs,
    @Arg('filter', () => ProvisioningEventFilter, { nullable: true }) filter?: ProvisioningEventFilter | null,
  ): Promise<ProvisioningEventConnection> {
    const page = await ctx.services.events.list(await tenantScope(ctx, tenant), {
      first,
      after,
      filter: filter as EventFilter | null,
    });
    return {
      edges: page.items.map(({ node, cursor }) => ({ cursor, node: toEventNode(node, encodeFeedCursor({ tx: BigInt(node.txId ?? 0), id: BigInt(node.id) })) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }
}

