import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { callContext, tenantScope, type GraphQLContext } from '../context';
import { PageArgs, TENANT_ARG } from '../types/args';
import { toConnection } from '../types/connection';
import { CreateTenantInput, TenantConnection, TenantNode, TenantSettingsInput, toTenantNode } from '../types/tenant.type';

@Resolver()
export class TenantResolver {
  @Query(() => TenantNode, { nullable: true })
  async tenant(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<TenantNode> {
    return toTenantNode(await ctx.services.tenants.get(await tenantScope(ctx, tenant)));
  }

  @Query(() => TenantConnection, { description: 'Every tenant (operator only).' })
  async tenants(@Ctx() ctx: GraphQLContext, @Args() page: PageArgs): Promise<TenantConnection> {
    return toConnection(await ctx.services.tenants.list(callContext(ctx), page), toTenantNode);
  }

  @Mutation(() => TenantNode, { description: 'Creates a tenant (operator only).' })
  async createTenant(@Ctx() ctx: GraphQLContext, @Arg('input') input: CreateTenantInput): Promise<TenantNode> {
    return toTenantNode(await ctx.services.tenants.create(callContext(ctx), input));
  }

  @Mutation(() => TenantNode)
  async updateTenantSettings(
    @Ctx() ctx: GraphQLContext,
    @Arg('input') input: TenantSettingsInput,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<TenantNode> {
    return toTenantNode(await ctx.services.tenants.updateSettings(await tenantScope(ctx, tenant), input));
  }
}
