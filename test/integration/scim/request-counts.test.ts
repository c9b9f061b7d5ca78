import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimRequestCountsDocument } from '../../generated/graphql';
import { ScimRequestCounter } from '../../../src/domain/scim-traffic/scim-request-counter';
import { systemActor } from '../../../src/domain/shared/scope';
import { entraUser } from '../../fixtures/entra';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

const HOUR_MS = 3600 * 1000;

/** Issue 13, User provisioning: how many requests Entra sent in the last 24 h, and how many were refused. */
describe('SCIM request counts per tenant and hour', () => {
  let portico: TestPortico;
  let contoso: ScimClient;
  let fabrikam: ScimClient;

  const counts = async (tenant: string, token?: string) => {
    const answer = await portico.gql(ScimRequestCountsDocument, { tenant }, token ? { token } : undefined);
    expect(answer.errors).toBeUndefined();
    return answer.data!.scimSettings;
  };
  const rows = async (sql: string, values: unknown[] = []) => portico.orm.em.fork().getConnection().execute(sql, values);

  beforeAll(async () => {
    portico = await startTestPortico();
    contoso = await scimTenant(portico, 'contoso');
    fabrikam = await scimTenant(portico, 'fabrikam');
  });
  afterAll(() => portico?.stop());

  it('counts every request of a tenant, authenticated or refused, and keeps tenants apart', async () => {
    expect(await counts('contoso')).toEqual({ requestsLast24h: 0, refusedLast24h: 0 });

    // Three answered well...
    expect((await contoso.get('/Users', { filter: 'userName eq "3f1c2c44-guid@contoso.test"' })).status).toBe(200);
    expect((await contoso.post('/Users', entraUser({ userName: 'adele@contoso.test' }))).status).toBe(201);
    expect((await contoso.get('/Groups', { excludedAttributes: 'members' })).status).toBe(200);
    // ...and four refused: a wrong token, none, a filter that does not parse, a user without userName.
    expect((await contoso.request('GET', '/Users', { token: 'scim_not-the-token' })).status).toBe(401);
    expect((await contoso.request('GET', '/Users', { token: null })).status).toBe(401);
    expect((await contoso.get('/Users', { filter: 'userName eq' })).status).toBe(400);
    expect((await contoso.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })).status).toBe(400);

    expect((await fabrikam.get('/Users')).status).toBe(200);
    expect((await fabrikam.request('GET', '/Groups', { token: contoso.token })).status).toBe(401);
    // A tenant that does not exist is not counted anywhere.
    expect((await fetch(`${portico.url}/api/no-such-tenant/scim/v2/Users`, { headers: { authorization: `Bearer ${contoso.token}` } })).status).toBe(401);

    // Nothing reaches the database until a flush.
    expect(await counts('contoso')).toEqual({ requestsLast24h: 0, refusedLast24h: 0 });
    expect(await portico.services.scimRequests.flush()).toBe(2);
    expect(await counts('contoso')).toEqual({ requestsLast24h: 7, refusedLast24h: 4 });
    expect(await counts('fabrikam')).toEqual({ requestsLast24h: 2, refusedLast24h: 1 });
    // A second flush with nothing new writes nothing and changes nothing.
    expect(await portico.services.scimRequests.flush()).toBe(0);
    expect(await counts('contoso')).toEqual({ requestsLast24h: 7, refusedLast24h: 4 });
  });

  it('adds up the counts of several processes (each flushes its own)', async () => {
    const otherProcess = new ScimRequestCounter(portico.services.uow);
    otherProcess.count(contoso.scope, 200);
    otherProcess.count(contoso.scope, 429);
    expect((await contoso.get('/Users')).status).toBe(200);
    await Promise.all([otherProcess.flush(), portico.services.scimRequests.flush()]);
    expect(await counts('contoso')).toEqual({ requestsLast24h: 10, refusedLast24h: 5 });
    expect(await counts('fabrikam')).toEqual({ requestsLast24h: 2, refusedLast24h: 1 });
  });

  it('sums the current hour and the 23 before it; the hourly job prunes rows older than the retention', async () => {
    const now = Date.now();
    const at = (hoursAgo: number) => new ScimRequestCounter(portico.services.uow, () => now - hoursAgo * HOUR_MS);
    for (const [hoursAgo, status] of [
      [23, 200],
      [25, 500],
      [24 * 9, 200],
    ] as const) {
      const counter = at(hoursAgo);
      counter.count(fabrikam.scope, status);
      await counter.flush();
    }
    // 23 hours ago is inside the window, 25 is not (hour-granular: 24 h ago may fall either side).
    expect(await counts('fabrikam')).toEqual({ requestsLast24h: 3, refusedLast24h: 1 });
    const fabrikamRows = () => rows(`select count(*)::int as n from scim_request_counts where tenant_id = ?`, [fabrikam.scope.tenantId]);
    expect(await fabrikamRows()).toEqual([{ n: 4 }]);

    const system = { actor: systemActor('test'), source: 'SYSTEM' as const, requestId: 'prune-test' };
    expect(await portico.services.scimRequests.prune(system, new Date(now - 8 * 24 * HOUR_MS))).toBe(1);
    expect(await fabrikamRows()).toEqual([{ n: 3 }]);
    await expect(portico.services.scimRequests.prune(contoso.scope, new Date())).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('keeps the counts of a flush that failed for the next one', async () => {
    expect((await contoso.get('/Users')).status).toBe(200);
    const failing = portico.services.uow.onBeforeCommit(async () => {
      throw new Error('test: the database went away');
    });
    try {
      await expect(portico.services.scimRequests.flush()).rejects.toThrow('the database went away');
    } finally {
      failing();
    }
    expect((await contoso.request('GET', '/Users', { token: 'scim_wrong' })).status).toBe(401);
    expect(await portico.services.scimRequests.flush()).toBe(1);
    expect(await counts('contoso')).toEqual({ requestsLast24h: 12, refusedLast24h: 6 });
  });

  it('is read by a tenant ADMINISTRATOR only, of their own tenant', async () => {
    const admin = (await portico.services.credentials.createApiKey(contoso.scope, { name: 'admin', level: 'ADMINISTRATOR' })).token;
    const viewer = (await portico.services.credentials.createApiKey(contoso.scope, { name: 'viewer', level: 'VIEWER' })).token;
    expect(await counts('contoso', admin)).toEqual({ requestsLast24h: 12, refusedLast24h: 6 });
    expect(errorCodes(await portico.gql(ScimRequestCountsDocument, { tenant: 'contoso' }, { token: viewer }))).toContain('FORBIDDEN');
    expect(errorCodes(await portico.gql(ScimRequestCountsDocument, { tenant: 'fabrikam' }, { token: admin }))).toContain('FORBIDDEN');
  });

  it('writes what it counted when Portico stops', async () => {
    expect((await fabrikam.get('/Users')).status).toBe(200);
    await portico.close();
    const client = new pg.Client({ connectionString: portico.databaseUrl });
    await client.connect();
    try {
      const { rows: [row] } = await client.query<{ n: number }>(
        `select sum(requests)::int as n from scim_request_counts where tenant_id = $1 and hour >= date_trunc('hour', now()) - interval '23 hours'`,
        [fabrikam.scope.tenantId],
      );
      expect(row.n).toBe(4);
    } finally {
      await client.end();
    }
  });
});
