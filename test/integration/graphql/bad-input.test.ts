import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTeamDocument,
  CreateTenantDocument,
  ProvisioningEventsDocument,
  UserDocument,
  UsersDocument,
} from '../../generated/graphql';
import { tenantSlugRule } from '../../../src/domain/tenants/tenant-rules';
import { sql } from '../../helpers/database';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** Acceptance 7: bad input gets a clear error with a code, never a 5xx, and nothing is half-written. */
describe('GraphQL bad input', () => {
  let portico: TestPortico;
  let stateBefore: unknown;
  const state = () =>
    sql(
      portico.databaseUrl,
      `select (select count(*) from tenants)::int as tenants, (select count(*) from teams)::int as teams,
              (select count(*) from provisioning_events)::int as events, (select count(*) from credentials)::int as credentials`,
    );

  beforeAll(async () => {
    portico = await startTestPortico();
    const scope = await createTenant(portico, 'acme');
    await portico.services.users.provision(scope, { userName: 'alice@acme.example' }, 'SCIM');
    stateBefore = await state();
  });
  afterAll(async () => {
    // Nothing any bad request sent was written.
    expect(await state()).toEqual(stateBefore);
    await portico?.stop();
  });

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${portico.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${portico.operatorToken}`, ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
  };

  it('malformed GraphQL: 400 GRAPHQL_PARSE_FAILED', async () => {
    const { status, body } = await post(JSON.stringify({ query: '{ viewer { kind ' }));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('malformed JSON body: 400 BAD_REQUEST', async () => {
    const { status, body } = await post('{"query": ');
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } });
  });

  it('an oversized body: 413', async () => {
    const { status } = await post(JSON.stringify({ query: `{ viewer { kind } }`, variables: { pad: 'x'.repeat(2_000_000) } }));
    expect(status).toBe(413);
  });

  it('unknown fields and wrong literal types: GRAPHQL_VALIDATION_FAILED', async () => {
    for (const query of ['{ viewer { password } }', '{ users(tenant: "acme", first: "ten") { totalCount } }', '{ nope }']) {
      const { status, body } = await post(JSON.stringify({ query }));
      expect(status).toBe(400);
      expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('wrong variable types: BAD_USER_INPUT', async () => {
    const result = await portico.rawGql({
      query: 'query ($first: Int) { users(tenant: "acme", first: $first) { totalCount } }',
      variables: { first: 'ten' },
    });
    expect(result.status).toBe(400);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    const enumResult = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', filter: { types: ['NOT_A_TYPE' as never] } });
    expect(errorCodes(enumResult)).toEqual(['BAD_USER_INPUT']);
  });

  it('a 50-deep query is refused before it runs: QUERY_TOO_COMPLEX', async () => {
    let selection = 'id';
    for (let level = 0; level < 12; level += 1) selection = `groups { members { edges { node { ${selection} } } } }`;
    const query = `{ user(tenant: "acme", id: "00000000-0000-0000-0000-000000000000") { ${selection} } }`;
    expect(query.split('{').length - 1).toBeGreaterThanOrEqual(50);
    const { status, body } = await post(JSON.stringify({ query }));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(body.errors?.[0].message).toMatch(/nested \d+ levels deep; at most 12/);
  });

  it('a query that fans out too far is refused by its cost: QUERY_TOO_COMPLEX', async () => {
    const query = `{ users(tenant: "acme", first: 100) { edges { node { groups { members(first: 100) { edges { node { id userName } } } } } } } }`;
    const { status, body } = await post(JSON.stringify({ query }));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('fragment cycles are refused', async () => {
    const query = 'query { viewer { ...A } } fragment A on Viewer { tenant { id } ...B } fragment B on Viewer { ...A }';
    const { status, body } = await post(JSON.stringify({ query }));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it.each([
    ['over-long', 'a'.repeat(64)],
    ['uppercase', 'Acme-Two'],
    ['leading dash', '-acme'],
    ['one character', 'a'],
    ['spaces', 'ac me'],
    ['SQL', "x'; drop table tenants; --"],
  ])('a %s slug is BAD_USER_INPUT naming the field, and creates nothing', async (_case, slug) => {
    const result = await portico.gql(CreateTenantDocument, { input: { slug } });
    expect(result.status).toBe(200);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toMatch(/^slug: /);
  });

  it('a 63-character slug is the longest accepted (checked without creating it)', async () => {
    expect(tenantSlugRule.safeParse('a'.repeat(63)).success).toBe(true);
    expect(tenantSlugRule.safeParse('a'.repeat(64)).success).toBe(false);
  });

  it('empty and over-long team names are BAD_USER_INPUT', async () => {
    for (const name of ['', '   ', 'x'.repeat(129)]) {
      expect(errorCodes(await portico.gql(CreateTeamDocument, { tenant: 'acme', name }))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('paging arguments out of range or foreign cursors are BAD_USER_INPUT', async () => {
    for (const variables of [{ first: 1000 }, { first: -1 }, { after: 'not-a-cursor' }, { after: Buffer.from('[1,2]').toString('base64url') }]) {
      expect(errorCodes(await portico.gql(UsersDocument, { tenant: 'acme', ...variables }))).toEqual(['BAD_USER_INPUT']);
    }
    expect(errorCodes(await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', after: Buffer.from('["x"]').toString('base64url') }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('an id that is not a UUID finds nothing rather than failing', async () => {
    const result = await portico.gql(UserDocument, { tenant: 'acme', id: "1' or '1'='1" });
    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toBeNull();
  });

  it('a time filter that ends before it starts is BAD_USER_INPUT', async () => {
    const result = await portico.gql(ProvisioningEventsDocument, {
      tenant: 'acme',
      filter: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('a malformed Authorization header is 401 UNAUTHENTICATED', async () => {
    const { status, body } = await post(JSON.stringify({ query: '{ viewer { kind } }' }), { authorization: 'Basic dXNlcjpwYXNz' });
    expect(status).toBe(401);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
