import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { tenantScope, type GraphQLContext } from '../context';
import { TENANT_ARG, TenantPageArgs } from '../types/args';
import { toConnection } from '../types/connection';
import { DeletedUserConnection, DeletedUserNode, toDeletedUserNode } from '../types/deleted-user.type';
import { toUserNode, UserNode } from '../types/user.type';

/** Deleted users' tombstones: listed and restored by tenant administrators. */
@Resolver(() => DeletedUserNode)
export class DeletedUserResolver {
  @Query(() => DeletedUserConnection, { description: 'Deleted users not yet purged, most recently deleted first (ADMINISTRATOR).' })
  async deletedUsers(@Ctx() ctx: GraphQLContext, @Args() { tenant, first, after }: TenantPageArgs): Promise<DeletedUserConnection> {
    return toConnection(await ctx.services.users.listDeleted(await tenantScope(ctx, tenant), { first, after }), toDeletedUserNode);
  }

  @Mutation(() => UserNode, { description: 'Brings a deleted user back, active, with the same id and the groups it had (ADMINISTRATOR).' })
  async restoreUser(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<UserNode> {
    return toUserNode(await ctx.services.users.restore(await tenantScope(ctx, tenant), id));
  }
}
