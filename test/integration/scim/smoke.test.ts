import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraGroup, entraUser, addMembers } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

describe('SCIM smoke', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'contoso');
  });
  afterAll(() => portico?.stop());

  it('creates and reads a user and a group', async () => {
    const created = await scim.post('/Users', entraUser({ userName: 'alice@contoso.com', managerId: 'm-1' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get('content-type')).toContain('application/scim+json');
    const got = await scim.get(`/Users/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.userName).toBe('alice@contoso.com');
    const list = await scim.get('/Users', { filter: 'userName eq "ALICE@contoso.com"' });
    expect(list.body.totalResults).toBe(1);
    const group = await scim.post('/Groups', entraGroup('Staff'));
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const patched = await scim.patch(`/Groups/${group.body.id}`, addMembers([created.body.id]));
    expect(patched.status, JSON.stringify(patched.body)).toBe(204);
    const g = await scim.get(`/Groups/${group.body.id}`);
    expect(g.body.members).toHaveLength(1);
  });
});
