import { ConfigError, loadConfig } from '../config/config';
import { DomainError } from '../domain/shared/domain-error';
import { CommandFailed, runCli, UsageError } from './run-cli';

/** The `portico` command's entry point: exit 2 for a mistake in the call, 78 for bad configuration. */
const out = (line: string) => console.log(line);
Promise.resolve()
  .then(() => runCli(process.argv.slice(2), loadConfig(), out))
  .catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof DomainError) {
      console.error(error.message);
      process.exit(error instanceof ConfigError ? 78 : 2);
    }
    if (error instanceof CommandFailed) {
      console.error(error.message);
      process.exit(1);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
