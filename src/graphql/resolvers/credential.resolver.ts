import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ScimSettingsView } from '../../domain/credentials/credential.service';
import type { ScimRequestTotals } from '../../domain/scim-traffic/scim-request-counter';
import type { PermissionLevel } from '../../domain/shared/permission-level';
import type { Scope } from '../../domain/shared/scope';
import { scimBaseUrl } from '../../config/urls';
import { SCIM_COUNT_FLUSH_MS } from '../../jobs/scim-request-counts';
import { nodeScope, tenantScope, type GraphQLContext } from '../context';
import { TENANT_ARG } from '../types/args';
import {
  ApiKeyNode,
  CreateApiKeyInput,
  CreatedApiKey,
  GeneratedScimToken,
  ScimSettings,
  toApiKeyNode,
} from '../types/credential.type';

@Resolver()
export class CredentialResolver {
  @Query(() => ScimSettings)
  async scimSettings(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<ScimSettings> {
    const scope = await tenantScope(ctx, tenant);
    return this.withBaseUrl(ctx, scope, await ctx.services.credentials.scimSettings(scope));
  }

  @Mutation(() => ScimSettings)
  async enableScim(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<ScimSettings> {
    const scope = await tenantScope(ctx, tenant);
    return this.withBaseUrl(ctx, scope, await ctx.services.credentials.setScimEnabled(scope, true));
  }

  @Mutation(() => ScimSettings)
  async disableScim(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<ScimSettings> {
    const scope = await tenantScope(ctx, tenant);
    return this.withBaseUrl(ctx, scope, await ctx.services.credentials.setScimEnabled(scope, false));
  }

  @Mutation(() => GeneratedScimToken, {
    description: 'A new SCIM token, shown once. The previous one stops working now, or after graceSeconds.',
  })
  async generateScimToken(
    @Ctx() ctx: GraphQLContext,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
    @Arg('graceSeconds', () => Int, { nullable: true }) graceSeconds?: number | null,
  ): Promise<GeneratedScimToken> {
    const scope = await tenantScope(ctx, tenant);
    // Everything that could fail is read first: once the new token commits, it must reach the caller.
    const baseUrl = scimBaseUrl(ctx.publicUrl, (await ctx.services.tenants.get(scope)).slug);
    const { token } = await ctx.services.credentials.generateScimToken(scope, graceSeconds ?? 0);
    return { token, baseUrl };
  }

  @Mutation(() => ScimSettings)
  async revokeScimToken(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<ScimSettings> {
    const scope = await tenantScope(ctx, tenant);
    return this.withBaseUrl(ctx, scope, await ctx.services.credentials.revokeScimToken(scope));
  }

  @Query(() => [ApiKeyNode], { description: 'The tenant\'s API keys, newest first (at most 500).' })
  async apiKeys(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<ApiKeyNode[]> {
    return (await ctx.services.credentials.listApiKeys(await tenantScope(ctx, tenant))).map(toApiKeyNode);
  }

  @Mutation(() => CreatedApiKey, { description: 'A new API key, shown once; its level is at most the caller\'s.' })
  async createApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg('input') input: CreateApiKeyInput,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<CreatedApiKey> {
    const scope = await tenantScope(ctx, tenant);
    const issued = await ctx.services.credentials.createApiKey(scope, {
      name: input.name,
      level: input.level as PermissionLevel,
    });
    return { token: issued.token, apiKey: toApiKeyNode(issued.credential) };
  }

  @Mutation(() => ApiKeyNode)
  async revokeApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<ApiKeyNode> {
    return toApiKeyNode(await ctx.services.credentials.revokeApiKey(await tenantScope(ctx, tenant), id));
  }

  private async withBaseUrl(ctx: GraphQLContext, scope: Scope, view: ScimSettingsView): Promise<ScimSettings> {
    const own = await ctx.services.tenants.get(scope);
    return { ...view, tenantId: scope.tenantId, baseUrl: scimBaseUrl(ctx.publicUrl, own.slug) };
  }
}

const COUNT_WINDOW =
  `Counted per hour: the current hour and the 23 before it (so between 23 and 24 hours). Each app process adds its counts ` +
  `every ${SCIM_COUNT_FLUSH_MS / 1000} seconds, so the last few seconds may be missing. Requests to the tenant's SCIM URL with any token or none are counted.`;

/** One read of a tenant's counts per request, however many of the count fields are asked for. */
const countsByRequest = new WeakMap<GraphQLContext, Map<string, Promise<ScimRequestTotals>>>();

function lastDayCounts(ctx: GraphQLContext, tenantId: string): Promise<ScimRequestTotals> {
  let forRequest = countsByRequest.get(ctx);
  if (!forRequest) countsByRequest.set(ctx, (forRequest = new Map()));
  let counts = forRequest.get(tenantId);
  if (!counts) forRequest.set(tenantId, (counts = ctx.services.scimRequests.lastDay(nodeScope(ctx, tenantId))));
  return counts;
}

@Resolver(() => ScimSettings)
export class ScimRequestCountsResolver {
  @FieldResolver(() => Int, { description: `How many SCIM requests the tenant received in the last 24 hours, refused ones included. ${COUNT_WINDOW}` })
  async requestsLast24h(@Ctx() ctx: GraphQLContext, @Root() settings: ScimSettings): Promise<number> {
    return (await lastDayCounts(ctx, settings.tenantId)).requests;
  }

  @FieldResolver(() => Int, {
    description:
      'How many of requestsLast24h were answered with an error status (4xx or 5xx): a missing or wrong token, too many requests, ' +
      `input the server refused, a resource that does not exist, a server error. ${COUNT_WINDOW}`,
  })
  async refusedLast24h(@Ctx() ctx: GraphQLContext, @Root() settings: ScimSettings): Promise<number> {
    return (await lastDayCounts(ctx, settings.tenantId)).refused;
  }
}
