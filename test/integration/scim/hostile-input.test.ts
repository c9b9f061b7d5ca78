import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser, PATCH_OP } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Issue 11, finding 7: every malformed body is a 4xx with the interface's error body, never a 5xx. */
describe('bodies nested deeper than any resource', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const nestedArray = (depth: number): string => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'deep');
  });
  afterAll(() => portico?.stop());

  it('SCIM POST /Users with name.givenName nested 20,000 deep answers 400 invalidSyntax and records the refusal', async () => {
    const rawBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep@contoso.com","name":{"givenName":${nestedArray(20_000)}}}`;
    const response = await scim.request('POST', '/Users', { rawBody });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const events = await sql<{ detail: { body: unknown } }>(portico.databaseUrl, "select detail from provisioning_events where type = 'SCIM_REQUEST_REJECTED'");
    expect(events.map((e) => e.detail.body)).toContain('[not kept: refused before it was read]');
  });

  it('a deep PATCH value and a deep .search body are refused the same way', async () => {
    const id = (await scim.post('/Users', entraUser({ userName: 'shallow@contoso.com' }))).body.id;
    const patch = await scim.request('PATCH', `/Users/${id}`, { rawBody: `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":${nestedArray(5_000)}}]}` });
    expect(patch.status).toBe(400);
    const search = await scim.request('POST', '/Users/.search', { rawBody: `{"filter":${nestedArray(5_000)}}` });
    expect(search.status).toBe(400);
  });

  it('GraphQL variables nested 20,000 deep answer 400 with a GraphQL error body', async () => {
    const body = `{"query":"query($f: UserFilter) { users(filter: $f) { totalCount } }","variables":{"f":{"search":${nestedArray(20_000)}}}}`;
    const response = await portico.rawGql(body);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});

/** The same shape elsewhere: every list a request names is bounded before it multiplies with a page of results. */
describe('lists in a SCIM query are bounded', () => {
  let portico: TestPortico;
  let scim: ScimClient;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'lists');
  });
  afterAll(() => portico?.stop());

  it('attributes naming more than 100 attributes is refused with 400 invalidValue', async () => {
    const attributes = Array.from({ length: 2_000 }, (_, i) => `a${i}`).join(',');
    const response = await scim.get('/Users', { attributes, count: '1000' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: 'invalidValue' });
    expect((await scim.get('/Users', { excludedAttributes: attributes })).status).toBe(400);
    expect((await scim.get('/Users', { attributes: 'userName,emails,name.givenName' })).status).toBe(200);
  });

  it('a filter nested past the limit, or longer than it, is 400 invalidFilter', async () => {
    const nested = `${'('.repeat(100)}userName eq "a"${')'.repeat(100)}`;
    expect((await scim.get('/Users', { filter: nested })).body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    const long = Array.from({ length: 300 }, (_, i) => `userName eq "u${i}"`).join(' or ');
    expect((await scim.get('/Users', { filter: long })).body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });
});
