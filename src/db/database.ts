import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';

export const EMBEDDED_DATABASE = 'portico';

export interface DatabaseHandle {
  url: string;
  /** For the embedded server: the directory of its Unix socket, used instead of the URL's TCP host. */
  socketDir?: string;
  /** True when this process runs the embedded cluster (and must stop it). */
  embedded: boolean;
  stop(): Promise<void>;
}

/** The configured PostgreSQL, or the embedded one in the data directory (started or joined). */
export async function openDatabase(config: Config, log: (message: string) => void = () => {}): Promise<DatabaseHandle> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  const cluster = await startEmbeddedPostgres({ dataDir: config.dataDir, persistent: true, log });
  await createDatabaseIfMissing(cluster.adminUrl, EMBEDDED_DATABASE);
  return { url: cluster.urlFor(EMBEDDED_DATABASE), socketDir: cluster.socketDir, embedded: true, stop: () => cluster.stop() };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Another process may have created it between the check and the create.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

/**
 * PORTICO_SECRET_KEY, or on the embedded default a key generated once into the data directory
 * (readable by this user only).
 */
export async function resolveSecretKey(config: Config): Promise<Buffer> {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte hex key; remove it or set PORTICO_SECRET_KEY`);
    return key;
  }
  const key = randomBytes(32);
  await writeFile(file, `${key.toString('hex')}\n`, { mode: 0o600 });
  return key;
}
