/**
 * The Directory providers screen's operations, typed by hand until issue 12 (SPEC §6) is merged: the API of
 * this branch does not have them yet, and codegen validates against schema/schema.graphql. The text below is
 * src/console/pending/directory.graphql. After the merge, move that file into src/console/graphql/, run
 * `npm run codegen`, and replace this file's body with:
 *
 *   export {
 *     ConsoleDirectoryProvidersDocument, ConsoleConfigureDirectoryProviderDocument, ConsoleTestDirectoryProviderDocument,
 *     ConsoleSyncDirectoryDocument, ConsoleRemoveDirectoryProviderDocument,
 *     type ConsoleDirectoryProviderFragment, type ConsoleDirectorySyncFragment,
 *   } from '../generated/graphql';
 */
import { TypedDocumentString } from '../generated/graphql';

export type ConsoleDirectorySyncFragment = {
  id: string;
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  finishedAt: string | null;
  photosDownloaded: number;
  photosUnchanged: number;
  photosSkipped: number;
  usersWithoutPhoto: number;
  error: string | null;
};

export type ConsoleDirectoryProviderFragment = {
  directoryTenantId: string;
  clientId: string;
  secretExpiresAt: string | null;
  secretExpiresInDays: number | null;
  lastSync: ConsoleDirectorySyncFragment | null;
};

type TenantArg = { tenant?: string | null };

const SYNC = `fragment ConsoleDirectorySync on DirectorySync {
  id state startedAt finishedAt photosDownloaded photosUnchanged photosSkipped usersWithoutPhoto error
}`;
const PROVIDER = `fragment ConsoleDirectoryProvider on DirectoryProvider {
  directoryTenantId clientId secretExpiresAt secretExpiresInDays lastSync { ...ConsoleDirectorySync }
}
${SYNC}`;

export const ConsoleDirectoryProvidersDocument = new TypedDocumentString<
  { tenant: { id: string; directoryProvider: ConsoleDirectoryProviderFragment | null } | null },
  TenantArg
>(`query ConsoleDirectoryProviders($tenant: String) {
  tenant(tenant: $tenant) { id directoryProvider { ...ConsoleDirectoryProvider } }
}
${PROVIDER}`);

export const ConsoleConfigureDirectoryProviderDocument = new TypedDocumentString<
  { configureDirectoryProvider: ConsoleDirectoryProviderFragment },
  TenantArg & { input: { directoryTenantId: string; clientId: string; clientSecret: string; secretExpiresAt?: string | null } }
>(`mutation ConsoleConfigureDirectoryProvider($tenant: String, $input: DirectoryProviderInput!) {
  configureDirectoryProvider(tenant: $tenant, input: $input) { ...ConsoleDirectoryProvider }
}
${PROVIDER}`);

export const ConsoleTestDirectoryProviderDocument = new TypedDocumentString<{ testDirectoryProvider: { ok: boolean; message: string } }, TenantArg>(
  `mutation ConsoleTestDirectoryProvider($tenant: String) {
  testDirectoryProvider(tenant: $tenant) { ok message }
}`,
);

export const ConsoleSyncDirectoryDocument = new TypedDocumentString<{ syncDirectory: ConsoleDirectorySyncFragment }, TenantArg>(
  `mutation ConsoleSyncDirectory($tenant: String) {
  syncDirectory(tenant: $tenant) { ...ConsoleDirectorySync }
}
${SYNC}`,
);

export const ConsoleRemoveDirectoryProviderDocument = new TypedDocumentString<{ removeDirectoryProvider: boolean }, TenantArg>(
  `mutation ConsoleRemoveDirectoryProvider($tenant: String) {
  removeDirectoryProvider(tenant: $tenant)
}`,
);
