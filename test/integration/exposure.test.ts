import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortico, type TestPortico } from '../helpers/portico';

/** Issue 11, finding 9: metrics and introspection are closed unless the operator opens them. */
describe('operations exposure', () => {
  const metricsToken = 'metrics-scraper-token-0123456789';
  let closed: TestPortico;
  let opened: TestPortico;

  beforeAll(async () => {
    closed = await startTestPortico();
    opened = await startTestPortico({ PORTICO_METRICS_TOKEN: metricsToken, PORTICO_GRAPHQL_INTROSPECTION: 'true' });
  });
  afterAll(async () => {
    await closed?.stop();
    await opened?.stop();
  });

  it('without a metrics token, /metrics answers a scraper on this host, never a request relayed by a proxy', async () => {
    expect((await fetch(`${closed.url}/metrics`)).status).toBe(200);
    const relayed = await fetch(`${closed.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(relayed.status).toBe(403);
    expect(await relayed.text()).not.toContain('portico_http_requests_total');
  });

  it('with PORTICO_METRICS_TOKEN, /metrics needs it as a bearer token, from anywhere', async () => {
    expect((await fetch(`${opened.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${opened.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    const scraped = await fetch(`${opened.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}`, 'x-forwarded-for': '203.0.113.7' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('portico_http_requests_total');
  });

  it('introspection is off by default, even for the operator; PORTICO_GRAPHQL_INTROSPECTION=true turns it on', async () => {
    const query = '{ __schema { queryType { name } } }';
    const refused = await closed.rawGql({ query });
    expect(refused.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.data ?? null).toBeNull();
    const typeQuery = await closed.rawGql({ query: '{ __type(name: "User") { name } }' });
    expect(typeQuery.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Ordinary queries (and __typename, which clients add) still work.
    expect((await closed.rawGql({ query: '{ __typename viewer { kind } }' })).data).toEqual({ __typename: 'Query', viewer: { kind: 'OPERATOR' } });

    expect((await opened.rawGql({ query })).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
