import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { nodeScope, tenantScope, type GraphQLContext } from '../context';
import { TENANT_ARG } from '../types/args';
import {
  DirectoryProvider,
  DirectoryProviderInput,
  DirectoryProviderTest,
  DirectorySync,
  toDirectoryProvider,
  toDirectorySync,
} from '../types/directory-provider.type';
import { TenantNode } from '../types/tenant.type';

/** Microsoft Entra ID as the tenant's directory provider (SPEC §6). */
@Resolver(() => TenantNode)
export class DirectoryProviderResolver {
  @FieldResolver(() => DirectoryProvider, { nullable: true, description: 'The directory provider, or null when none is connected. ADMINISTRATOR only: others are refused (FORBIDDEN).' })
  async directoryProvider(@Ctx() ctx: GraphQLContext, @Root() tenant: TenantNode): Promise<DirectoryProvider | null> {
    const view = await ctx.services.directoryProvider.view(nodeScope(ctx, tenant.id));
    return view && toDirectoryProvider(view);
  }

  @Mutation(() => DirectoryProvider, { description: 'Connects (or reconnects) Microsoft Entra ID; configuring with a new secret is the rotation.' })
  async configureDirectoryProvider(
    @Ctx() ctx: GraphQLContext,
    @Arg('input') input: DirectoryProviderInput,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<DirectoryProvider> {
    const scope = await tenantScope(ctx, tenant);
    return toDirectoryProvider(await ctx.services.directoryProvider.configure(scope, input));
  }

  @Mutation(() => DirectoryProviderTest, { description: 'Gets a token and makes one Graph call that needs the photo permission; the message says what to fix.' })
  async testDirectoryProvider(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<DirectoryProviderTest> {
    return ctx.services.directoryProvider.test(await tenantScope(ctx, tenant));
  }

  @Mutation(() => DirectorySync, { description: 'Starts a sync now and returns its record (RUNNING); when one is running, returns that one.' })
  async syncDirectory(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<DirectorySync> {
    const started = await ctx.services.directoryProvider.startSync(await tenantScope(ctx, tenant));
    return toDirectorySync(started.sync);
  }

  @Mutation(() => Boolean, { description: 'Disconnects the directory provider; stored photos stay.' })
  async removeDirectoryProvider(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<boolean> {
    return ctx.services.directoryProvider.remove(await tenantScope(ctx, tenant));
  }
}
