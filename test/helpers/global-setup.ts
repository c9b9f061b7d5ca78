import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL with the right to create databases: each test file makes its own. */
    databaseAdminUrl: string;
  }
}

/** One PostgreSQL for the whole run: DATABASE_URL when given, else a throwaway embedded cluster. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The process tests run the compiled server and CLI exactly as `npm start` and `portico` do.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: path.resolve(__dirname, '../..'), stdio: 'inherit' });
  if (process.env.DATABASE_URL) {
    project.provide('databaseAdminUrl', process.env.DATABASE_URL);
    return async () => {};
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'portico-test-'));
  const cluster = await startEmbeddedPostgres({ dataDir, persistent: false });
  project.provide('databaseAdminUrl', cluster.adminUrl);
  return async () => {
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
