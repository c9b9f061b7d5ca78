/** The Directory providers screen's operations (SPEC §6), typed by codegen from src/console/graphql/directory.graphql. */
export {
  ConsoleDirectoryProvidersDocument,
  ConsoleConfigureDirectoryProviderDocument,
  ConsoleTestDirectoryProviderDocument,
  ConsoleSyncDirectoryDocument,
  ConsoleRemoveDirectoryProviderDocument,
  type ConsoleDirectoryProviderFragment,
  type ConsoleDirectorySyncFragment,
} from '../generated/graphql';
