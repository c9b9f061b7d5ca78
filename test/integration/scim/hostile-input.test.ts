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

  it('a list of groups whose members pass 10,000 in all is refused with tooMany; one group by id still has them all', async () => {
    const big = (await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Everyone' })).body.id as string;
    await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Nobody' });
    // 10,001 members written straight to the tables: through SCIM this would take the test minutes.
    await sql(
      portico.databaseUrl,
      `with tenant as (select tenant_id from idp_groups where id = $1),
            made as (insert into users (id, tenant_id, user_name, source, created_at, updated_at, version) select gen_random_uuid(), tenant.tenant_id, 'member' || n || '@contoso.com', 'SCIM', now(), now(), 1
                     from tenant, generate_series(1, 10001) n returning id, tenant_id)
       insert into group_memberships (group_id, user_id, tenant_id) select $1, id, tenant_id from made`,
      [big],
    );
    const listed = await scim.get('/Groups', { count: '1000' });
    expect(listed.status).toBe(400);
    expect(listed.body).toMatchObject({ scimType: 'tooMany' });
    expect((await scim.get('/Groups', { excludedAttributes: 'members' })).body.totalResults).toBe(2);
    const one = await scim.get(`/Groups/${big}`);
    expect(one.status).toBe(200);
    expect(one.body.members).toHaveLength(10_001);
  });

  it('a filter nested past the limit, or longer than it, is 400 invalidFilter', async () => {
    const nested = `${'('.repeat(100)}userName eq "a"${')'.repeat(100)}`;
    expect((await scim.get('/Users', { filter: nested })).body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    const long = Array.from({ length: 300 }, (_, i) => `userName eq "u${i}"`).join(' or ');
    expect((await scim.get('/Users', { filter: long })).body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });
});
