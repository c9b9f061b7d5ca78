import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runNode, startNode, type RunningProcess } from '../../helpers/process';

/**
 * Acceptance 1, as a new user runs it: the server on the embedded default (no DATABASE_URL), started by
 * `npm start`'s own entry point, serving within 30 s, printing the GraphQL URL and a generated operator
 * token, keeping a tenant across a restart.
 */
describe('npm start on the embedded default', () => {
  let dataDir: string;
  let port: number;
  let server: RunningProcess | undefined;
  const env = () => ({ PORTICO_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
  const graphql = async (token: string, query: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'portico-start-'));
    port = await freePort();
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  let operatorToken = '';

  it('serves within 30 s, prints the GraphQL URL and the operator token once', async () => {
    const startedAt = Date.now();
    server = startNode('dist/src/main.js', [], env());
    const output = await server.waitFor(/Portico is running\.[\s\S]*Operator token[\s\S]*pto_\S+/, 30_000);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(output).toContain(`GraphQL  http://localhost:${port}/graphql`);
    operatorToken = /(pto_\S+)/.exec(output)![1];

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await graphql(operatorToken, '{ viewer { kind } }')).toEqual({ data: { viewer: { kind: 'OPERATOR' } } });
    const created = await graphql(operatorToken, 'mutation { createTenant(input: { slug: "acme", name: "Acme" }) { slug } }');
    expect(created.data).toEqual({ createTenant: { slug: 'acme' } });
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  });

  it('stops cleanly on SIGTERM, stopping the embedded PostgreSQL too', async () => {
    expect(await server!.stop()).toBe(0);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('after a restart the tenant is still there and no new token is printed', async () => {
    server = startNode('dist/src/main.js', [], env());
    const output = await server.waitFor(/Portico is running\./, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(output).not.toContain('Operator token');
    const tenants = await graphql(operatorToken, '{ tenants { totalCount edges { node { slug name } } } }');
    expect(tenants.data).toEqual({ tenants: { totalCount: 1, edges: [{ node: { slug: 'acme', name: 'Acme' } }] } });
  });

  it('the CLI joins the running embedded server', async () => {
    const listed = await runNode('dist/src/cli/main.js', ['tenant', 'list'], { PORTICO_DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(listed.output).toMatch(/^acme\tAcme\t/m);
    // The server is untouched by the CLI's exit.
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await server!.stop()).toBe(0);
  });

  it('refuses a bad configuration with a message naming the variable', async () => {
    const result = await runNode('dist/src/main.js', [], { ...env(), PORT: 'eighty', LOG_LEVEL: 'chatty' });
    expect(result.code).toBe(78);
    expect(result.output).toContain('PORT:');
    expect(result.output).toContain('LOG_LEVEL:');
    const noKey = await runNode('dist/src/main.js', [], { ...env(), DATABASE_URL: 'postgres://localhost:1/x' });
    expect(noKey.code).toBe(78);
    expect(noKey.output).toContain('PORTICO_SECRET_KEY: required when DATABASE_URL is set');
  });
});
