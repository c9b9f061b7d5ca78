import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMembers,
  CORE_USER,
  deactivate,
  ENTERPRISE_USER,
  entraGroup,
  entraUser,
  flagOffUserPatch,
  flagOnUserPatch,
  MICROSOFT_GROUP_SCHEMA,
  PATCH_OP,
  removeMemberByFilter,
  removeMembers,
  testConnectionQuery,
} from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** SPEC §4 "What Entra really sends": each request shape replayed, asserting what is stored. */
describe('SCIM: what Microsoft Entra ID sends', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const userRow = async (id: string) => (await sql(portico.databaseUrl, 'select * from users where id = $1', [id]))[0];
  const eventsOf = async (subjectId: string) =>
    sql<{ type: string; source: string; changes: { attribute: string; old: unknown; new: unknown }[]; outcome: string }>(
      portico.databaseUrl,
      'select type, source, changes, outcome from provisioning_events where subject_id = $1 order by id',
      [subjectId],
    );
  const create = async (userName: string, extra: Parameters<typeof entraUser>[0] extends infer P ? Partial<P> : never = {}) => {
    const response = await scim.post('/Users', entraUser({ userName, ...extra }));
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  };

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'contoso');
  });
  afterAll(() => portico?.stop());

  it('test connection: a filter on a random GUID answers 200 with an empty ListResponse, without a User-Agent', async () => {
    const guid = randomUUID();
    const response = await scim.get('/Users', testConnectionQuery(guid));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
    // The same request with no User-Agent header at all (fetch always sends one).
    const url = new URL(`${scim.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${guid}"`)}`);
    const raw = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(url, { headers: { authorization: `Bearer ${scim.token}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.removeHeader('user-agent');
      req.on('error', reject);
      req.end();
    });
    expect(raw.status).toBe(200);
    expect(JSON.parse(raw.body).totalResults).toBe(0);
  });

  it('create flow: filter by userName (and externalId), then POST; 201 with the id, Location and ETag; every attribute stored', async () => {
    expect((await scim.get('/Users', { filter: 'userName eq "adele.vance@contoso.com"' })).body.totalResults).toBe(0);
    expect((await scim.get('/Users', { filter: 'externalId eq "AdeleV"' })).body.totalResults).toBe(0);
    const body = entraUser({ userName: 'adele.vance@contoso.com', externalId: 'AdeleV', givenName: 'Adele', familyName: 'Vance', department: 'Retail', employeeNumber: '4711' });
    const response = await scim.post('/Users', body);
    expect(response.status).toBe(201);
    const id = response.body.id as string;
    expect(response.headers.get('location')).toBe(`https://portico.test/api/contoso/scim/v2/Users/${id}`);
    expect(response.headers.get('etag')).toBe('W/"1"');
    expect(response.body).toMatchObject({
      schemas: [CORE_USER, ENTERPRISE_USER],
      userName: 'adele.vance@contoso.com',
      externalId: 'AdeleV',
      active: true,
      name: { givenName: 'Adele', familyName: 'Vance' },
      [ENTERPRISE_USER]: { department: 'Retail', employeeNumber: '4711' },
      meta: { resourceType: 'User', version: 'W/"1"', location: `https://portico.test/api/contoso/scim/v2/Users/${id}` },
    });
    const row = await userRow(id);
    expect(row).toMatchObject({
      tenant_id: scim.scope.tenantId,
      user_name: 'adele.vance@contoso.com',
      external_id: 'AdeleV',
      active: true,
      given_name: 'Adele',
      family_name: 'Vance',
      title: 'Engineer',
      department: 'Retail',
      employee_number: '4711',
      source: 'SCIM',
      emails: [{ value: 'adele.vance@contoso.com', type: 'work', primary: true }],
      phone_numbers: [{ value: '+49 30 1234567', type: 'work' }],
      addresses: [{ type: 'work', primary: true, country: 'DE', locality: 'Berlin' }],
    });
    expect((await scim.get('/Users', { filter: 'externalId eq "AdeleV"' })).body.Resources[0].id).toBe(id);
    expect((await eventsOf(id)).map((e) => [e.type, e.source])).toEqual([['USER_CREATED', 'SCIM']]);
  });

  it('manager probe: id eq X and manager eq Y matches only when Y is X\'s manager', async () => {
    const boss = await create('boss@contoso.com');
    const worker = await create('worker@contoso.com', { managerId: boss });
    const probe = (x: string, y: string) => scim.get('/Users', { filter: `id eq "${x}" and manager eq "${y}"`, excludedAttributes: 'members' });
    expect((await probe(worker, boss)).body.totalResults).toBe(1);
    expect((await probe(boss, worker)).body.totalResults).toBe(0);
    expect((await userRow(worker)).manager_id).toBe(boss);
  });

  it('flag off: capitalised ops, paths, string booleans, a filtered path that creates its element, "" clears', async () => {
    const id = await create('megan@contoso.com', { title: 'Analyst' });
    await sql(portico.databaseUrl, `update users set emails = '[]' where id = $1`, [id]);
    const boss = await create('megans-boss@contoso.com');
    const response = await scim.patch(
      `/Users/${id}`,
      flagOffUserPatch([
        { op: 'Replace', path: 'displayName', value: 'Megan Bowen' },
        { op: 'Replace', path: 'name.givenName', value: 'Megan' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'megan.bowen@contoso.com' },
        { op: 'Replace', path: `${ENTERPRISE_USER}:department`, value: 'Marketing' },
        { op: 'Replace', path: `${ENTERPRISE_USER}:manager`, value: boss },
        { op: 'Replace', path: 'title', value: '' },
        { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+49 171 000' },
      ]),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.displayName).toBe('Megan Bowen');
    const row = await userRow(id);
    expect(row).toMatchObject({
      display_name: 'Megan Bowen',
      given_name: 'Megan',
      department: 'Marketing',
      manager_id: boss,
      title: null,
      emails: [{ type: 'work', value: 'megan.bowen@contoso.com' }],
    });
    expect(row.phone_numbers).toEqual([
      { value: '+49 30 1234567', type: 'work' },
      { type: 'mobile', value: '+49 171 000' },
    ]);
    const updated = (await eventsOf(id)).find((e) => e.type === 'USER_UPDATED')!;
    expect(updated.changes).toEqual(
      expect.arrayContaining([
        { attribute: 'displayName', old: expect.any(String), new: 'Megan Bowen' },
        { attribute: 'title', old: 'Analyst', new: null },
        { attribute: 'managerId', old: null, new: boss },
      ]),
    );
  });

  it('manager arrives as a string, as { value } and as [{ value }]; an empty string clears it', async () => {
    const boss = await create('mgr@contoso.com');
    const id = await create('reportee@contoso.com');
    for (const value of [boss, { value: boss }, [{ value: boss }]]) {
      await sql(portico.databaseUrl, 'update users set manager_id = null where id = $1', [id]);
      const response = await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: `${ENTERPRISE_USER}:manager`, value }]));
      expect(response.status).toBe(200);
      expect((await userRow(id)).manager_id).toBe(boss);
    }
    await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: `${ENTERPRISE_USER}:manager`, value: '' }]));
    expect((await userRow(id)).manager_id).toBeNull();
  });

  it('flag on: no path, a value object whose keys are paths and full extension URNs', async () => {
    const id = await create('lynne@contoso.com');
    const response = await scim.patch(
      `/Users/${id}`,
      flagOnUserPatch('replace', {
        'name.givenName': 'Lynne',
        'name.familyName': 'Robbins',
        [`${ENTERPRISE_USER}:department`]: 'Finance',
        [`${ENTERPRISE_USER}:employeeNumber`]: '9001',
        'emails[type eq "work"].value': 'lynne.robbins@contoso.com',
        active: false,
      }),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(await userRow(id)).toMatchObject({
      given_name: 'Lynne',
      family_name: 'Robbins',
      department: 'Finance',
      employee_number: '9001',
      active: false,
      emails: [{ value: 'lynne.robbins@contoso.com', type: 'work', primary: true }],
    });
    // An extension given as one object under its URN.
    await scim.patch(`/Users/${id}`, flagOnUserPatch('add', { [ENTERPRISE_USER]: { costCenter: 'CC-7' } }));
    expect((await userRow(id)).cost_center).toBe('CC-7');
  });

  it('booleans as the strings "True"/"False" are stored as booleans; deactivation keeps the user readable', async () => {
    const id = await create('deactivated@contoso.com');
    const off = await scim.patch(`/Users/${id}`, deactivate());
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const [typed] = await sql(portico.databaseUrl, 'select active, pg_typeof(active)::text as type from users where id = $1', [id]);
    expect(typed).toEqual({ active: false, type: 'boolean' });
    expect((await scim.get(`/Users/${id}`)).body.active).toBe(false);
    const inactive = await scim.get('/Users', { filter: 'active eq false and userName eq "deactivated@contoso.com"' });
    expect(inactive.body.totalResults).toBe(1);
    const on = await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'active', value: 'True' }]));
    expect(on.body.active).toBe(true);
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(['USER_CREATED', 'USER_DEACTIVATED', 'USER_REACTIVATED']);
    // The flag-on shape with a real boolean works too.
    await scim.patch(`/Users/${id}`, deactivate(true));
    expect((await userRow(id)).active).toBe(false);
  });

  it('deactivation ends the user\'s sessions', async () => {
    const id = await create('session-holder@contoso.com');
    const { token } = await portico.services.sessions.open(scim.scope, id);
    expect(await portico.services.authenticator.authenticate(token)).not.toBeNull();
    await scim.patch(`/Users/${id}`, deactivate());
    expect(await portico.services.authenticator.authenticate(token)).toBeNull();
  });

  it('groups: created empty with Microsoft\'s schema URI; reads exclude members; members added and removed in batches', async () => {
    const created = await scim.post('/Groups', entraGroup('Sales'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const groupId = created.body.id as string;
    expect(created.body.members ?? []).toEqual([]);
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => create(`seller${n}@contoso.com`)));

    const lookup = await scim.get('/Groups', { filter: 'displayName eq "Sales"', excludedAttributes: 'members' });
    expect(lookup.body.totalResults).toBe(1);
    expect(lookup.body.Resources[0]).not.toHaveProperty('members');

    const added = await scim.patch(`/Groups/${groupId}`, addMembers(ids));
    expect(added.status).toBe(204);
    expect(added.body).toBeUndefined();
    const members = async () =>
      (await sql<{ user_id: string }>(portico.databaseUrl, 'select user_id from group_memberships where group_id = $1', [groupId]))
        .map((r) => r.user_id)
        .sort();
    expect(await members()).toEqual([...ids].sort());

    // Removal by a value list removes exactly those listed, never all of them.
    expect((await scim.patch(`/Groups/${groupId}`, removeMembers([ids[0], ids[1]]))).status).toBe(204);
    expect(await members()).toEqual([ids[2], ids[3], ids[4]].sort());
    // Removal by members[value eq "…"].
    expect((await scim.patch(`/Groups/${groupId}`, removeMemberByFilter(ids[2]))).status).toBe(204);
    expect(await members()).toEqual([ids[3], ids[4]].sort());
    // Lowercase op, and the group's own attributes in both shapes.
    await scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Sales EMEA' }] });
    await scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Sales Europe' } }] });
    const [row] = await sql(portico.databaseUrl, 'select display_name, external_id from idp_groups where id = $1', [groupId]);
    expect(row).toEqual({ display_name: 'Sales Europe', external_id: 'objid-Sales' });
    const types = (await eventsOf(groupId)).map((e) => e.type);
    expect(types).toEqual(['GROUP_CREATED', 'GROUP_MEMBERS_ADDED', 'GROUP_MEMBERS_REMOVED', 'GROUP_MEMBERS_REMOVED', 'GROUP_UPDATED', 'GROUP_UPDATED']);
    // The Microsoft schema URI was tolerated and not stored as an extension.
    expect((await scim.get(`/Groups/${groupId}`)).body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Group']);
    expect(MICROSOFT_GROUP_SCHEMA).toContain('schemas.microsoft.com');
  });

  it('a group PATCH is all-or-nothing: an unknown member fails the whole request', async () => {
    const groupId = (await scim.post('/Groups', entraGroup('Atomic'))).body.id as string;
    const known = await create('atomic-member@contoso.com');
    const response = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Atomic Renamed' },
        { op: 'Add', path: 'members', value: [{ value: known }, { value: randomUUID() }] },
      ],
    });
    expect(response.status).toBe(400);
    const [row] = await sql(portico.databaseUrl, 'select display_name, version from idp_groups where id = $1', [groupId]);
    expect(row).toEqual({ display_name: 'Atomic', version: 1 });
    expect(await sql(portico.databaseUrl, 'select * from group_memberships where group_id = $1', [groupId])).toEqual([]);
  });

  it('unknown query parameters such as aadOptscim062020 are ignored', async () => {
    const response = await scim.get('/Users', { filter: 'userName eq "nobody@contoso.com"', aadOptscim062020: 'true' });
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(0);
  });

  it('hard delete: DELETE answers 204, then GET answers 404; memberships go too', async () => {
    const id = await create('leaver@contoso.com');
    const groupId = (await scim.post('/Groups', entraGroup('Leavers'))).body.id as string;
    await scim.patch(`/Groups/${groupId}`, addMembers([id]));
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    const gone = await scim.get(`/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
    expect(await sql(portico.databaseUrl, 'select * from group_memberships where user_id = $1', [id])).toEqual([]);
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(['USER_CREATED', 'USER_DELETED']);
  });

  it('a rejected request records SCIM_REQUEST_REJECTED with what was sent and why', async () => {
    await create('dupe@contoso.com');
    const again = await scim.post('/Users', entraUser({ userName: 'DUPE@contoso.com' }));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const [event] = await sql<{ outcome: string; error: string; detail: { method: string; status: number; body: { userName: string } } }>(
      portico.databaseUrl,
      `select outcome, error, detail from provisioning_events where type = 'SCIM_REQUEST_REJECTED' order by id desc limit 1`,
    );
    expect(event.outcome).toBe('FAILURE');
    expect(event.error).toContain('already exists');
    expect(event.detail).toMatchObject({ method: 'POST', status: 409, body: { userName: 'DUPE@contoso.com' } });
  });
});

/** Acceptance 4: replaying the same Entra cycle twice converges to the same state with no duplicate. */
describe('SCIM: replaying an Entra cycle is idempotent', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'fabrikam');
  });
  afterAll(() => portico?.stop());

  /** What Entra does per object: look up by userName, create if missing, else PATCH to match; groups likewise. */
  async function cycle() {
    const ids: string[] = [];
    for (let n = 1; n <= 12; n += 1) {
      const userName = `person${n}@fabrikam.com`;
      const found = await scim.get('/Users', { filter: `userName eq "${userName}"` });
      if (found.body.totalResults === 0) {
        const created = await scim.post('/Users', entraUser({ userName, department: 'Ops' }));
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      } else {
        const id = found.body.Resources[0].id as string;
        const patched = await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: `${ENTERPRISE_USER}:department`, value: 'Ops' }, { path: 'active', value: n % 4 === 0 ? 'False' : 'True' }]));
        expect(patched.status).toBe(200);
        ids.push(id);
      }
    }
    for (const name of ['Ops', 'Oncall']) {
      const found = await scim.get('/Groups', { filter: `displayName eq "${name}"`, excludedAttributes: 'members' });
      const groupId = found.body.totalResults === 0 ? (await scim.post('/Groups', entraGroup(name))).body.id : found.body.Resources[0].id;
      expect((await scim.patch(`/Groups/${groupId}`, addMembers(name === 'Ops' ? ids : ids.slice(0, 3)))).status).toBe(204);
    }
  }

  const state = async () =>
    sql(
      portico.databaseUrl,
      `select (select count(*)::int from users) as users, (select count(*)::int from idp_groups) as groups,
              (select count(*)::int from group_memberships) as memberships,
              (select count(*)::int from users where active) as active,
              (select string_agg(user_name || ':' || department, ',' order by user_name) from users) as fingerprint`,
    );

  it('the second pass changes nothing but what it set, and duplicates nothing', async () => {
    await cycle();
    await cycle();
    const first = await state();
    const [{ last }] = await sql<{ last: string }>(portico.databaseUrl, 'select max(id)::text as last from provisioning_events');
    await cycle();
    expect(await state()).toEqual(first);
    expect(first[0]).toMatchObject({ users: 12, groups: 2, memberships: 15, active: 9 });
    // A pass that finds everything as it should be writes nothing at all, not even an event.
    const written = await sql(portico.databaseUrl, 'select type from provisioning_events where id > $1', [last]);
    expect(written).toEqual([]);
  });

  it('a retried POST after a lost response finds the user instead of duplicating it', async () => {
    const body = entraUser({ userName: 'retry@fabrikam.com' });
    const first = await scim.post('/Users', body);
    const retried = await scim.post('/Users', body);
    expect([first.status, retried.status]).toEqual([201, 409]);
    const found = await scim.get('/Users', { filter: 'userName eq "retry@fabrikam.com"' });
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
  });
});
