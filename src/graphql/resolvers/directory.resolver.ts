import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { IdpGroup } from '../../domain/groups/idp-group.entity';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { groupsReadFor, readUserWithAccess, selects } from '../access-prefetch';
import { userPhotoUrl } from '../../config/urls';
import { DomainError } from '../../domain/shared/domain-error';
import { nodeScope, tenantScope, type GraphQLContext } from '../context';
import { toConnection } from '../types/connection';
import { GroupFilter, IdpGroupConnection, IdpGroupNode, toGroupNode } from '../types/group.type';
import { toUserNode, UserConnection, UserFilter, UserNode } from '../types/user.type';
import { PageArgs, TENANT_ARG, TenantPageArgs } from '../types/args';

/** Null instead of an error when the id names nothing in the caller's tenant. */
async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/** One query for the groups of every user a request lists (a page of 100 users asked for their groups: 1, not 100). */
const groupLoaders = new WeakMap<GraphQLContext, Map<string, DataLoader<string, IdpGroup[]>>>();

function groupsLoader(ctx: GraphQLContext, tenantId: string): DataLoader<string, IdpGroup[]> {
  let forRequest = groupLoaders.get(ctx);
  if (!forRequest) groupLoaders.set(ctx, (forRequest = new Map()));
  let loader = forRequest.get(tenantId);
  if (!loader) {
    loader = new DataLoader(async (userIds: readonly string[]) => {
      const groups = await ctx.services.users.groupsOfUsers(nodeScope(ctx, tenantId), [...userIds]);
      return userIds.map((id) => groups.get(id) ?? []);
    });
    forRequest.set(tenantId, loader);
  }
  return loader;
}

@Resolver(() => UserNode)
export class UserResolver {
  @Query(() => UserConnection)
  async users(
    @Ctx() ctx: GraphQLContext,
    @Args() { tenant, first, after }: TenantPageArgs,
    @Arg('filter', () => UserFilter, { nullable: true }) filter?: UserFilter | null,
  ): Promise<UserConnection> {
    const page = await ctx.services.users.list(await tenantScope(ctx, tenant), { first, after, filter });
    return toConnection(page, toUserNode);
  }

  @Query(() => UserNode, { nullable: true, description: 'A user of the tenant by id; null when there is none.' })
  async user(
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('id', () => ID) id: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<UserNode | null> {
    const scope = await tenantScope(ctx, tenant);
    // With its access when the query asks for it: the user row and the access in one query.
    const user = await orNull(selects(info, 'access') ? readUserWithAccess(ctx, scope, id, groupsReadFor(info)) : ctx.services.users.get(scope, id));
    return user && toUserNode(user);
  }

  // Not paged: the cost limit counts it at its maximum (query-cost.ts), so nesting cannot hide a fan-out.
  @FieldResolver(() => [IdpGroupNode], { description: 'The IdP groups the user belongs to (at most 1,000).' })
  async groups(@Ctx() ctx: GraphQLContext, @Root() user: UserNode): Promise<IdpGroupNode[]> {
    return (await groupsLoader(ctx, user.tenantId).load(user.id)).map(toGroupNode);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The URL of the user's photo (GET it with a credential of the tenant; it answers ETag and 304), or null when they have none.",
  })
  async photoUrl(@Ctx() ctx: GraphQLContext, @Root() user: UserNode): Promise<string | null> {
    if (!user.photoEtag) return null;
    return userPhotoUrl(ctx.publicUrl, await ctx.services.tenants.slugOf(nodeScope(ctx, user.tenantId)), user.id);
  }
}

@Resolver(() => IdpGroupNode)
export class GroupResolver {
  @Query(() => IdpGroupConnection)
  async groups(
    @Ctx() ctx: GraphQLContext,
    @Args() { tenant, first, after }: TenantPageArgs,
    @Arg('filter', () => GroupFilter, { nullable: true }) filter?: GroupFilter | null,
  ): Promise<IdpGroupConnection> {
    return toConnection(await ctx.services.groups.list(await tenantScope(ctx, tenant), { first, after, filter }), toGroupNode);
  }

  @Query(() => IdpGroupNode, { nullable: true, description: 'An IdP group by id; null when there is none.' })
  async group(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<IdpGroupNode | null> {
    const group = await orNull(ctx.services.groups.get(await tenantScope(ctx, tenant), id));
    return group && toGroupNode(group);
  }

  @FieldResolver(() => UserConnection)
  async members(@Ctx() ctx: GraphQLContext, @Root() group: IdpGroupNode, @Args() page: PageArgs): Promise<UserConnection> {
    return toConnection(await ctx.services.groups.members(nodeScope(ctx, group.tenantId), group.id, page), toUserNode);
  }
}
