import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft } from '../../fixtures/fake-microsoft';
import { tinyPng } from '../../fixtures/images';
import { sql } from '../../helpers/database';
import { captureLogs, daysFromNow, directoryApi, directoryEnv, gql, inputFor, provisionPeople, type DirectoryApi } from '../../helpers/directory';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant } from '../../helpers/scim';

/**
 * Issue 12, acceptance 2: the client secret is in no API answer, no log line (at the most verbose level) and
 * no event; stored, it is sealed. The fake proves the secret was really used. Graph access tokens (which read
 * every user of the directory) are held to the same rule.
 */
describe('the client secret never leaves Portico', () => {
  const canary = `Zq8~SecretCanary${randomBytes(12).toString('hex')}`;
  const wrongCanary = `Wr0~WrongCanary${randomBytes(12).toString('hex')}`;
  const rotatedCanary = `Rt5~RotatedCanary${randomBytes(12).toString('hex')}`;
  const logs = captureLogs('trace');
  let fake: FakeMicrosoft;
  let portico: TestPortico;
  let api: DirectoryApi;

  beforeAll(async () => {
    fake = await startFakeMicrosoft({ clientSecret: canary });
    portico = await startTestPortico(directoryEnv(fake, { PORTICO_GRAPHQL_INTROSPECTION: 'true' }), { logger: logs.logger });
    const scim = await scimTenant(portico, 'secrets');
    await provisionPeople(scim, fake, [
      { userName: 'a@contoso.example', photo: tinyPng() },
      { userName: 'b@contoso.example', photo: null },
    ]);
    api = directoryApi(portico.url, 'secrets', { token: portico.operatorToken });
  });
  afterAll(async () => {
    await portico?.stop();
    await fake?.close();
  });

  it('is used (the fake received it) through configure, test, sync and every failure', async () => {
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(10) }));
    await api.provider();
    expect(await api.test()).toMatchObject({ ok: true });
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED' });

    // A wrong secret: refused by Microsoft, reported to the admin.
    await api.configure(inputFor(fake, { clientSecret: wrongCanary }));
    expect(await api.test()).toMatchObject({ ok: false });
    expect(await api.sync()).toMatchObject({ state: 'FAILED' });

    // The right one again, then expired, then without the permission.
    await api.configure(inputFor(fake));
    fake.expireSecret();
    expect(await api.test()).toMatchObject({ ok: false });
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(-1) }));
    expect(await api.sync()).toMatchObject({ state: 'FAILED' });
    fake.expireSecret(false);
    fake.setPermissions([]);
    expect(await api.test()).toMatchObject({ ok: false });
    expect(await api.sync()).toMatchObject({ state: 'FAILED' });
    fake.setPermissions(['User.Read.All']);

    // Rotation: a new secret replaces it (the fake now knows only the new one).
    fake.app.clientSecret = rotatedCanary;
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(700) }));
    expect(await api.test()).toMatchObject({ ok: true });
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED' });

    expect(fake.secretsReceived).toEqual(new Set([canary, wrongCanary, rotatedCanary]));
    expect(fake.tokensIssued.length).toBeGreaterThanOrEqual(2);
  });

  const secrets = () => [canary, wrongCanary, rotatedCanary];
  const graphTokens = () => fake.tokensIssued.map((t) => t.split('.').at(-1)!);

  it('is in no GraphQL answer, and the schema has no field that could return it', async () => {
    expect(api.answers.length).toBeGreaterThan(10);
    const all = api.answers.join('\n');
    for (const secret of [...secrets(), ...graphTokens()]) expect(all).not.toContain(secret);
    const introspection = await gql<{ __type: { fields: { name: string }[] } | null }>(
      portico.url,
      '{ __type(name: "DirectoryProvider") { fields { name } } }',
      {},
      { token: portico.operatorToken },
    );
    const fields = introspection.data!.__type!.fields.map((f) => f.name);
    expect(fields).toEqual(expect.arrayContaining(['directoryTenantId', 'clientId', 'secretExpiresAt']));
    expect(fields.filter((f) => /secret/i.test(f) && !/^secretExpires/.test(f))).toEqual([]);
  });

  it('is in no log line, even at trace level', async () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const secret of [...secrets(), ...graphTokens()]) expect(text).not.toContain(secret);
    // Not even URL-encoded (as it travels in the token request's form).
    for (const secret of secrets()) expect(text).not.toContain(encodeURIComponent(secret));
  });

  it('is in no provisioning event', async () => {
    const rows = await sql<{ row: string }>(portico.databaseUrl, 'select e::text as row from provisioning_events e');
    expect(rows.length).toBeGreaterThan(5);
    const text = rows.map((r) => r.row).join('\n');
    for (const secret of [...secrets(), ...graphTokens()]) expect(text).not.toContain(secret);
    const viaGraphql = await api.events([
      'DIRECTORY_PROVIDER_CONFIGURED',
      'DIRECTORY_SYNC_SUCCEEDED',
      'DIRECTORY_SYNC_FAILED',
      'DIRECTORY_SECRET_EXPIRING',
      'USER_PHOTO_CHANGED',
    ]);
    expect(viaGraphql.length).toBeGreaterThan(5);
  });

  it('is stored sealed (v1:…), in directory_providers and nowhere else in the database', async () => {
    const [provider] = await sql<Record<string, unknown>>(portico.databaseUrl, 'select * from directory_providers');
    const values = Object.values(provider).map((v) => (v instanceof Date ? v.toISOString() : String(v)));
    for (const secret of secrets()) for (const value of values) expect(value).not.toContain(secret);
    expect(values.some((v) => v.startsWith('v1:'))).toBe(true);

    // Every table, every row, as text.
    const tables = await sql<{ table_name: string }>(
      portico.databaseUrl,
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['directory_providers', 'provisioning_events']));
    for (const { table_name } of tables) {
      const rows = await sql<{ row: string }>(portico.databaseUrl, `select t::text as row from "${table_name}" t`);
      const text = rows.map((r) => r.row).join('\n');
      for (const secret of [...secrets(), ...graphTokens()]) expect(text, table_name).not.toContain(secret);
    }
  });
});
