import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/config';
import { graphqlUrl } from './config/urls';
import { openDatabase, resolveSecretKey, type DatabaseHandle } from './db/database';
import { startEventListener } from './db/event-listener';
import { oldestOpenTransaction, rebaseForeignEventPositions } from './db/event-log-upkeep';
import { initOrm, migrateToLatest, pingDatabase, pendingMigrations, poolOverrides, type Orm } from './db/orm';
import { registerPoolMetrics } from './db/pool-metrics';
import { driverSql, usePreparedStatements } from './db/driver-sql';
import { createDomainServices, type DomainServices } from './domain/services';
import { hashToken } from './domain/shared/secret-token';
import { buildPorticoSchema } from './graphql/schema';
import { createGraphqlServer } from './graphql/server';
import { createWsServer } from './graphql/ws-server';
import { createHttpApp } from './http/app';
import { createLogger, type Logger } from './http/logger';
import { startEventRetention } from './jobs/event-retention';
import { startDeletedUserPurge } from './jobs/deleted-user-purge';
import { startScimRequestCounts } from './jobs/scim-request-counts';
import { massDeprovisioningCounter } from './http/metrics';
import { SamlMetadataReader } from './saml/metadata-reader';
import { startMetadataRefresh } from './saml/metadata-refresh';
import { createSamlEndpoints } from './saml/router';
import { createScimHandler } from './scim/router';
import { MicrosoftGraphClient } from './graph/microsoft-graph-client';
import { registerDirectoryMetrics } from './http/directory-metrics';
import { createPhotoRouter } from './http/photo-router';
import { startDirectorySchedule } from './jobs/directory-sync';

/** A running Portico: where it listens, its domain, and how to stop it. */
export interface Portico {
  url: string;
  port: number;
  services: DomainServices;
  orm: Orm;
  logger: Logger;
  secretKey: Buffer;
  /** The operator token generated at this start (printed once), if one was generated. */
  generatedOperatorToken: string | null;
  /** Stops accepting requests, drains in-flight ones, then closes the database (and the embedded server). */
  close(): Promise<void>;
}

/** How often the live feed looks for committed events even without a notification. */
const FEED_SAFETY_POLL_MS = 1_000;

export interface StartOptions {
  logger?: Logger;
  /** Skip the embedded server and use this database (tests pass their own). */
  database?: DatabaseHandle;
}

/** The composition root: database, migrations, domain services, GraphQL and HTTP. */
export async function startPortico(config: Config, options: StartOptions = {}): Promise<Portico> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = options.database ?? (await openDatabase(config, (m) => logger.debug({ postgres: m.trim() })));
  const cleanups: { name: string; run: () => Promise<unknown> }[] = [{ name: 'database', run: () => database.stop() }];
  const cleanUp = async () => {
    for (const step of cleanups.reverse()) {
      logger.debug({ step: step.name }, 'stopping');
      await step.run().catch((error) => logger.error({ err: error, step: step.name }, 'shutdown step failed'));
    }
  };
  try {
    const secretKey = await resolveSecretKey(config);
    const orm = await initOrm(database.url, poolOverrides(config.databasePool), database.socketDir);
    cleanups.push({ name: 'orm', run: () => orm.close() });
    usePreparedStatements(orm.em, config.preparedStatements);
    const applied = await migrateToLatest(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    const rebased = await rebaseForeignEventPositions(orm);
    if (rebased > 0) logger.warn({ events: rebased }, 'events restored from another database cluster were given positions in this one');

    // The counter lives in the HTTP app's registry, made after the services: bursts before it exists are none.
    const burstMetric: { count?: () => void } = {};
    const services = createDomainServices(orm.em, {
      sqlClientOf: driverSql,
      deprovisioning: {
        retentionDays: config.deletedUserRetentionDays,
        burstShare: config.massDeprovisioning.share,
        burstMinimum: config.massDeprovisioning.minimumUsers,
        onMassDeprovisioning: () => burstMetric.count?.(),
      },
      operatorTokenHash: config.operatorToken ? hashToken(config.operatorToken) : undefined,
      secretKey,
      idpMetadata: new SamlMetadataReader(config.samlMetadataInsecure, config.samlMetadataTimeoutMs),
      graph: new MicrosoftGraphClient(config.directory.loginUrl, config.directory.graphUrl),
      directoryProvider: {
        limits: {
          concurrency: config.directory.concurrency,
          photoTimeoutMs: config.directory.photoTimeoutMs,
          maxRetryAfterMs: config.directory.maxRetryAfterMs,
        },
        onSyncNotice: ({ level, message, error, tenantId, syncId }) => logger[level]({ err: error, tenantId, syncId }, message),
      },
      maxBufferedEvents: config.maxBufferedEvents,
      onFeedError: (error) => logger.warn({ err: error }, 'live event feed could not read the log; retrying'),
      onFeedHeld: (heldForMs) => {
        void oldestOpenTransaction(orm)
          .catch(() => null)
          .then((holder) =>
            logger.warn(
              { heldForSeconds: Math.round(heldForMs / 1000), holder },
              'a transaction left open holds back the live event feed; end it (idle_in_transaction_session_timeout bounds this)',
            ),
          );
      },
    });
    const generatedOperatorToken = await services.authenticator.ensureOperatorToken();

    const stopMetadataRefresh = startMetadataRefresh({ services, logger, maxAgeMs: config.samlMetadataRefreshHours * 3600 * 1000 });
    cleanups.push({ name: 'saml metadata refresh', run: async () => stopMetadataRefresh() });

    // Its own connection, direct to PostgreSQL when DATABASE_URL goes through a transaction pooler: a LISTEN
    // lives in a session, which such a pooler does not keep.
    const listener = startEventListener({
      connectionString: config.listenDatabaseUrl ?? database.url,
      socketDir: config.listenDatabaseUrl ? undefined : database.socketDir,
      onNotify: () => services.feed.wake(),
      onListening: () => services.feed.wake(),
      writer: orm.em.getConnection(),
      logger,
    });
    cleanups.push({ name: 'event listener', run: () => listener.stop() });
    // A safety net under the notifications: the feed reads nothing when nothing was committed.
    const feedTimer = setInterval(() => services.feed.wake(), FEED_SAFETY_POLL_MS);
    feedTimer.unref();
    cleanups.push({ name: 'feed timer', run: async () => clearInterval(feedTimer) });

    const stopDirectorySchedule = startDirectorySchedule({ services, logger, syncMinutes: config.directory.syncMinutes });
    cleanups.push({ name: 'directory syncs', run: () => services.directoryProvider.stop() });
    cleanups.push({ name: 'directory schedule', run: async () => stopDirectorySchedule() });

    const stopRetention = startEventRetention({ services, logger, retentionDays: config.eventRetentionDays });
    cleanups.push({ name: 'event retention', run: async () => stopRetention() });
    const stopPurge = startDeletedUserPurge({ services, logger, retentionDays: config.deletedUserRetentionDays });
    cleanups.push({ name: 'deleted user purge', run: async () => stopPurge() });
    // Stopped after the HTTP server drained (cleanups run in reverse), so its last flush has every request.
    const stopScimCounts = startScimRequestCounts({ services, logger });
    cleanups.push({ name: 'scim request counts', run: stopScimCounts });

    const httpServer: Server = createServer();
    const schema = await buildPorticoSchema();
    const graphql = await createGraphqlServer({
      schema,
      httpServer,
      services,
      publicUrl: config.publicUrl,
      logger,
      introspection: config.graphqlIntrospection,
    });
    cleanups.push({ name: 'graphql', run: () => graphql.stop() });
    const ws = createWsServer({ httpServer, schema, services, publicUrl: config.publicUrl, logger, introspection: config.graphqlIntrospection });
    cleanups.push({ name: 'graphql-ws', run: () => ws.stop() });
    const saml = createSamlEndpoints({ services, publicUrl: config.publicUrl, logger, rateLimit: config.samlRateLimit });
    const { handler, metrics } = createHttpApp({
      logger,
      graphql: graphql.middleware,
      scim: createScimHandler({ services, publicUrl: config.publicUrl, logger, rateLimit: config.scimRateLimit }),
      saml: saml.router,
      samlAcs: saml.acs,
      photos: createPhotoRouter({ services }),
      metricsToken: config.metricsToken,
      trustProxy: config.trustProxy,
      readiness: async () => {
        await pingDatabase(orm);
        const pending = await pendingMigrations(orm);
        return pending.length === 0 ? { ready: true } : { ready: false, detail: `pending migrations: ${pending.join(', ')}` };
      },
    });
    const massDeprovisioning = massDeprovisioningCounter(metrics);
    burstMetric.count = () => massDeprovisioning.inc();
    registerPoolMetrics(metrics, orm);
    registerDirectoryMetrics(metrics, services);
    httpServer.on('request', handler);
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, resolve);
    });
    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://localhost:${port}`;
    logger.info({ graphql: graphqlUrl(config.publicUrl), port }, 'Portico is listening');

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      services,
      orm,
      logger,
      secretKey,
      generatedOperatorToken,
      close: () =>
        (closing ??= (async () => {
          // Apollo's drain plugin closes the HTTP server and waits for in-flight requests.
          await cleanUp();
          httpServer.closeAllConnections();
        })()),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
