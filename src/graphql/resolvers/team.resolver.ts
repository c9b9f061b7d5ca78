import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { tenantScope, type GraphQLContext } from '../context';
import { TENANT_ARG } from '../types/args';
import { TeamNode, toTeamNode } from '../types/team.type';

@Resolver(() => TeamNode)
export class TeamResolver {
  @Query(() => [TeamNode], { description: 'The tenant\'s teams, by name (at most 1,000).' })
  async teams(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<TeamNode[]> {
    return (await ctx.services.teams.list(await tenantScope(ctx, tenant))).map(toTeamNode);
  }

  @Query(() => TeamNode)
  async team(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<TeamNode> {
    return toTeamNode(await ctx.services.teams.get(await tenantScope(ctx, tenant), id));
  }

  @Mutation(() => TeamNode)
  async createTeam(
    @Ctx() ctx: GraphQLContext,
    @Arg('name') name: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<TeamNode> {
    return toTeamNode(await ctx.services.teams.create(await tenantScope(ctx, tenant), name));
  }

  @Mutation(() => TeamNode)
  async renameTeam(
    @Ctx() ctx: GraphQLContext,
    @Arg('teamId', () => ID) teamId: string,
    @Arg('name') name: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<TeamNode> {
    return toTeamNode(await ctx.services.teams.rename(await tenantScope(ctx, tenant), teamId, name));
  }

  @Mutation(() => Boolean, { description: 'Deletes a team with its grants; a fallback team is unset.' })
  async deleteTeam(
    @Ctx() ctx: GraphQLContext,
    @Arg('teamId', () => ID) teamId: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<boolean> {
    await ctx.services.teams.delete(await tenantScope(ctx, tenant), teamId);
    return true;
  }
}
