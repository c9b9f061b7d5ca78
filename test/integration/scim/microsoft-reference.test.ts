import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, CORE_GROUP, CORE_USER, ENTERPRISE_USER, entraGroup, entraUser } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Issue 11, acceptance 6: what Microsoft's public SCIM reference collection sends and expects. */
describe('SCIM: Microsoft reference collection', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let withName: string;
  let withoutName: string;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'msref');
    const olive = await scim.post('/Users', {
      ...entraUser({ userName: 'olive@msref.test', displayName: 'Olive Oyl' }),
      emails: [
        { type: 'work', value: 'olive@msref.test', primary: true },
        { type: 'home', value: 'olive@home.test' },
      ],
    });
    expect(olive.status, JSON.stringify(olive.body)).toBe(201);
    withName = olive.body.id;
    const bare = await scim.post('/Users', { schemas: [CORE_USER], userName: 'nameless@msref.test' });
    expect(bare.status, JSON.stringify(bare.body)).toBe(201);
    withoutName = bare.body.id;
  });
  afterAll(() => portico?.stop());

  it('attributes=emails[type eq "work"] returns the emails attribute, on a list and on one user', async () => {
    const list = await scim.get('/Users', { filter: 'userName eq "olive@msref.test"', attributes: 'emails[type eq "work"]' });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    const [resource] = list.body.Resources;
    expect(resource.id).toBe(withName);
    expect(resource.emails.map((e: { value: string }) => e.value)).toContain('olive@msref.test');
    expect(resource.userName).toBeUndefined();

    const one = await scim.get(`/Users/${withName}`, { attributes: 'userName,emails[type eq "work"].value' });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.userName).toBe('olive@msref.test');
    expect(one.body.emails).toContainEqual({ value: 'olive@msref.test' });
    expect(one.body.displayName).toBeUndefined();
  });

  it('unquoted filter values are read as strings (userName sw O), as Microsoft\'s reference server does', async () => {
    const startsWithO = await scim.get('/Users', { filter: 'userName sw O' });
    expect(startsWithO.status, JSON.stringify(startsWithO.body)).toBe(200);
    expect(startsWithO.body.Resources.map((r: { id: string }) => r.id)).toEqual([withName]);
    const exact = await scim.get('/Users', { filter: 'userName eq olive@msref.test and emails[type eq work]' });
    expect(exact.body.totalResults).toBe(1);
    expect((await scim.get('/Users', { filter: 'userName eq nobody' })).body.totalResults).toBe(0);
    // Nothing else is loosened: operators are no values, and what followed a value before still is an error.
    for (const refused of ['userName eq and', 'userName eq or', 'userName sw O extra', 'userName eq alice!', 'user@Name eq "a"']) {
      const response = await scim.get('/Users', { filter: refused });
      expect(response.body, refused).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    }
  });

  it('a malformed value filter in attributes is still refused with 400', async () => {
    for (const attributes of ['emails[type eq "work"', 'emails[type xx "work"]', 'emails[]']) {
      const response = await scim.get('/Users', { attributes });
      expect(response.status, `${attributes}: ${JSON.stringify(response.body)}`).toBe(400);
    }
  });

  it("members[].display is the member's displayName, omitted when the user has none", async () => {
    const group = await scim.post('/Groups', entraGroup('Reference Group'));
    expect(group.status).toBe(201);
    expect((await scim.patch(`/Groups/${group.body.id}`, addMembers([withName, withoutName]))).status).toBe(204);
    for (const response of [
      await scim.get(`/Groups/${group.body.id}`),
      await scim.get('/Groups', { filter: 'displayName eq "Reference Group"' }),
    ]) {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const members: { value: string; display?: string }[] = (response.body.Resources?.[0] ?? response.body).members;
      expect(members.find((m) => m.value === withName)?.display).toBe('Olive Oyl');
      const nameless = members.find((m) => m.value === withoutName);
      expect(nameless).toBeDefined();
      expect(nameless?.display).toBeUndefined();
    }
    const filtered = await scim.get('/Groups', { filter: 'members[display eq "Olive Oyl"]', excludedAttributes: 'members' });
    expect(filtered.body.Resources.map((g: { id: string }) => g.id)).toEqual([group.body.id]);
  });

  it('/Schemas describe User as "User Account" and Group as "Group" (RFC 7643 §8.7.1)', async () => {
    const list = await scim.get('/Schemas');
    expect(list.status).toBe(200);
    const byId = Object.fromEntries(list.body.Resources.map((s: { id: string; name: string; description: string }) => [s.id, s]));
    expect(byId[CORE_USER]).toMatchObject({ name: 'User', description: 'User Account' });
    expect(byId[CORE_GROUP]).toMatchObject({ name: 'Group', description: 'Group' });
    expect(byId[ENTERPRISE_USER]).toMatchObject({ name: 'EnterpriseUser', description: 'Enterprise User' });
    expect((await scim.get(`/Schemas/${CORE_USER}`)).body.description).toBe('User Account');
  });
});
