import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccessResolver, TeamMembersResolver, UserAccessResolver } from './resolvers/access.resolver';
import { CredentialResolver } from './resolvers/credential.resolver';
import { GroupResolver, UserResolver } from './resolvers/directory.resolver';
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
  TeamResolver,
  CredentialResolver,
  EventResolver,
  UserAccessResolver,
  TeamMembersResolver,
  AccessResolver,
  SamlResolver,
] as const;

/** Builds the code-first schema. Input is validated by the domain's zod rules, not by class-validator. */
export function buildPorticoSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, validate: false, emitSchemaFile: false });
}
