import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { Credential } from '../../domain/credentials/credential.entity';
import { PermissionLevelEnum } from './enums';

@ObjectType({ simpleResolvers: true })
export class ScimSettings {
  @Field()
  enabled!: boolean;

  @Field({ description: 'The Tenant URL to paste into Entra.' })
  baseUrl!: string;

  @Field(() => String, { nullable: true, description: 'The first characters of the current token; never the token.' })
  tokenPrefix!: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  tokenCreatedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  tokenLastUsedAt!: Date | null;

  /** Not exposed: lets field resolvers act in the tenant the settings were read from. */
  tenantId!: string;

  /** Not exposed as an id: `tokenCreatedBy` resolves it to the user. */
  tokenCreatedByUserId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who generated the current token, as the provisioning log named them then (a user name, an API key, the operator).',
  })
  tokenCreatedByLabel!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Shown once: the token is not stored and cannot be read again.' })
export class GeneratedScimToken {
  @Field()
  token!: string;

  @Field()
  baseUrl!: string;
}

@ObjectType('ApiKey', { simpleResolvers: true })
export class ApiKeyNode {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => PermissionLevelEnum)
  level!: string;

  @Field({ description: 'The first characters of the key; never the key.' })
  prefix!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  revokedAt!: Date | null;

  /** Not exposed: lets field resolvers act in the tenant the key was read from. */
  tenantId!: string;

  /** Not exposed as an id: `createdBy` resolves it to the user. */
  createdByUserId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who created the key, as the provisioning log named them then (a user name, an API key, the operator).',
  })
  createdByLabel!: string | null;
}

export const toApiKeyNode = (c: Credential): ApiKeyNode => ({
  id: c.id,
  tenantId: c.tenantId ?? '',
  createdByUserId: c.createdByUserId,
  createdByLabel: c.createdByLabel,
  name: c.name,
  level: c.level,
  prefix: c.displayPrefix,
  createdAt: c.createdAt,
  lastUsedAt: c.lastUsedAt,
  revokedAt: c.revokedAt,
});

@ObjectType({ simpleResolvers: true, description: 'Shown once: the key is not stored and cannot be read again.' })
export class CreatedApiKey {
  @Field()
  token!: string;

  @Field(() => ApiKeyNode)
  apiKey!: ApiKeyNode;
}

@InputType()
export class CreateApiKeyInput {
  @Field()
  name!: string;

  @Field(() => PermissionLevelEnum)
  level!: string;
}
