import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config';
import { scimBaseUrl } from '../config/urls';
import { openDatabase } from '../db/database';
import { initOrm, migrateToLatest, type Orm } from '../db/orm';
import { createDomainServices, type DomainServices } from '../domain/services';
import { systemActor, type CallContext } from '../domain/shared/scope';

const USAGE = `Usage: portico <command>

  tenant create <slug> [--name <name>]   create a tenant
  tenant list                            list tenants
  scim token <slug> [--grace <seconds>]  issue a new SCIM token (printed once); the old one is revoked
  operator token                         issue a new operator token (printed once); the old one is revoked
  migrate                                apply pending database migrations
  migration create <name>                (development) write a new, empty migration into migrations/

Uses DATABASE_URL, or the embedded PostgreSQL in ./.portico (joined if a server is running).`;

/** A mistake in how the command was called; the message says how to call it. */
export class UsageError extends Error {}

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
  const known = ['tenant create', 'tenant list', 'scim token', 'operator token', 'migrate', 'migration create'];
  if (!known.includes(command) && !(positionals[0] === 'migrate' && positionals.length === 1)) {
    throw new UsageError(`Unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  }
  const database = await openDatabase(config);
  let orm: Orm | undefined;
  try {
    orm = await initOrm(database.url, {}, database.socketDir);
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
    const services = createDomainServices(orm.em);
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
  }
}

function requireArg(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`Missing argument: portico ${usage}`);
  return value;
}
