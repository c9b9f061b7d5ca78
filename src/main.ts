// First: sets NODE_ENV before graphql-js is loaded by the imports below.
import './production-mode';
import { ConfigError, loadConfig } from './config/config';
import { graphqlUrl, samlBaseUrl, scimBaseUrl } from './config/urls';
import { startPortico } from './app';

/** `npm start`: serve until SIGTERM/SIGINT, then drain and stop. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const portico = await startPortico(config);
  const lines = [
    '',
    `Portico is running.`,
    `  GraphQL  ${graphqlUrl(config.publicUrl)}`,
    `  SCIM     ${scimBaseUrl(config.publicUrl, '{tenant}')}`,
    `  SAML     ${samlBaseUrl(config.publicUrl, '{tenant}')}/metadata`,
    `  Health   ${config.publicUrl}/healthz  ${config.publicUrl}/readyz  ${config.publicUrl}/metrics`,
    config.databaseUrl ? '  Database DATABASE_URL' : `  Database embedded PostgreSQL in ${config.dataDir}`,
  ];
  if (portico.generatedOperatorToken) {
    lines.push(
      '',
      '  Operator token (shown once; only its hash is stored):',
      `    ${portico.generatedOperatorToken}`,
      '  Use it as "Authorization: Bearer <token>". Set PORTICO_OPERATOR_TOKEN to choose your own.',
    );
  }
  console.log(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    portico.logger.info({ signal }, 'shutting down');
    portico.close().then(
      () => process.exit(0),
      (error) => {
        portico.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error('Portico failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
