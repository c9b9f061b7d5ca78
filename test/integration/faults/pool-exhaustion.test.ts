import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

const POOL_SIZE = 2;
const ACQUIRE_TIMEOUT_MS = 800;

/** Issue 11: slow queries hold every connection; new requests wait a bounded time, then get 503, and a metric shows it. */
describe('faults: a connection pool held by slow queries', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let locker: pg.Client | undefined;

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_DB_POOL_SIZE: String(POOL_SIZE), PORTICO_DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS) });
    scim = await scimTenant(portico, 'contoso');
    expect((await scim.post('/Users', entraUser({ userName: 'first@contoso.com' }))).status).toBe(201);
  });
  afterAll(async () => {
    await locker?.end().catch(() => {});
    await portico?.stop();
  });

  it('requests beyond the pool wait at most the acquire timeout, answer 503 with Retry-After, and the held ones finish after', async () => {
    // A transaction that locks the users table: every request that reads users holds its connection, waiting.
    locker = new pg.Client({ connectionString: portico.databaseUrl });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table users in access exclusive mode');

    const timed = async <T>(run: () => Promise<T>) => {
      const startedAt = Date.now();
      const result = await run();
      return { result, ms: Date.now() - startedAt };
    };
    const scimCalls = Array.from({ length: 8 }, (_, i) => timed(() => scim.get('/Users', { filter: `userName eq "u${i}@contoso.com"` })));
    // Let the first requests take every connection before the GraphQL ones queue behind them.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const graphqlCalls = Array.from({ length: 3 }, () =>
      timed(async () => {
        const response = await fetch(`${portico.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${portico.operatorToken}` },
          body: JSON.stringify({ query: '{ users(tenant: "contoso", first: 5) { totalCount } }' }),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] } };
      }),
    );
    const samlCall = timed(async () => {
      const response = await fetch(`${portico.url}/api/contoso/saml/metadata`);
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
    });
    // While they wait, the metrics say so: every connection in use, requests queued for one.
    const poolGauges = async () => {
      const metrics = await (await fetch(`${portico.url}/metrics`)).text();
      const gauge = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
      return { used: gauge(/^portico_db_pool_connections\{state="used"\} (\d+)/m), waiting: gauge(/^portico_db_pool_waiting_requests (\d+)/m) };
    };
    let gauges = await poolGauges();
    for (let poll = 0; poll < 20 && gauges.used < POOL_SIZE; poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gauges = await poolGauges();
    }
    expect(gauges.used).toBe(POOL_SIZE);
    expect(gauges.waiting).toBeGreaterThanOrEqual(3);

    const refusedGraphql = await Promise.all(graphqlCalls);
    for (const { result, ms } of refusedGraphql) {
      expect(result.status).toBe(503);
      expect(result.retryAfter).toMatch(/^\d+$/);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + 2_000);
    }

    // SAML answers the same way: a 503 page with Retry-After, not a 500 (review finding).
    const refusedSaml = await samlCall;
    expect(refusedSaml.result.status).toBe(503);
    expect(refusedSaml.result.retryAfter).toMatch(/^\d+$/);
    expect(refusedSaml.result.body).toContain('UNAVAILABLE');

    // Now let the held requests go: they finish normally.
    await locker.query('rollback');
    const scimResults = await Promise.all(scimCalls);
    const statuses = scimResults.map(({ result }) => result.status);
    expect(statuses.every((status) => status === 200 || status === 503), String(statuses)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(POOL_SIZE);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(8 - POOL_SIZE - 1);
    for (const { result, ms } of scimResults.filter(({ result }) => result.status === 503)) {
      expect(result.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(result.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
      expect(ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + 2_000);
    }

    const after = await (await fetch(`${portico.url}/metrics`)).text();
    const timeouts = Number(/^portico_db_acquire_failures_total\{reason="acquire_timeout"\} (\d+)/m.exec(after)?.[1]);
    expect(timeouts).toBeGreaterThanOrEqual(statuses.filter((status) => status === 503).length + refusedGraphql.length);
    expect(after).toMatch(/portico_http_requests_total\{method="GET",route="\/api\/:tenant\/scim\/v2\/Users",status="503"\}/);

    // And the process serves normally again.
    expect((await scim.get('/Users', { filter: 'userName eq "first@contoso.com"' })).body.totalResults).toBe(1);
  });
});
