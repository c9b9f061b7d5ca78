import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { AccessResolver, TeamMembersResolver, UserAccessResolver } from './resolvers/access.resolver';
import { ApiKeyCreatorResolver, ScimTokenCreatorResolver } from './resolvers/credential-creator.resolver';
import { CredentialResolver, ScimRequestCountsResolver } from './resolvers/credential.resolver';
import { DeletedUserResolver } from './resolvers/deleted-user.resolver';
import { DirectoryProviderResolver } from './resolvers/directory-provider.resolver';
import { GroupResolver, UserResolver } from './resolvers/directory.resolver';
import { EventSubscriptionResolver } from './resolvers/event-subscription.resolver';
import { EventResolver } from './resolvers/event.resolver';
import { SamlResolver } from './resolvers/saml.resolver';
import { TeamResolver } from './resolvers/team.resolver';
import { TenantResolver } from './resolvers/tenant.resolver';
import { ViewerResolver } from './resolvers/viewer.resolver';

export const resolvers = [
  ViewerResolver,
  TenantResolver,
  UserResolver,
  GroupResolver,
  DeletedUserResolver,
  TeamResolver,
  CredentialResolver,
  ApiKeyCreatorResolver,
  ScimTokenCreatorResolver,
  ScimRequestCountsResolver,
  EventResolver,
  UserAccessResolver,
  TeamMembersResolver,
  AccessResolver,
  SamlResolver,
  DirectoryProviderResolver,
  EventSubscriptionResolver,
] as const;

/**
 * type-graphql requires a pubSub once there is a subscription, even when every subscription brings its own
 * `subscribe` (ours read the provisioning log through the domain's feed); nothing publishes through this one.
 */
const NO_PUB_SUB: PubSub = {
  publish: () => {
    throw new Error('Portico publishes through PostgreSQL, not through the schema pubSub');
  },
  subscribe: () => {
    throw new Error('Portico subscriptions bring their own subscribe function');
  },
};

/** Builds the code-first schema. Input is validated by the domain's zod rules, not by class-validator. */
export function buildPorticoSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, validate: false, emitSchemaFile: false, pubSub: NO_PUB_SUB });
}
