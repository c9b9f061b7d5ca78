import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { Tenant as TenantEntity } from '../../domain/tenants/tenant.entity';
import { Connection } from './connection';

@ObjectType('Tenant', { simpleResolvers: true })
export class TenantNode {
  @Field(() => ID)
  id!: string;

  @Field()
  slug!: string;

  @Field()
  name!: string;

  @Field({ description: 'Whether the SCIM facade accepts requests.' })
  scimEnabled!: boolean;

  @Field({ description: 'Unknown users signing in through SAML are created on the fly.' })
  jitSignIn!: boolean;

  @Field({ description: 'IdP-initiated SAML responses (no InResponseTo) are accepted.' })
  idpInitiatedSignIn!: boolean;

  @Field(() => ID, { nullable: true, description: 'The team of everyone whose groups grant nothing.' })
  fallbackTeamId!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

export const toTenantNode = (t: TenantEntity): TenantNode => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  scimEnabled: t.scimEnabled,
  jitSignIn: t.jitSignIn,
  idpInitiatedSignIn: t.idpInitiatedSignIn,
  fallbackTeamId: t.fallbackTeamId,
  createdAt: t.createdAt,
});

@ObjectType({ simpleResolvers: true })
export class TenantConnection extends Connection('Tenant', TenantNode) {}

@InputType()
export class CreateTenantInput {
  @Field({ description: 'Lowercase letters, digits and inner dashes, 2–63 characters.' })
  slug!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType()
export class TenantSettingsInput {
  @Field(() => Boolean, { nullable: true })
  jitSignIn?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  idpInitiatedSignIn?: boolean | null;
}
