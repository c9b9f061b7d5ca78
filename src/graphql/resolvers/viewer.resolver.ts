import { Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { callContext, tenantScope, type GraphQLContext } from '../context';
import { toTenantNode } from '../types/tenant.type';
import { toUserNode } from '../types/user.type';
import { Viewer } from '../types/viewer.type';

@Resolver()
export class ViewerResolver {
  @Query(() => Viewer, { description: 'Who is calling.' })
  async viewer(@Ctx() ctx: GraphQLContext): Promise<Viewer> {
    const { actor } = callContext(ctx);
    const viewer: Viewer = {
      kind: actor.kind === 'USER' || actor.kind === 'API_KEY' ? actor.kind : 'OPERATOR',
      level: actor.level,
      tenant: null,
      user: null,
    };
    if (actor.tenantId) {
      const scope = await tenantScope(ctx);
      viewer.tenant = toTenantNode(await ctx.services.tenants.get(scope));
      if (actor.kind === 'USER' && actor.id) viewer.user = toUserNode(await ctx.services.users.get(scope, actor.id));
    }
    return viewer;
  }

  @Mutation(() => Boolean, { description: 'Ends the caller\'s session; false when it had already ended.' })
  async signOut(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.sessions.signOut(await tenantScope(ctx));
  }
}
