import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateApiKeyDocument, UserAccessDocument } from '../../generated/graphql';
import { addMembers, entraGroup, entraUser } from '../../fixtures/entra';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** `user(id) { access }` reads the user and its access at the same time; the answers are those of reading them in turn. */
describe('user.access read beside the user, or batched for a page of users', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let userId = '';

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'prefetch');
    userId = (await scim.request('POST', '/Users', { body: entraUser({ userName: 'pat@prefetch.example' }) })).body.id;
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('an unknown or malformed id is null, with no error and nothing left unhandled', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const result = await portico.gql(UserAccessDocument, { tenant: 'prefetch', id });
      expect(result.errors).toBeUndefined();
      expect(result.data?.user).toBeNull();
    }
  });

  it('a caller without directory access is refused once, for the user, as before', async () => {
    const key = await portico.gql(CreateApiKeyDocument, { tenant: 'prefetch', input: { name: 'none', level: 'NONE' } });
    const result = await portico.gql(UserAccessDocument, { id: userId }, { token: key.data!.createApiKey.token });
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it('a page of users gets each user\'s access, as reading them one by one does (batched in one query)', async () => {
    const group = (await scim.request('POST', '/Groups', { body: entraGroup('Batched') })).body.id;
    const others: string[] = [];
    for (const name of ['ann', 'ben']) others.push((await scim.request('POST', '/Users', { body: entraUser({ userName: `${name}@prefetch.example` }) })).body.id);
    await scim.request('PATCH', `/Groups/${group}`, { body: addMembers([others[0]]) });
    await portico.services.access.setGroupMapping(scim.scope, group, { globalLevel: 'COLLABORATOR', teams: [] });
    const access = 'access { globalLevel fromDefault teams { level team { name } } }';
    const page = await portico.rawGql({ query: `{ users(tenant: "prefetch") { edges { node { id ${access} } } } }` });
    expect(page.errors).toBeUndefined();
    const listed = (page.data as { users: { edges: { node: { id: string; access: unknown } }[] } }).users.edges.map((e) => e.node);
    expect(listed).toHaveLength(3);
    for (const { id, access: fromPage } of listed) {
      const one = await portico.rawGql({ query: `query($id: ID!) { user(tenant: "prefetch", id: $id) { ${access} } }`, variables: { id } });
      expect(fromPage).toEqual((one.data as { user: { access: unknown } }).user.access);
    }
    expect(listed.find((u) => u.id === others[0])?.access).toMatchObject({ globalLevel: 'COLLABORATOR', fromDefault: false });
  });

  it('a known user gets its access', async () => {
    const result = await portico.gql(UserAccessDocument, { tenant: 'prefetch', id: userId });
    expect(result.errors).toBeUndefined();
    expect(result.data?.user?.access.globalLevel).toBe('NONE');
  });
});
