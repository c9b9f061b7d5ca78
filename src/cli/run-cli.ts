import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config';
import { scimBaseUrl } from '../config/urls';
import { openDatabase, resolveSecretKey } from '../db/database';
import { MicrosoftGraphClient } from '../graph/microsoft-graph-client';
import { initOrm, migrateToLatest, type Orm } from '../db/orm';
import { driverSql, usePreparedStatements } from '../db/driver-sql';
import { createDomainServices, type DomainServices } from '../domain/services';
import { systemActor, type CallContext } from '../domain/shared/scope';

const USAGE = `Usage: portico <command>

  tenant create <slug> [--name <name>]   create a tenant
  tenant list                            list tenants
  scim token <slug> [--grace <seconds>]  issue a new SCIM token (printed once); the old one is revoked
  operator token                         issue a new operator token (printed once); the old one is revoked
  directory test <slug>                  test the tenant's Microsoft Entra ID directory provider (exit 1 on failure)
  directory sync <slug>                  sync the tenant's profile photos from Microsoft Graph now and wait for it
  migrate                                apply pending database migrations
  migration create <name>                (development) write a new, empty migration into migrations/

Uses DATABASE_URL, or the embedded PostgreSQL in ./.portico (joined if a server is running).`;

/** A mistake in how the command was called; the message says how to call it. */
export class UsageError extends Error {}

/** The command ran and failed (a connection test, a sync); the message says why. Exit status 1. */
export class CommandFailed extends Error {}

/** `portico …`: operator commands, run through the same domain services as the API. */
export async function runCli(argv: string[], config: Config, out: (line: string) => void): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, grace: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals.slice(0, 2).join(' ');
  if (values.help || positionals.length === 0) {
    out(USAGE);
    return;
  }
  const known = ['tenant create', 'tenant list', 'scim token', 'operator token', 'directory test', 'directory sync', 'migrate', 'migration create'];
  if (!known.includes(command) && !(positionals[0] === 'migrate' && positionals.length === 1)) {
    throw new UsageError(`Unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  }
  const database = await openDatabase(config);
  let orm: Orm | undefined;
  try {
    orm = await initOrm(database.url, {}, database.socketDir);
    usePreparedStatements(orm.em, config.preparedStatements);
    if (positionals[0] === 'migrate') {
      const applied = await migrateToLatest(orm);
      out(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
      return;
    }
    if (command === 'migration create') {
      const name = positionals[2];
      if (!name) throw new UsageError('Name the migration: portico migration create <name>');
      const { fileName } = await orm.getMigrator().createMigration(undefined, true, false, name);
      out(`Wrote migrations/${fileName}; list it in migrations/index.ts.`);
      return;
    }
    await migrateToLatest(orm);
    const services = createDomainServices(orm.em, {
      sqlClientOf: driverSql,
      secretKey: await resolveSecretKey(config),
      graph: new MicrosoftGraphClient(config.directory.loginUrl, config.directory.graphUrl),
      directoryProvider: {
        limits: {
          concurrency: config.directory.concurrency,
          photoTimeoutMs: config.directory.photoTimeoutMs,
          maxRetryAfterMs: config.directory.maxRetryAfterMs,
        },
        onSyncNotice: ({ level, message, error }) => {
          if (level === 'error') out(`${message}: ${error instanceof Error ? error.message : String(error ?? '')}`);
        },
      },
    });
    const ctx: CallContext = { actor: { ...systemActor('cli'), kind: 'OPERATOR' }, source: 'SYSTEM', requestId: `cli-${randomUUID()}` };
    await runDomainCommand(command, positionals, values, services, ctx, config, out);
  } finally {
    await orm?.close();
    await database.stop();
  }
}

async function runDomainCommand(
  command: string,
  positionals: string[],
  values: { name?: string; grace?: string },
  services: DomainServices,
  ctx: CallContext,
  config: Config,
  out: (line: string) => void,
): Promise<void> {
  switch (command) {
    case 'tenant create': {
      const slug = requireArg(positionals[2], 'tenant create <slug>');
      const tenant = await services.tenants.create(ctx, { slug, name: values.name });
      out(`Created tenant ${tenant.slug} (${tenant.name}) with id ${tenant.id}`);
      return;
    }
    case 'tenant list': {
      let after: string | null = null;
      do {
        const page = await services.tenants.list(ctx, { first: 100, after });
        for (const { node } of page.items) out(`${node.slug}\t${node.name}\t${node.id}\t${node.createdAt.toISOString()}`);
        after = page.hasNextPage ? page.endCursor : null;
      } while (after);
      return;
    }
    case 'scim token': {
      const slug = requireArg(positionals[2], 'scim token <slug>');
      const grace = values.grace === undefined ? 0 : Number(values.grace);
      const scope = await services.tenants.scopeFor(ctx, slug);
      const { token } = await services.credentials.generateScimToken(scope, grace);
      out(`Tenant URL:   ${scimBaseUrl(config.publicUrl, slug)}`);
      out(`Secret token: ${token}`);
      out('The token is shown once; only its hash is stored.');
      return;
    }
    case 'operator token': {
      if (config.operatorToken) throw new UsageError('PORTICO_OPERATOR_TOKEN is set: the operator token comes from the environment.');
      out(`Operator token: ${await services.authenticator.rotateOperatorToken()}`);
      out('The token is shown once; only its hash is stored. The previous one no longer works.');
      return;
    }
    case 'directory test': {
      const slug = requireArg(positionals[2], 'directory test <slug>');
      const result = await services.directoryProvider.test(await services.tenants.scopeFor(ctx, slug));
      if (!result.ok) throw new CommandFailed(result.message);
      out(result.message);
      return;
    }
    case 'directory sync': {
      const slug = requireArg(positionals[2], 'directory sync <slug>');
      const scope = { ...(await services.tenants.scopeFor(ctx, slug)), source: 'DIRECTORY_SYNC' as const };
      const { started, sync, done } = await services.directoryProvider.startSync(scope);
      if (!started) throw new CommandFailed(`A sync of ${slug} is already running (started ${sync.startedAt.toISOString()}); it was not started twice.`);
      const finished = await done;
      const counts = `${finished.photosDownloaded} downloaded, ${finished.photosUnchanged} unchanged, ${finished.photosSkipped} skipped, ${finished.usersWithoutPhoto} without a photo`;
      if (finished.state !== 'SUCCEEDED') throw new CommandFailed(`Sync failed (${counts}): ${finished.error ?? 'unknown reason'}`);
      out(`Sync finished: ${counts}.`);
      return;
    }
  }
}

function requireArg(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`Missing argument: portico ${usage}`);
  return value;
}
