import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { samlSpUrls } from '../../config/urls';
import type { SamlSettingsView } from '../../domain/saml/saml.service';
import type { Scope } from '../../domain/shared/scope';
import { tenantScope, type GraphQLContext } from '../context';
import { TENANT_ARG } from '../types/args';
import { ConfigureSamlInput, SamlSettings } from '../types/saml.type';

@Resolver()
export class SamlResolver {
  @Query(() => SamlSettings, { description: "The tenant's SAML sign-in: the SP values for Entra and the IdP Portico trusts." })
  async samlSettings(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<SamlSettings> {
    const scope = await tenantScope(ctx, tenant);
    return this.toSettings(ctx, scope, await ctx.services.saml.settings(scope));
  }

  @Mutation(() => SamlSettings, { description: 'Replaces the IdP configuration; the trusted certificates become exactly those given.' })
  async configureSaml(
    @Ctx() ctx: GraphQLContext,
    @Arg('input') input: ConfigureSamlInput,
    @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null,
  ): Promise<SamlSettings> {
    const scope = await tenantScope(ctx, tenant);
    const view = await ctx.services.saml.configure(scope, {
      metadataUrl: input.metadataUrl ?? undefined,
      metadataXml: input.metadataXml ?? undefined,
      idpEntityId: input.idpEntityId ?? undefined,
      ssoUrl: input.ssoUrl ?? undefined,
      sloUrl: input.sloUrl ?? undefined,
      certificates: input.certificates ?? undefined,
    });
    return this.toSettings(ctx, scope, view);
  }

  @Mutation(() => SamlSettings, { description: 'Fetches the IdP metadata URL now; on failure the last good configuration stays.' })
  async refreshSamlMetadata(@Ctx() ctx: GraphQLContext, @Arg('tenant', () => String, TENANT_ARG) tenant?: string | null): Promise<SamlSettings> {
    const scope = await tenantScope(ctx, tenant);
    return this.toSettings(ctx, scope, await ctx.services.saml.refreshMetadata(scope));
  }

  private async toSettings(ctx: GraphQLContext, scope: Scope, view: SamlSettingsView): Promise<SamlSettings> {
    const { slug } = await ctx.services.tenants.get(scope);
    const urls = samlSpUrls(ctx.publicUrl, slug);
    return {
      spEntityId: urls.entityId,
      acsUrl: urls.acsUrl,
      loginUrl: urls.loginUrl,
      logoutUrl: urls.logoutUrl,
      metadataUrl: urls.metadataUrl,
      spCertificate: view.spCertificate,
      configured: view.configured,
      idpEntityId: view.idpEntityId,
      idpSsoUrl: view.idpSsoUrl,
      idpSloUrl: view.idpSloUrl,
      idpMetadataUrl: view.idpMetadataUrl,
      idpCertificates: view.idpCertificates.map((c) => ({
        fingerprint: c.fingerprint,
        subject: c.subject,
        notBefore: new Date(c.notBefore),
        notAfter: new Date(c.notAfter),
      })),
      metadataRefreshedAt: view.metadataRefreshedAt,
      metadataRefreshError: view.metadataRefreshError,
    };
  }
}
