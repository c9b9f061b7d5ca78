import { getNamedType, getNullableType, isLeafType, isListType, type GraphQLField, type GraphQLCompositeType } from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { MAX_GROUP_MAPPINGS, MAX_TEAM_GRANTS_PER_MAPPING } from '../domain/access/access.service';
import { MAX_API_KEYS_LISTED } from '../domain/credentials/credential.service';
import { MAX_CERTIFICATES } from '../domain/saml/saml.service';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/shared/pagination';
import { MAX_TEAMS_PER_TENANT } from '../domain/teams/team.service';
import { MAX_MULTI_VALUES, TRACKED_USER_ATTRIBUTES } from '../domain/users/user-rules';
import { MAX_GROUPS_LISTED_PER_USER } from '../domain/users/user.service';

/** A grant is explained by the mapped groups that gave it, plus the default mapping. */
const MAX_GRANT_SOURCES = MAX_GROUP_MAPPINGS + 1;

/**
 * Every list field that is not a Relay connection, and the most items it can hold, taken from the domain's
 * own limits. A test fails when a list field is missing here, so no list can be added without a cost.
 */
export const LIST_MAXIMA: Readonly<Record<string, number>> = {
  'Query.teams': MAX_TEAMS_PER_TENANT,
  'Query.apiKeys': MAX_API_KEYS_LISTED,
  'Query.permissionMappings': MAX_GRANT_SOURCES,
  'User.groups': MAX_GROUPS_LISTED_PER_USER,
  'User.emails': MAX_MULTI_VALUES,
  'User.phoneNumbers': MAX_MULTI_VALUES,
  'PermissionMapping.teams': MAX_TEAM_GRANTS_PER_MAPPING,
  'EffectiveAccess.teams': MAX_TEAMS_PER_TENANT,
  'EffectiveAccess.globalGrantedBy': MAX_GRANT_SOURCES,
  'TeamGrant.grantedBy': MAX_GRANT_SOURCES,
  'TeamMember.grantedBy': MAX_GRANT_SOURCES,
  'SamlSettings.idpCertificates': MAX_CERTIFICATES,
  // One change per tracked attribute; the user's list is the longest any event records.
  'ProvisioningEvent.changes': TRACKED_USER_ATTRIBUTES.length,
};

/**
 * Fields below the root whose resolver reads the database once per parent item. Every root field reads too.
 * A test fails when a field resolver is missing here, in {@link IN_MEMORY_FIELD_RESOLVERS} and in
 * {@link BATCHED_FIELD_RESOLVERS}.
 */
export const READING_FIELDS: ReadonlySet<string> = new Set([
  'User.groups',
  'User.access',
  'IdpGroup.members',
  'Team.members',
  'Tenant.directoryProvider',
]);

/**
 * Field resolvers that only shape what their parent already holds. `User.photoUrl` also needs the tenant's
 * slug, read once per process and kept (slugs never change).
 */
export const IN_MEMORY_FIELD_RESOLVERS: ReadonlySet<string> = new Set<string>(['User.photoUrl']);

/**
 * Field resolvers that read through a per-request DataLoader or memo: one query for all parents of a request
 * (the SCIM request counts: one per tenant, for both fields), so the root field's read already bounds them.
 */
export const BATCHED_FIELD_RESOLVERS: ReadonlySet<string> = new Set([
  'ApiKey.createdBy',
  'ScimSettings.tokenCreatedBy',
  'ScimSettings.requestsLast24h',
  'ScimSettings.refusedLast24h',
]);

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** Whether the field is a Relay connection's `edges` (its items are counted by the connection's `first`). */
export const isConnectionEdges = (type: GraphQLCompositeType, field: GraphQLField<unknown, unknown>) =>
  type.name.endsWith('Connection') && field.name === 'edges';

/**
 * The only argument the estimators read (a page's size). The limits plugin caches a verdict per document and
 * the values of the variables given to this argument (and to `@include`/`@skip`), so an estimator that read
 * another argument would have to be named here too.
 */
export const MEASURED_ARGUMENT = 'first';

/** How many times the field's selection is resolved per parent: `first` for a paged field, the maximum for a list. */
function itemsOf(type: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number {
  if (field.args.some((arg) => arg.name === MEASURED_ARGUMENT)) {
    // An out-of-range `first` is clamped here so the resolver can refuse it with a precise BAD_USER_INPUT.
    return typeof args.first === 'number' ? Math.min(Math.max(args.first, 1), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  }
  if (!isListType(getNullableType(field.type)) || isConnectionEdges(type, field)) return 1;
  const maximum = LIST_MAXIMA[`${type.name}.${field.name}`];
  // The schema test keeps this from happening; should it still, the list is costed as unbounded.
  return maximum ?? Number.POSITIVE_INFINITY;
}

/** Introspection's own types (`__Type.fields`): answered from the schema in memory, bounded by its size. */
const isIntrospection = (type: GraphQLCompositeType) => type.name.startsWith('__');

/**
 * The objects a response may hold at the real maxima of its lists: every object and list item counts one;
 * scalars are free (their parent is already counted). Aliases count separately, as they run separately.
 */
export const objectCostEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (isLeafType(getNamedType(field.type)) || isIntrospection(type)) return 0;
  return itemsOf(type, field, args) * (1 + childComplexity);
};

/** The database reads an operation may start at the real maxima of its lists: resolver fan-out. */
export const readsEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (isIntrospection(type)) return 0;
  const reads = ROOT_TYPES.has(type.name) || READING_FIELDS.has(`${type.name}.${field.name}`) ? 1 : 0;
  return reads + itemsOf(type, field, args) * childComplexity;
};
