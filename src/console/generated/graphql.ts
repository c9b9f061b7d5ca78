/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** One of: metadataUrl; metadataXml; or idpEntityId + ssoUrl (+ sloUrl) + certificates. */
export type ConfigureSamlInput = {
  /** Signing certificates, PEM or base64. */
  certificates?: Array<string> | null | undefined;
  idpEntityId?: string | null | undefined;
  /** Entra's App Federation Metadata URL; refreshed on a schedule. */
  metadataUrl?: string | null | undefined;
  /** The federation metadata XML itself. */
  metadataXml?: string | null | undefined;
  sloUrl?: string | null | undefined;
  ssoUrl?: string | null | undefined;
};

export type CreateApiKeyInput = {
  level: PermissionLevel;
  name: string;
};

export type CreateTenantInput = {
  name?: string | null | undefined;
  /** Lowercase letters, digits and inner dashes, 2–63 characters. */
  slug: string;
};

export type DirectoryProviderInput = {
  /** Application (client) ID. */
  clientId: string;
  /** The client secret's Value (not its Secret ID). Stored encrypted, never returned. */
  clientSecret: string;
  /** Directory (tenant) ID from the app registration's Overview page. */
  directoryTenantId: string;
  /** When the secret expires (Azure shows it beside the secret). */
  secretExpiresAt?: string | null | undefined;
};

export type DirectorySyncState =
  | 'FAILED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type MappingInput = {
  globalLevel: PermissionLevel;
  teams?: Array<TeamLevelInput>;
};

/** Ordered NONE < VIEWER < COLLABORATOR < ADMINISTRATOR; the highest grant wins. */
export type PermissionLevel =
  | 'ADMINISTRATOR'
  | 'COLLABORATOR'
  | 'NONE'
  | 'VIEWER';

export type ProvisioningEventFilter = {
  from?: string | null | undefined;
  outcome?: ProvisioningEventOutcome | null | undefined;
  sources?: Array<ProvisioningEventSource> | null | undefined;
  subjectId?: string | null | undefined;
  subjectType?: string | null | undefined;
  to?: string | null | undefined;
  types?: Array<ProvisioningEventType> | null | undefined;
};

export type ProvisioningEventOutcome =
  | 'FAILURE'
  | 'SUCCESS';

export type ProvisioningEventSource =
  | 'DIRECTORY_SYNC'
  | 'GRAPHQL'
  | 'SAML'
  | 'SCIM'
  | 'SYSTEM';

export type ProvisioningEventType =
  | 'ACCESS_CHANGED'
  | 'API_KEY_CREATED'
  | 'API_KEY_REVOKED'
  | 'DIRECTORY_PROVIDER_CONFIGURED'
  | 'DIRECTORY_PROVIDER_REMOVED'
  | 'DIRECTORY_SECRET_EXPIRING'
  | 'DIRECTORY_SYNC_FAILED'
  | 'DIRECTORY_SYNC_SUCCEEDED'
  | 'GROUP_CREATED'
  | 'GROUP_DELETED'
  | 'GROUP_MEMBERS_ADDED'
  | 'GROUP_MEMBERS_REMOVED'
  | 'GROUP_UPDATED'
  | 'MAPPING_CHANGED'
  | 'MASS_DEPROVISIONING'
  | 'SAML_CONFIGURED'
  | 'SCIM_DISABLED'
  | 'SCIM_ENABLED'
  | 'SCIM_REQUEST_REJECTED'
  | 'SCIM_TOKEN_CREATED'
  | 'SCIM_TOKEN_REVOKED'
  | 'SIGNED_OUT'
  | 'SIGN_IN_FAILED'
  | 'SIGN_IN_SUCCEEDED'
  | 'TEAM_CHANGED'
  | 'TENANT_CREATED'
  | 'TENANT_UPDATED'
  | 'USER_CREATED'
  | 'USER_DEACTIVATED'
  | 'USER_DELETED'
  | 'USER_PHOTO_CHANGED'
  | 'USER_PURGED'
  | 'USER_REACTIVATED'
  | 'USER_RESTORED'
  | 'USER_UPDATED';

export type TeamLevelInput = {
  level: PermissionLevel;
  teamId: string | number;
};

export type TenantSettingsInput = {
  idpInitiatedSignIn?: boolean | null | undefined;
  jitSignIn?: boolean | null | undefined;
};

export type UserFilter = {
  active?: boolean | null | undefined;
  /** Substring of userName, display name, name or e-mail. */
  search?: string | null | undefined;
  /** Exact userName, case-insensitive. */
  userName?: string | null | undefined;
};

/** Where a user came from; SCIM is shown as the "Microsoft Entra" badge. */
export type UserSource =
  | 'MANUAL'
  | 'SAML_JIT'
  | 'SCIM';

export type ViewerKind =
  | 'API_KEY'
  | 'OPERATOR'
  | 'USER';

export type ConsoleApiKeyFragment = { id: string, name: string, level: PermissionLevel, prefix: string, createdAt: string, lastUsedAt: string | null, revokedAt: string | null, createdByLabel: string | null };

export type ConsoleApiKeysQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleApiKeysQuery = { apiKeys: Array<{ id: string, name: string, level: PermissionLevel, prefix: string, createdAt: string, lastUsedAt: string | null, revokedAt: string | null, createdByLabel: string | null }> };

export type ConsoleCreateApiKeyMutationVariables = Exact<{
  tenant?: string | null | undefined;
  input: CreateApiKeyInput;
}>;


export type ConsoleCreateApiKeyMutation = { createApiKey: { token: string, apiKey: { id: string, name: string, level: PermissionLevel, prefix: string, createdAt: string, lastUsedAt: string | null, revokedAt: string | null, createdByLabel: string | null } } };

export type ConsoleRevokeApiKeyMutationVariables = Exact<{
  tenant?: string | null | undefined;
  id: string | number;
}>;


export type ConsoleRevokeApiKeyMutation = { revokeApiKey: { id: string, name: string, level: PermissionLevel, prefix: string, createdAt: string, lastUsedAt: string | null, revokedAt: string | null, createdByLabel: string | null } };

export type ConsoleDirectorySyncFragment = { id: string, state: DirectorySyncState, startedAt: string, finishedAt: string | null, photosDownloaded: number, photosUnchanged: number, photosSkipped: number, usersWithoutPhoto: number, error: string | null };

export type ConsoleDirectoryProviderFragment = { directoryTenantId: string, clientId: string, secretExpiresAt: string | null, secretExpiresInDays: number | null, lastSync: { id: string, state: DirectorySyncState, startedAt: string, finishedAt: string | null, photosDownloaded: number, photosUnchanged: number, photosSkipped: number, usersWithoutPhoto: number, error: string | null } | null };

export type ConsoleDirectoryProvidersQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleDirectoryProvidersQuery = { tenant: { id: string, directoryProvider: { directoryTenantId: string, clientId: string, secretExpiresAt: string | null, secretExpiresInDays: number | null, lastSync: { id: string, state: DirectorySyncState, startedAt: string, finishedAt: string | null, photosDownloaded: number, photosUnchanged: number, photosSkipped: number, usersWithoutPhoto: number, error: string | null } | null } | null } | null };

export type ConsoleConfigureDirectoryProviderMutationVariables = Exact<{
  tenant?: string | null | undefined;
  input: DirectoryProviderInput;
}>;


export type ConsoleConfigureDirectoryProviderMutation = { configureDirectoryProvider: { directoryTenantId: string, clientId: string, secretExpiresAt: string | null, secretExpiresInDays: number | null, lastSync: { id: string, state: DirectorySyncState, startedAt: string, finishedAt: string | null, photosDownloaded: number, photosUnchanged: number, photosSkipped: number, usersWithoutPhoto: number, error: string | null } | null } };

export type ConsoleTestDirectoryProviderMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleTestDirectoryProviderMutation = { testDirectoryProvider: { ok: boolean, message: string } };

export type ConsoleSyncDirectoryMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleSyncDirectoryMutation = { syncDirectory: { id: string, state: DirectorySyncState, startedAt: string, finishedAt: string | null, photosDownloaded: number, photosUnchanged: number, photosSkipped: number, usersWithoutPhoto: number, error: string | null } };

export type ConsoleRemoveDirectoryProviderMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleRemoveDirectoryProviderMutation = { removeDirectoryProvider: boolean };

export type ConsoleEventFragment = { id: string, cursor: string, type: ProvisioningEventType, source: ProvisioningEventSource, outcome: ProvisioningEventOutcome, subjectType: string, subjectId: string | null, summary: string, error: string | null, occurredAt: string, requestId: string, detail: unknown, actor: { kind: string, label: string }, changes: Array<{ attribute: string, old: unknown, new: unknown }> };

export type ConsoleEventsQueryVariables = Exact<{
  tenant?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: ProvisioningEventFilter | null | undefined;
}>;


export type ConsoleEventsQuery = { provisioningEvents: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, cursor: string, type: ProvisioningEventType, source: ProvisioningEventSource, outcome: ProvisioningEventOutcome, subjectType: string, subjectId: string | null, summary: string, error: string | null, occurredAt: string, requestId: string, detail: unknown, actor: { kind: string, label: string }, changes: Array<{ attribute: string, old: unknown, new: unknown }> } }> }, latest: { edges: Array<{ node: { cursor: string } }> } };

export type ConsoleLatestEventQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleLatestEventQuery = { latest: { edges: Array<{ node: { cursor: string } }> } };

export type ConsoleLiveEventsSubscriptionVariables = Exact<{
  tenant?: string | null | undefined;
  types?: Array<ProvisioningEventType> | ProvisioningEventType | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsoleLiveEventsSubscription = { provisioningEvents: { id: string, cursor: string, type: ProvisioningEventType, source: ProvisioningEventSource, outcome: ProvisioningEventOutcome, subjectType: string, subjectId: string | null, summary: string, error: string | null, occurredAt: string, requestId: string, detail: unknown, actor: { kind: string, label: string }, changes: Array<{ attribute: string, old: unknown, new: unknown }> } };

export type ConsoleGroupsQueryVariables = Exact<{
  tenant?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsoleGroupsQuery = { groups: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, displayName: string, externalId: string | null, members: { totalCount: number } } }> } };

export type ConsoleGroupOptionsQueryVariables = Exact<{
  tenant?: string | null | undefined;
  first?: number | null | undefined;
  search?: string | null | undefined;
}>;


export type ConsoleGroupOptionsQuery = { groups: { totalCount: number, edges: Array<{ node: { id: string, displayName: string } }> } };

export type ConsoleGroupQueryVariables = Exact<{
  tenant?: string | null | undefined;
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsoleGroupQuery = { group: { id: string, displayName: string, externalId: string | null, createdAt: string, updatedAt: string, members: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, userName: string, displayName: string | null, active: boolean, source: UserSource } }> } } | null };

export type ConsoleMappingFragment = { isDefault: boolean, globalLevel: PermissionLevel, updatedAt: string, group: { id: string, displayName: string } | null, teams: Array<{ level: PermissionLevel, team: { id: string, name: string } }> };

export type ConsoleMappingsQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleMappingsQuery = { permissionMappings: Array<{ isDefault: boolean, globalLevel: PermissionLevel, updatedAt: string, group: { id: string, displayName: string } | null, teams: Array<{ level: PermissionLevel, team: { id: string, name: string } }> }>, teams: Array<{ id: string, name: string }> };

export type ConsoleSetDefaultMappingMutationVariables = Exact<{
  tenant?: string | null | undefined;
  input: MappingInput;
}>;


export type ConsoleSetDefaultMappingMutation = { setDefaultMapping: { isDefault: boolean, globalLevel: PermissionLevel, updatedAt: string, group: { id: string, displayName: string } | null, teams: Array<{ level: PermissionLevel, team: { id: string, name: string } }> } };

export type ConsoleSetGroupMappingMutationVariables = Exact<{
  tenant?: string | null | undefined;
  groupId: string | number;
  input: MappingInput;
}>;


export type ConsoleSetGroupMappingMutation = { setGroupMapping: { isDefault: boolean, globalLevel: PermissionLevel, updatedAt: string, group: { id: string, displayName: string } | null, teams: Array<{ level: PermissionLevel, team: { id: string, name: string } }> } };

export type ConsoleDeleteGroupMappingMutationVariables = Exact<{
  tenant?: string | null | undefined;
  groupId: string | number;
}>;


export type ConsoleDeleteGroupMappingMutation = { deleteGroupMapping: boolean };

export type ConsoleScimSettingsFragment = { enabled: boolean, baseUrl: string, tokenPrefix: string | null, tokenCreatedAt: string | null, tokenLastUsedAt: string | null, tokenCreatedByLabel: string | null };

export type ConsoleProvisioningQueryVariables = Exact<{
  tenant?: string | null | undefined;
  since?: string | null | undefined;
}>;


export type ConsoleProvisioningQuery = { tenant: { id: string, fallbackTeamId: string | null, scimEnabled: boolean } | null, scimSettings: { requestsLast24h: number, refusedLast24h: number, enabled: boolean, baseUrl: string, tokenPrefix: string | null, tokenCreatedAt: string | null, tokenLastUsedAt: string | null, tokenCreatedByLabel: string | null }, scimChanges: { totalCount: number } };

export type ConsoleEnableScimMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleEnableScimMutation = { enableScim: { enabled: boolean, baseUrl: string, tokenPrefix: string | null, tokenCreatedAt: string | null, tokenLastUsedAt: string | null, tokenCreatedByLabel: string | null } };

export type ConsoleDisableScimMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleDisableScimMutation = { disableScim: { enabled: boolean, baseUrl: string, tokenPrefix: string | null, tokenCreatedAt: string | null, tokenLastUsedAt: string | null, tokenCreatedByLabel: string | null } };

export type ConsoleGenerateScimTokenMutationVariables = Exact<{
  tenant?: string | null | undefined;
  graceSeconds?: number | null | undefined;
}>;


export type ConsoleGenerateScimTokenMutation = { generateScimToken: { token: string, baseUrl: string } };

export type ConsoleSetFallbackTeamMutationVariables = Exact<{
  tenant?: string | null | undefined;
  teamId: string | number;
}>;


export type ConsoleSetFallbackTeamMutation = { setFallbackTeam: { id: string, fallbackTeamId: string | null } };

export type ConsoleClearFallbackTeamMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleClearFallbackTeamMutation = { clearFallbackTeam: { id: string, fallbackTeamId: string | null } };

export type ConsoleViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleViewerQuery = { viewer: { kind: ViewerKind, level: PermissionLevel, tenant: { id: string, slug: string, name: string } | null, user: { id: string, userName: string, displayName: string | null } | null } };

export type ConsoleSignOutMutationVariables = Exact<{ [key: string]: never; }>;


export type ConsoleSignOutMutation = { signOut: boolean };

export type ConsoleTenantHeaderQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleTenantHeaderQuery = { tenant: { id: string, slug: string, name: string } | null };

export type ConsoleSamlFragment = { configured: boolean, spEntityId: string, acsUrl: string, loginUrl: string, logoutUrl: string, metadataUrl: string, idpEntityId: string | null, idpSsoUrl: string | null, idpSloUrl: string | null, idpMetadataUrl: string | null, metadataRefreshedAt: string | null, metadataRefreshError: string | null, idpCertificates: Array<{ subject: string, notBefore: string, notAfter: string, fingerprint: string }> };

export type ConsoleSingleSignOnQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleSingleSignOnQuery = { samlSettings: { configured: boolean, spEntityId: string, acsUrl: string, loginUrl: string, logoutUrl: string, metadataUrl: string, idpEntityId: string | null, idpSsoUrl: string | null, idpSloUrl: string | null, idpMetadataUrl: string | null, metadataRefreshedAt: string | null, metadataRefreshError: string | null, idpCertificates: Array<{ subject: string, notBefore: string, notAfter: string, fingerprint: string }> }, tenant: { id: string, slug: string, jitSignIn: boolean, idpInitiatedSignIn: boolean } | null };

export type ConsoleConfigureSamlMutationVariables = Exact<{
  tenant?: string | null | undefined;
  input: ConfigureSamlInput;
}>;


export type ConsoleConfigureSamlMutation = { configureSaml: { configured: boolean, spEntityId: string, acsUrl: string, loginUrl: string, logoutUrl: string, metadataUrl: string, idpEntityId: string | null, idpSsoUrl: string | null, idpSloUrl: string | null, idpMetadataUrl: string | null, metadataRefreshedAt: string | null, metadataRefreshError: string | null, idpCertificates: Array<{ subject: string, notBefore: string, notAfter: string, fingerprint: string }> } };

export type ConsoleRefreshSamlMetadataMutationVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleRefreshSamlMetadataMutation = { refreshSamlMetadata: { configured: boolean, spEntityId: string, acsUrl: string, loginUrl: string, logoutUrl: string, metadataUrl: string, idpEntityId: string | null, idpSsoUrl: string | null, idpSloUrl: string | null, idpMetadataUrl: string | null, metadataRefreshedAt: string | null, metadataRefreshError: string | null, idpCertificates: Array<{ subject: string, notBefore: string, notAfter: string, fingerprint: string }> } };

export type ConsoleUpdateTenantSettingsMutationVariables = Exact<{
  tenant?: string | null | undefined;
  input: TenantSettingsInput;
}>;


export type ConsoleUpdateTenantSettingsMutation = { updateTenantSettings: { id: string, jitSignIn: boolean, idpInitiatedSignIn: boolean } };

export type ConsoleTeamsQueryVariables = Exact<{
  tenant?: string | null | undefined;
}>;


export type ConsoleTeamsQuery = { teams: Array<{ id: string, name: string, createdAt: string }>, tenant: { id: string, fallbackTeamId: string | null } | null };

export type ConsoleTeamQueryVariables = Exact<{
  tenant?: string | null | undefined;
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsoleTeamQuery = { team: { id: string, name: string, createdAt: string, members: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { level: PermissionLevel, user: { id: string, userName: string, displayName: string | null, active: boolean }, grantedBy: Array<{ isDefault: boolean, group: { id: string, displayName: string } | null }> } }> } } };

export type ConsoleCreateTeamMutationVariables = Exact<{
  tenant?: string | null | undefined;
  name: string;
}>;


export type ConsoleCreateTeamMutation = { createTeam: { id: string, name: string, createdAt: string } };

export type ConsoleRenameTeamMutationVariables = Exact<{
  tenant?: string | null | undefined;
  teamId: string | number;
  name: string;
}>;


export type ConsoleRenameTeamMutation = { renameTeam: { id: string, name: string, createdAt: string } };

export type ConsoleDeleteTeamMutationVariables = Exact<{
  tenant?: string | null | undefined;
  teamId: string | number;
}>;


export type ConsoleDeleteTeamMutation = { deleteTeam: boolean };

export type ConsoleTenantsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsoleTenantsQuery = { tenants: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, slug: string, name: string, createdAt: string, scimEnabled: boolean } }> } };

export type ConsoleCreateTenantMutationVariables = Exact<{
  input: CreateTenantInput;
}>;


export type ConsoleCreateTenantMutation = { createTenant: { id: string, slug: string, name: string } };

export type ConsoleUsersQueryVariables = Exact<{
  tenant?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: UserFilter | null | undefined;
}>;


export type ConsoleUsersQuery = { users: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, userName: string, displayName: string | null, active: boolean, source: UserSource, photoUrl: string | null, title: string | null, department: string | null } }> } };

export type ConsoleGrantSourceFragment = { isDefault: boolean, group: { id: string, displayName: string } | null };

export type ConsoleUserQueryVariables = Exact<{
  tenant?: string | null | undefined;
  id: string | number;
}>;


export type ConsoleUserQuery = { user: { id: string, userName: string, displayName: string | null, active: boolean, source: UserSource, externalId: string | null, title: string | null, department: string | null, division: string | null, organization: string | null, costCenter: string | null, employeeNumber: string | null, userType: string | null, preferredLanguage: string | null, locale: string | null, timezone: string | null, managerId: string | null, photoUrl: string | null, createdAt: string, updatedAt: string, name: { formatted: string | null, givenName: string | null, familyName: string | null, middleName: string | null }, emails: Array<{ value: string, type: string | null, primary: boolean }>, phoneNumbers: Array<{ value: string, type: string | null, primary: boolean }>, groups: Array<{ id: string, displayName: string }>, access: { globalLevel: PermissionLevel, fromDefault: boolean, globalGrantedBy: Array<{ isDefault: boolean, group: { id: string, displayName: string } | null }>, teams: Array<{ level: PermissionLevel, team: { id: string, name: string }, grantedBy: Array<{ isDefault: boolean, group: { id: string, displayName: string } | null }> }> } } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ConsoleApiKeyFragmentDoc = new TypedDocumentString(`
    fragment ConsoleApiKey on ApiKey {
  id
  name
  level
  prefix
  createdAt
  lastUsedAt
  revokedAt
  createdByLabel
}
    `, {"fragmentName":"ConsoleApiKey"}) as unknown as TypedDocumentString<ConsoleApiKeyFragment, unknown>;
export const ConsoleDirectorySyncFragmentDoc = new TypedDocumentString(`
    fragment ConsoleDirectorySync on DirectorySync {
  id
  state
  startedAt
  finishedAt
  photosDownloaded
  photosUnchanged
  photosSkipped
  usersWithoutPhoto
  error
}
    `, {"fragmentName":"ConsoleDirectorySync"}) as unknown as TypedDocumentString<ConsoleDirectorySyncFragment, unknown>;
export const ConsoleDirectoryProviderFragmentDoc = new TypedDocumentString(`
    fragment ConsoleDirectoryProvider on DirectoryProvider {
  directoryTenantId
  clientId
  secretExpiresAt
  secretExpiresInDays
  lastSync {
    ...ConsoleDirectorySync
  }
}
    fragment ConsoleDirectorySync on DirectorySync {
  id
  state
  startedAt
  finishedAt
  photosDownloaded
  photosUnchanged
  photosSkipped
  usersWithoutPhoto
  error
}`, {"fragmentName":"ConsoleDirectoryProvider"}) as unknown as TypedDocumentString<ConsoleDirectoryProviderFragment, unknown>;
export const ConsoleEventFragmentDoc = new TypedDocumentString(`
    fragment ConsoleEvent on ProvisioningEvent {
  id
  cursor
  type
  source
  outcome
  subjectType
  subjectId
  summary
  error
  occurredAt
  requestId
  detail
  actor {
    kind
    label
  }
  changes {
    attribute
    old
    new
  }
}
    `, {"fragmentName":"ConsoleEvent"}) as unknown as TypedDocumentString<ConsoleEventFragment, unknown>;
export const ConsoleMappingFragmentDoc = new TypedDocumentString(`
    fragment ConsoleMapping on PermissionMapping {
  isDefault
  globalLevel
  updatedAt
  group {
    id
    displayName
  }
  teams {
    level
    team {
      id
      name
    }
  }
}
    `, {"fragmentName":"ConsoleMapping"}) as unknown as TypedDocumentString<ConsoleMappingFragment, unknown>;
export const ConsoleScimSettingsFragmentDoc = new TypedDocumentString(`
    fragment ConsoleScimSettings on ScimSettings {
  enabled
  baseUrl
  tokenPrefix
  tokenCreatedAt
  tokenLastUsedAt
  tokenCreatedByLabel
}
    `, {"fragmentName":"ConsoleScimSettings"}) as unknown as TypedDocumentString<ConsoleScimSettingsFragment, unknown>;
export const ConsoleSamlFragmentDoc = new TypedDocumentString(`
    fragment ConsoleSaml on SamlSettings {
  configured
  spEntityId
  acsUrl
  loginUrl
  logoutUrl
  metadataUrl
  idpEntityId
  idpSsoUrl
  idpSloUrl
  idpMetadataUrl
  metadataRefreshedAt
  metadataRefreshError
  idpCertificates {
    subject
    notBefore
    notAfter
    fingerprint
  }
}
    `, {"fragmentName":"ConsoleSaml"}) as unknown as TypedDocumentString<ConsoleSamlFragment, unknown>;
export const ConsoleGrantSourceFragmentDoc = new TypedDocumentString(`
    fragment ConsoleGrantSource on Grant {
  isDefault
  group {
    id
    displayName
  }
}
    `, {"fragmentName":"ConsoleGrantSource"}) as unknown as TypedDocumentString<ConsoleGrantSourceFragment, unknown>;
export const ConsoleApiKeysDocument = new TypedDocumentString(`
    query ConsoleApiKeys($tenant: String) {
  apiKeys(tenant: $tenant) {
    ...ConsoleApiKey
  }
}
    fragment ConsoleApiKey on ApiKey {
  id
  name
  level
  prefix
  createdAt
  lastUsedAt
  revokedAt
  createdByLabel
}`) as unknown as TypedDocumentString<ConsoleApiKeysQuery, ConsoleApiKeysQueryVariables>;
export const ConsoleCreateApiKeyDocument = new TypedDocumentString(`
    mutation ConsoleCreateApiKey($tenant: String, $input: CreateApiKeyInput!) {
  createApiKey(tenant: $tenant, input: $input) {
    token
    apiKey {
      ...ConsoleApiKey
    }
  }
}
    fragment ConsoleApiKey on ApiKey {
  id
  name
  level
  prefix
  createdAt
  lastUsedAt
  revokedAt
  createdByLabel
}`) as unknown as TypedDocumentString<ConsoleCreateApiKeyMutation, ConsoleCreateApiKeyMutationVariables>;
export const ConsoleRevokeApiKeyDocument = new TypedDocumentString(`
    mutation ConsoleRevokeApiKey($tenant: String, $id: ID!) {
  revokeApiKey(tenant: $tenant, id: $id) {
    ...ConsoleApiKey
  }
}
    fragment ConsoleApiKey on ApiKey {
  id
  name
  level
  prefix
  createdAt
  lastUsedAt
  revokedAt
  createdByLabel
}`) as unknown as TypedDocumentString<ConsoleRevokeApiKeyMutation, ConsoleRevokeApiKeyMutationVariables>;
export const ConsoleDirectoryProvidersDocument = new TypedDocumentString(`
    query ConsoleDirectoryProviders($tenant: String) {
  tenant(tenant: $tenant) {
    id
    directoryProvider {
      ...ConsoleDirectoryProvider
    }
  }
}
    fragment ConsoleDirectorySync on DirectorySync {
  id
  state
  startedAt
  finishedAt
  photosDownloaded
  photosUnchanged
  photosSkipped
  usersWithoutPhoto
  error
}
fragment ConsoleDirectoryProvider on DirectoryProvider {
  directoryTenantId
  clientId
  secretExpiresAt
  secretExpiresInDays
  lastSync {
    ...ConsoleDirectorySync
  }
}`) as unknown as TypedDocumentString<ConsoleDirectoryProvidersQuery, ConsoleDirectoryProvidersQueryVariables>;
export const ConsoleConfigureDirectoryProviderDocument = new TypedDocumentString(`
    mutation ConsoleConfigureDirectoryProvider($tenant: String, $input: DirectoryProviderInput!) {
  configureDirectoryProvider(tenant: $tenant, input: $input) {
    ...ConsoleDirectoryProvider
  }
}
    fragment ConsoleDirectorySync on DirectorySync {
  id
  state
  startedAt
  finishedAt
  photosDownloaded
  photosUnchanged
  photosSkipped
  usersWithoutPhoto
  error
}
fragment ConsoleDirectoryProvider on DirectoryProvider {
  directoryTenantId
  clientId
  secretExpiresAt
  secretExpiresInDays
  lastSync {
    ...ConsoleDirectorySync
  }
}`) as unknown as TypedDocumentString<ConsoleConfigureDirectoryProviderMutation, ConsoleConfigureDirectoryProviderMutationVariables>;
export const ConsoleTestDirectoryProviderDocument = new TypedDocumentString(`
    mutation ConsoleTestDirectoryProvider($tenant: String) {
  testDirectoryProvider(tenant: $tenant) {
    ok
    message
  }
}
    `) as unknown as TypedDocumentString<ConsoleTestDirectoryProviderMutation, ConsoleTestDirectoryProviderMutationVariables>;
export const ConsoleSyncDirectoryDocument = new TypedDocumentString(`
    mutation ConsoleSyncDirectory($tenant: String) {
  syncDirectory(tenant: $tenant) {
    ...ConsoleDirectorySync
  }
}
    fragment ConsoleDirectorySync on DirectorySync {
  id
  state
  startedAt
  finishedAt
  photosDownloaded
  photosUnchanged
  photosSkipped
  usersWithoutPhoto
  error
}`) as unknown as TypedDocumentString<ConsoleSyncDirectoryMutation, ConsoleSyncDirectoryMutationVariables>;
export const ConsoleRemoveDirectoryProviderDocument = new TypedDocumentString(`
    mutation ConsoleRemoveDirectoryProvider($tenant: String) {
  removeDirectoryProvider(tenant: $tenant)
}
    `) as unknown as TypedDocumentString<ConsoleRemoveDirectoryProviderMutation, ConsoleRemoveDirectoryProviderMutationVariables>;
export const ConsoleEventsDocument = new TypedDocumentString(`
    query ConsoleEvents($tenant: String, $first: Int, $after: String, $filter: ProvisioningEventFilter) {
  provisioningEvents(
    tenant: $tenant
    first: $first
    after: $after
    filter: $filter
  ) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleEvent
      }
    }
  }
  latest: provisioningEvents(tenant: $tenant, first: 1) {
    edges {
      node {
        cursor
      }
    }
  }
}
    fragment ConsoleEvent on ProvisioningEvent {
  id
  cursor
  type
  source
  outcome
  subjectType
  subjectId
  summary
  error
  occurredAt
  requestId
  detail
  actor {
    kind
    label
  }
  changes {
    attribute
    old
    new
  }
}`) as unknown as TypedDocumentString<ConsoleEventsQuery, ConsoleEventsQueryVariables>;
export const ConsoleLatestEventDocument = new TypedDocumentString(`
    query ConsoleLatestEvent($tenant: String) {
  latest: provisioningEvents(tenant: $tenant, first: 1) {
    edges {
      node {
        cursor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleLatestEventQuery, ConsoleLatestEventQueryVariables>;
export const ConsoleLiveEventsDocument = new TypedDocumentString(`
    subscription ConsoleLiveEvents($tenant: String, $types: [ProvisioningEventType!], $after: String) {
  provisioningEvents(tenant: $tenant, types: $types, after: $after) {
    ...ConsoleEvent
  }
}
    fragment ConsoleEvent on ProvisioningEvent {
  id
  cursor
  type
  source
  outcome
  subjectType
  subjectId
  summary
  error
  occurredAt
  requestId
  detail
  actor {
    kind
    label
  }
  changes {
    attribute
    old
    new
  }
}`) as unknown as TypedDocumentString<ConsoleLiveEventsSubscription, ConsoleLiveEventsSubscriptionVariables>;
export const ConsoleGroupsDocument = new TypedDocumentString(`
    query ConsoleGroups($tenant: String, $first: Int, $after: String) {
  groups(tenant: $tenant, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        displayName
        externalId
        members(first: 1) {
          totalCount
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleGroupsQuery, ConsoleGroupsQueryVariables>;
export const ConsoleGroupOptionsDocument = new TypedDocumentString(`
    query ConsoleGroupOptions($tenant: String, $first: Int, $search: String) {
  groups(tenant: $tenant, first: $first, filter: {search: $search}) {
    totalCount
    edges {
      node {
        id
        displayName
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleGroupOptionsQuery, ConsoleGroupOptionsQueryVariables>;
export const ConsoleGroupDocument = new TypedDocumentString(`
    query ConsoleGroup($tenant: String, $id: ID!, $first: Int, $after: String) {
  group(tenant: $tenant, id: $id) {
    id
    displayName
    externalId
    createdAt
    updatedAt
    members(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          userName
          displayName
          active
          source
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleGroupQuery, ConsoleGroupQueryVariables>;
export const ConsoleMappingsDocument = new TypedDocumentString(`
    query ConsoleMappings($tenant: String) {
  permissionMappings(tenant: $tenant) {
    ...ConsoleMapping
  }
  teams(tenant: $tenant) {
    id
    name
  }
}
    fragment ConsoleMapping on PermissionMapping {
  isDefault
  globalLevel
  updatedAt
  group {
    id
    displayName
  }
  teams {
    level
    team {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleMappingsQuery, ConsoleMappingsQueryVariables>;
export const ConsoleSetDefaultMappingDocument = new TypedDocumentString(`
    mutation ConsoleSetDefaultMapping($tenant: String, $input: MappingInput!) {
  setDefaultMapping(tenant: $tenant, input: $input) {
    ...ConsoleMapping
  }
}
    fragment ConsoleMapping on PermissionMapping {
  isDefault
  globalLevel
  updatedAt
  group {
    id
    displayName
  }
  teams {
    level
    team {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleSetDefaultMappingMutation, ConsoleSetDefaultMappingMutationVariables>;
export const ConsoleSetGroupMappingDocument = new TypedDocumentString(`
    mutation ConsoleSetGroupMapping($tenant: String, $groupId: ID!, $input: MappingInput!) {
  setGroupMapping(tenant: $tenant, groupId: $groupId, input: $input) {
    ...ConsoleMapping
  }
}
    fragment ConsoleMapping on PermissionMapping {
  isDefault
  globalLevel
  updatedAt
  group {
    id
    displayName
  }
  teams {
    level
    team {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ConsoleSetGroupMappingMutation, ConsoleSetGroupMappingMutationVariables>;
export const ConsoleDeleteGroupMappingDocument = new TypedDocumentString(`
    mutation ConsoleDeleteGroupMapping($tenant: String, $groupId: ID!) {
  deleteGroupMapping(tenant: $tenant, groupId: $groupId)
}
    `) as unknown as TypedDocumentString<ConsoleDeleteGroupMappingMutation, ConsoleDeleteGroupMappingMutationVariables>;
export const ConsoleProvisioningDocument = new TypedDocumentString(`
    query ConsoleProvisioning($tenant: String, $since: DateTime) {
  tenant(tenant: $tenant) {
    id
    fallbackTeamId
    scimEnabled
  }
  scimSettings(tenant: $tenant) {
    ...ConsoleScimSettings
    requestsLast24h
    refusedLast24h
  }
  scimChanges: provisioningEvents(
    tenant: $tenant
    first: 1
    filter: {sources: [SCIM], from: $since}
  ) {
    totalCount
  }
}
    fragment ConsoleScimSettings on ScimSettings {
  enabled
  baseUrl
  tokenPrefix
  tokenCreatedAt
  tokenLastUsedAt
  tokenCreatedByLabel
}`) as unknown as TypedDocumentString<ConsoleProvisioningQuery, ConsoleProvisioningQueryVariables>;
export const ConsoleEnableScimDocument = new TypedDocumentString(`
    mutation ConsoleEnableScim($tenant: String) {
  enableScim(tenant: $tenant) {
    ...ConsoleScimSettings
  }
}
    fragment ConsoleScimSettings on ScimSettings {
  enabled
  baseUrl
  tokenPrefix
  tokenCreatedAt
  tokenLastUsedAt
  tokenCreatedByLabel
}`) as unknown as TypedDocumentString<ConsoleEnableScimMutation, ConsoleEnableScimMutationVariables>;
export const ConsoleDisableScimDocument = new TypedDocumentString(`
    mutation ConsoleDisableScim($tenant: String) {
  disableScim(tenant: $tenant) {
    ...ConsoleScimSettings
  }
}
    fragment ConsoleScimSettings on ScimSettings {
  enabled
  baseUrl
  tokenPrefix
  tokenCreatedAt
  tokenLastUsedAt
  tokenCreatedByLabel
}`) as unknown as TypedDocumentString<ConsoleDisableScimMutation, ConsoleDisableScimMutationVariables>;
export const ConsoleGenerateScimTokenDocument = new TypedDocumentString(`
    mutation ConsoleGenerateScimToken($tenant: String, $graceSeconds: Int) {
  generateScimToken(tenant: $tenant, graceSeconds: $graceSeconds) {
    token
    baseUrl
  }
}
    `) as unknown as TypedDocumentString<ConsoleGenerateScimTokenMutation, ConsoleGenerateScimTokenMutationVariables>;
export const ConsoleSetFallbackTeamDocument = new TypedDocumentString(`
    mutation ConsoleSetFallbackTeam($tenant: String, $teamId: ID!) {
  setFallbackTeam(tenant: $tenant, teamId: $teamId) {
    id
    fallbackTeamId
  }
}
    `) as unknown as TypedDocumentString<ConsoleSetFallbackTeamMutation, ConsoleSetFallbackTeamMutationVariables>;
export const ConsoleClearFallbackTeamDocument = new TypedDocumentString(`
    mutation ConsoleClearFallbackTeam($tenant: String) {
  clearFallbackTeam(tenant: $tenant) {
    id
    fallbackTeamId
  }
}
    `) as unknown as TypedDocumentString<ConsoleClearFallbackTeamMutation, ConsoleClearFallbackTeamMutationVariables>;
export const ConsoleViewerDocument = new TypedDocumentString(`
    query ConsoleViewer {
  viewer {
    kind
    level
    tenant {
      id
      slug
      name
    }
    user {
      id
      userName
      displayName
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleViewerQuery, ConsoleViewerQueryVariables>;
export const ConsoleSignOutDocument = new TypedDocumentString(`
    mutation ConsoleSignOut {
  signOut
}
    `) as unknown as TypedDocumentString<ConsoleSignOutMutation, ConsoleSignOutMutationVariables>;
export const ConsoleTenantHeaderDocument = new TypedDocumentString(`
    query ConsoleTenantHeader($tenant: String) {
  tenant(tenant: $tenant) {
    id
    slug
    name
  }
}
    `) as unknown as TypedDocumentString<ConsoleTenantHeaderQuery, ConsoleTenantHeaderQueryVariables>;
export const ConsoleSingleSignOnDocument = new TypedDocumentString(`
    query ConsoleSingleSignOn($tenant: String) {
  samlSettings(tenant: $tenant) {
    ...ConsoleSaml
  }
  tenant(tenant: $tenant) {
    id
    slug
    jitSignIn
    idpInitiatedSignIn
  }
}
    fragment ConsoleSaml on SamlSettings {
  configured
  spEntityId
  acsUrl
  loginUrl
  logoutUrl
  metadataUrl
  idpEntityId
  idpSsoUrl
  idpSloUrl
  idpMetadataUrl
  metadataRefreshedAt
  metadataRefreshError
  idpCertificates {
    subject
    notBefore
    notAfter
    fingerprint
  }
}`) as unknown as TypedDocumentString<ConsoleSingleSignOnQuery, ConsoleSingleSignOnQueryVariables>;
export const ConsoleConfigureSamlDocument = new TypedDocumentString(`
    mutation ConsoleConfigureSaml($tenant: String, $input: ConfigureSamlInput!) {
  configureSaml(tenant: $tenant, input: $input) {
    ...ConsoleSaml
  }
}
    fragment ConsoleSaml on SamlSettings {
  configured
  spEntityId
  acsUrl
  loginUrl
  logoutUrl
  metadataUrl
  idpEntityId
  idpSsoUrl
  idpSloUrl
  idpMetadataUrl
  metadataRefreshedAt
  metadataRefreshError
  idpCertificates {
    subject
    notBefore
    notAfter
    fingerprint
  }
}`) as unknown as TypedDocumentString<ConsoleConfigureSamlMutation, ConsoleConfigureSamlMutationVariables>;
export const ConsoleRefreshSamlMetadataDocument = new TypedDocumentString(`
    mutation ConsoleRefreshSamlMetadata($tenant: String) {
  refreshSamlMetadata(tenant: $tenant) {
    ...ConsoleSaml
  }
}
    fragment ConsoleSaml on SamlSettings {
  configured
  spEntityId
  acsUrl
  loginUrl
  logoutUrl
  metadataUrl
  idpEntityId
  idpSsoUrl
  idpSloUrl
  idpMetadataUrl
  metadataRefreshedAt
  metadataRefreshError
  idpCertificates {
    subject
    notBefore
    notAfter
    fingerprint
  }
}`) as unknown as TypedDocumentString<ConsoleRefreshSamlMetadataMutation, ConsoleRefreshSamlMetadataMutationVariables>;
export const ConsoleUpdateTenantSettingsDocument = new TypedDocumentString(`
    mutation ConsoleUpdateTenantSettings($tenant: String, $input: TenantSettingsInput!) {
  updateTenantSettings(tenant: $tenant, input: $input) {
    id
    jitSignIn
    idpInitiatedSignIn
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdateTenantSettingsMutation, ConsoleUpdateTenantSettingsMutationVariables>;
export const ConsoleTeamsDocument = new TypedDocumentString(`
    query ConsoleTeams($tenant: String) {
  teams(tenant: $tenant) {
    id
    name
    createdAt
  }
  tenant(tenant: $tenant) {
    id
    fallbackTeamId
  }
}
    `) as unknown as TypedDocumentString<ConsoleTeamsQuery, ConsoleTeamsQueryVariables>;
export const ConsoleTeamDocument = new TypedDocumentString(`
    query ConsoleTeam($tenant: String, $id: ID!, $first: Int, $after: String) {
  team(tenant: $tenant, id: $id) {
    id
    name
    createdAt
    members(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          level
          user {
            id
            userName
            displayName
            active
          }
          grantedBy {
            isDefault
            group {
              id
              displayName
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleTeamQuery, ConsoleTeamQueryVariables>;
export const ConsoleCreateTeamDocument = new TypedDocumentString(`
    mutation ConsoleCreateTeam($tenant: String, $name: String!) {
  createTeam(tenant: $tenant, name: $name) {
    id
    name
    createdAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateTeamMutation, ConsoleCreateTeamMutationVariables>;
export const ConsoleRenameTeamDocument = new TypedDocumentString(`
    mutation ConsoleRenameTeam($tenant: String, $teamId: ID!, $name: String!) {
  renameTeam(tenant: $tenant, teamId: $teamId, name: $name) {
    id
    name
    createdAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleRenameTeamMutation, ConsoleRenameTeamMutationVariables>;
export const ConsoleDeleteTeamDocument = new TypedDocumentString(`
    mutation ConsoleDeleteTeam($tenant: String, $teamId: ID!) {
  deleteTeam(tenant: $tenant, teamId: $teamId)
}
    `) as unknown as TypedDocumentString<ConsoleDeleteTeamMutation, ConsoleDeleteTeamMutationVariables>;
export const ConsoleTenantsDocument = new TypedDocumentString(`
    query ConsoleTenants($first: Int, $after: String) {
  tenants(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        slug
        name
        createdAt
        scimEnabled
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleTenantsQuery, ConsoleTenantsQueryVariables>;
export const ConsoleCreateTenantDocument = new TypedDocumentString(`
    mutation ConsoleCreateTenant($input: CreateTenantInput!) {
  createTenant(input: $input) {
    id
    slug
    name
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateTenantMutation, ConsoleCreateTenantMutationVariables>;
export const ConsoleUsersDocument = new TypedDocumentString(`
    query ConsoleUsers($tenant: String, $first: Int, $after: String, $filter: UserFilter) {
  users(tenant: $tenant, first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        userName
        displayName
        active
        source
        photoUrl
        title
        department
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleUsersQuery, ConsoleUsersQueryVariables>;
export const ConsoleUserDocument = new TypedDocumentString(`
    query ConsoleUser($tenant: String, $id: ID!) {
  user(tenant: $tenant, id: $id) {
    id
    userName
    displayName
    active
    source
    externalId
    title
    department
    division
    organization
    costCenter
    employeeNumber
    userType
    preferredLanguage
    locale
    timezone
    managerId
    photoUrl
    createdAt
    updatedAt
    name {
      formatted
      givenName
      familyName
      middleName
    }
    emails {
      value
      type
      primary
    }
    phoneNumbers {
      value
      type
      primary
    }
    groups {
      id
      displayName
    }
    access {
      globalLevel
      fromDefault
      globalGrantedBy {
        ...ConsoleGrantSource
      }
      teams {
        level
        team {
          id
          name
        }
        grantedBy {
          ...ConsoleGrantSource
        }
      }
    }
  }
}
    fragment ConsoleGrantSource on Grant {
  isDefault
  group {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<ConsoleUserQuery, ConsoleUserQueryVariables>;