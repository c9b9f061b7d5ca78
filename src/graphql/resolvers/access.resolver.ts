import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GrantSource } from '../../domain/access/access-rules';
import type { ExplainedAccess, MappingInput as DomainMappingInput, MappingView } from '../../domain/access/access.service';
import type { Scope } from '../../domain/shared/scope';
import { explainedAccess } from '../access-prefetch';
import { nodeScope, tenantScope, type GraphQLContext } from '../context';
import { EffectiveAccess, Grant, MappingInput, PermissionMapping, TeamMemberConnection } from '../types/access.type';
import { PageArgs, TENANT_ARG } from '../types/args';
import { toConnection } from '../types/connection';
import type { IdpGroupNode } from '../types/group.type';
import { TeamNode } from '../types/team.type';
import { TenantNode, toTenantNode } from '../types/tenant.type';
import { toUserNode, UserNode } from '../types/user.type';

/** Teams and groups named by access grants and mappings, loaded in one query per field. */
async function lookups(ctx: GraphQLContext, scope: Scope, groupIds: string[], teamIds: string[]) {
  const named = await ctx.services.access.namedInGrants(scope, groupIds, teamIds);
  const teamById = new Map<string, TeamNode>(named.teams.map((t) => [t.id, t]));
  const groupById = new Map<string, IdpGroupNode>(named.groups.map((g) => [g.id, g]));
  const grant = (source: GrantSource): Grant =>
    source.kind === 'default' ? { group: null, isDefault: true } : { group: groupById.get(source.groupId) ?? null, isDefault: false };
  const team = (id: string, name: string): TeamNode => teamById.get(id) ?? { id, tenantId: scope.tenantId, name, createdAt: new Date(0) };
  return { grant, team, group: (id: string) => groupById.get(id) ?? null };
}

const groupsOf = (sources: GrantSource[]) => sources.flatMap((s) => (s.kind === 'group' ? [s.groupId] : []));

function toMappingInput(input: MappingInput): DomainMappingInput {
  return { globalLevel: input.globalLevel, teams: input.teams } as DomainMappingInput;
}

/** The one reason "the default mapping": shared by every grant it explains. */
const DEFAULT_GRANT: Grant = Object.freeze({ group: null, isDefault: true });

/**
 * An access as the `EffectiveAccess` type shows it: plain objects, each group's grant and each team's node
 * made once (a team is granted by several groups, a group grants several teams), so the default resolvers
 * read properties and nothing is built per field. A group's node is the group as read (it has its tenant).
 */
function toEffectiveAccess({ access, named }: ExplainedAccess, tenantId: string): EffectiveAccess {
  const grants = new Map<string, Grant>();
  const grant = (source: GrantSource): Grant => {
    if (source.kind === 'default') return DEFAULT_GRANT;
    let made = grants.get(source.groupId);
    if (!made) grants.set(source.groupId, (made = { group: named.groups.get(source.groupId) ?? null, isDefault: false }));
    return made;
  };
  const team = (id: string, name: string): TeamNode => ({ id, tenantId, name, createdAt: named.teams.get(id)?.createdAt ?? new Date(0) });
  return {
    globalLevel: access.globalLevel,
    globalGrantedBy: access.globalGrantedBy.map(grant),
    teams: access.teams.map((t) => ({ team: team(t.teamId, t.teamName), level: t.level, grantedBy: t.grantedBy.map(grant) })),
    fromDefault: access.fromDefault,
  };
}

@Resolver(() => UserNode)
export class UserAccessResolver {
  @FieldResolver(() => EffectiveAccess, { description: 'Effective access, explained: every grant lists what gave it.' })
  async access(@Ctx() ctx: GraphQLContext, @Root() user: UserNode): Promise<EffectiveAccess> {
    // Read with the user, or batched with every other user of the request: the access and the groups and
    // teams its grants name come from the same query.
    return toEffectiveAccess(await explainedAccess(ctx, nodeScope(ctx, user.tenantId), user.id), user.tenantId);
  }
}

@Resolver(() => TeamNode)
export class TeamMembersResolver {
  @FieldResolver(() => TeamMemberConnection, { description: 'Who has access to this team, and why, by userName.' })
  async members(@Ctx() ctx: GraphQLContext, @Root() team: TeamNode, @Args() page: PageArgs): Promise<TeamMemberConnection> {
    const scope = nodeScope(ctx, team.tenantId);
    const result = await ctx.services.access.teamMembers(scope, team.id, page);
    const { grant } = await lookups(ctx, scope, result.items.flatMap(({ node }) => groupsOf(node.access.grantedBy)), []);
    return toConnection(result, ({ user, access }) => ({ user: toUserNode(user), level: access.level, grantedBy: access.grantedBy.map(grant) }));
  }
}

@Resolver()
export class AccessResolver {
  @Query(() => [PermissionMapping], { description: 'Every group mapping and the default mapping of the tenant.' })
  async permissionMappings(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<PermissionMapping[]> {
    const scope = await tenantScope(ctx, tenant);
    const views = await ctx.services.access.listMappings(scope);
    return this.toMappings(ctx, scope, views);
  }

  @Mutation(() => PermissionMapping)
  async setGroupMapping(
    @Ctx() ctx: GraphQLContext,
    @Arg('groupId', () => ID) groupId: string,
    @Arg('input') input: MappingInput,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<PermissionMapping> {
    const scope = await tenantScope(ctx, tenant);
    const view = await ctx.services.access.setGroupMapping(scope, groupId, toMappingInput(input));
    return (await this.toMappings(ctx, scope, [view]))[0];
  }

  @Mutation(() => Boolean, { description: 'False when the group had no mapping.' })
  async deleteGroupMapping(
    @Ctx() ctx: GraphQLContext,
    @Arg('groupId', () => ID) groupId: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<boolean> {
    return ctx.services.access.deleteGroupMapping(await tenantScope(ctx, tenant), groupId);
  }

  @Mutation(() => PermissionMapping)
  async setDefaultMapping(
    @Ctx() ctx: GraphQLContext,
    @Arg('input') input: MappingInput,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<PermissionMapping> {
    const scope = await tenantScope(ctx, tenant);
    const view = await ctx.services.access.setDefaultMapping(scope, toMappingInput(input));
    return (await this.toMappings(ctx, scope, [view]))[0];
  }

  @Mutation(() => TenantNode, { description: 'The team everyone whose groups grant nothing belongs to.' })
  async setFallbackTeam(
    @Ctx() ctx: GraphQLContext,
    @Arg('teamId', () => ID) teamId: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<TenantNode> {
    return toTenantNode(await ctx.services.access.setFallbackTeam(await tenantScope(ctx, tenant), teamId));
  }

  @Mutation(() => TenantNode)
  async clearFallbackTeam(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<TenantNode> {
    return toTenantNode(await ctx.services.access.setFallbackTeam(await tenantScope(ctx, tenant), null));
  }

  private async toMappings(ctx: GraphQLContext, scope: Scope, views: MappingView[]): Promise<PermissionMapping[]> {
    const { team, group } = await lookups(
      ctx,
      scope,
      views.flatMap((v) => (v.groupId ? [v.groupId] : [])),
      views.flatMap((v) => v.teams.map((t) => t.teamId)),
    );
    return views.map((v) => ({
      group: v.groupId ? group(v.groupId) : null,
      isDefault: v.groupId === null,
      globalLevel: v.globalLevel,
      teams: v.teams.map((t) => ({ team: team(t.teamId, t.teamName), level: t.level })),
      updatedAt: v.updatedAt,
    }));
  }
}
