import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sql } from '../../helpers/database';
import { runNode } from '../../helpers/process';

describe('portico CLI', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  const portico = (...args: string[]) => runNode('bin/portico.js', args, env);

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
      PUBLIC_URL: 'https://id.example.com',
    };
  });
  afterAll(() => database?.drop());

  it('migrate applies the migrations, then has nothing to do', async () => {
    const first = await portico('migrate');
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('Applied: Migration20261123000000_initial');
    const second = await portico('migrate');
    expect(second.output).toContain('The database is up to date.');
  });

  it('tenant create and tenant list', async () => {
    const created = await portico('tenant', 'create', 'acme', '--name', 'Acme Corp');
    expect(created.code).toBe(0);
    expect(created.output).toMatch(/Created tenant acme \(Acme Corp\)/);
    const listed = await portico('tenant', 'list');
    expect(listed.output).toMatch(/^acme\tAcme Corp\t[0-9a-f-]{36}\t/m);
    const events = await sql(database.url, `select type, source from provisioning_events`);
    expect(events).toEqual([{ type: 'TENANT_CREATED', source: 'SYSTEM' }]);
  });

  it('scim token prints the Tenant URL and a token once, storing only its hash', async () => {
    const result = await portico('scim', 'token', 'acme');
    expect(result.code).toBe(0);
    expect(result.output).toContain('Tenant URL:   https://id.example.com/api/acme/scim/v2');
    const token = /Secret token: (\S+)/.exec(result.output)![1];
    const stored = JSON.stringify(await sql(database.url, 'select * from credentials'));
    expect(stored).not.toContain(token);
  });

  it('bad input is a clear message and exit code 2', async () => {
    const duplicate = await portico('tenant', 'create', 'acme');
    expect(duplicate).toMatchObject({ code: 2 });
    expect(duplicate.output).toContain('A tenant with slug "acme" already exists');
    const badSlug = await portico('tenant', 'create', 'Not_A_Slug');
    expect(badSlug.code).toBe(2);
    expect(badSlug.output).toContain('slug:');
    const unknownTenant = await portico('scim', 'token', 'nope');
    expect(unknownTenant.output).toContain('Tenant "nope" not found');
    const unknownCommand = await portico('frobnicate');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.output).toContain('Usage: portico');
  });
});
