import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, ENTERPRISE_USER, entraGroup, entraUser, flagOffUserPatch, flagOnUserPatch } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimClient, scimTenant, type ScimClient, type ScimResult } from '../../helpers/scim';

/** SCIM protocol behaviour (RFC 7644): paging, sorting, projection, ETags, errors, auth, limits, discovery. */

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const WEAK_ETAG = /^W\/"\d+"$/;

function expectScimError(response: ScimResult, status: number, scimType?: string): void {
  const context = `${response.status} ${JSON.stringify(response.body)}`;
  expect(response.status, context).toBe(status);
  expect(response.headers.get('content-type'), context).toContain('application/scim+json');
  expect(response.body?.schemas, context).toEqual([ERROR_SCHEMA]);
  expect(response.body?.status, context).toBe(String(status));
  if (scimType) expect(response.body?.scimType, context).toBe(scimType);
}

const userNames = (response: ScimResult): string[] => (response.body.Resources ?? []).map((r: { userName: string }) => r.userName);
const pad = (n: number) => String(n).padStart(2, '0');

describe('SCIM protocol', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let paging: ScimClient;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'proto');
    paging = await scimTenant(portico, 'paging');
    // Created in an order that is not the userName order, so sorting is really tested.
    for (const n of [13, 2, 25, 7, 19, 1, 11, 24, 5, 16, 9, 21, 3, 14, 22, 6, 18, 10, 23, 4, 15, 8, 20, 12, 17]) {
      const created = await paging.post('/Users', entraUser({ userName: `user-${pad(n)}@paging.test`, familyName: `Family${pad(26 - n)}` }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  });
  afterAll(() => portico?.stop());

  describe('pagination', () => {
    const all = Array.from({ length: 25 }, (_, i) => `user-${pad(i + 1)}@paging.test`);

    it('pages with a 1-based startIndex; count caps the page; totalResults is always the true total', async () => {
      const seen: string[] = [];
      for (const [startIndex, size] of [
        [1, 10],
        [11, 10],
        [21, 5],
      ]) {
        const page = await paging.get('/Users', { sortBy: 'userName', startIndex: String(startIndex), count: '10' });
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        expect(page.body.schemas).toEqual([LIST_SCHEMA]);
        expect(page.body.totalResults).toBe(25);
        expect(page.body.startIndex).toBe(startIndex);
        expect(page.body.itemsPerPage).toBe(size);
        expect(page.body.Resources).toHaveLength(size);
        seen.push(...userNames(page));
      }
      expect(seen).toEqual(all);
    });

    it('pages without sortBy in a stable order that covers everyone exactly once', async () => {
      const seen: string[] = [];
      for (const startIndex of [1, 11, 21]) {
        const page = await paging.get('/Users', { startIndex: String(startIndex), count: '10' });
        expect(page.body.totalResults).toBe(25);
        seen.push(...userNames(page));
      }
      expect(seen).toHaveLength(25);
      expect([...seen].sort()).toEqual(all);
    });

    it('count=0 gives totalResults with no Resources', async () => {
      const page = await paging.get('/Users', { count: '0' });
      expect(page.status).toBe(200);
      expect(page.body.totalResults).toBe(25);
      expect(page.body.Resources ?? []).toEqual([]);
    });

    it('a startIndex past the end gives the total and an empty page', async () => {
      const page = await paging.get('/Users', { startIndex: '26', count: '10' });
      expect(page.status).toBe(200);
      expect(page.body.totalResults).toBe(25);
      expect(page.body.Resources ?? []).toEqual([]);
    });

    it('a startIndex below 1 is read as 1, a negative count as 0 (RFC 7644 §3.4.2.4)', async () => {
      const first = await paging.get('/Users', { sortBy: 'userName', startIndex: '0', count: '2' });
      expect(first.status).toBe(200);
      expect(userNames(first)).toEqual(all.slice(0, 2));
      expect(first.body.startIndex).toBe(1);
      const none = await paging.get('/Users', { count: '-3' });
      expect(none.status).toBe(200);
      expect(none.body.totalResults).toBe(25);
      expect(none.body.Resources ?? []).toEqual([]);
    });

    it('a count above the total returns everyone', async () => {
      const page = await paging.get('/Users', { count: '5000' });
      expect(page.status).toBe(200);
      expect(page.body.totalResults).toBe(25);
      expect(page.body.Resources).toHaveLength(25);
    });

    it('totalResults counts the filtered set, not the page', async () => {
      const page = await paging.get('/Users', { filter: 'userName sw "user-1"', sortBy: 'userName', count: '3', startIndex: '2' });
      expect(page.status).toBe(200);
      expect(page.body.totalResults).toBe(10);
      expect(userNames(page)).toEqual(['user-11@paging.test', 'user-12@paging.test', 'user-13@paging.test']);
    });

    it('non-numeric paging parameters answer 400', async () => {
      expectScimError(await paging.get('/Users', { count: 'ten' }), 400);
      expectScimError(await paging.get('/Users', { startIndex: '1.5' }), 400);
    });
  });

  describe('sortBy and sortOrder', () => {
    let sorting: ScimClient;
    beforeAll(async () => {
      sorting = await scimTenant(portico, 'sorting');
      for (const [userName, familyName] of [
        ['charlie@s.test', 'Adams'],
        ['Alpha@s.test', 'Young'],
        ['delta@s.test', 'Miller'],
        ['Bravo@s.test', 'Baker'],
      ]) {
        expect((await sorting.post('/Users', entraUser({ userName, familyName }))).status).toBe(201);
      }
    });

    it('sorts by userName ascending (case-insensitively) by default', async () => {
      const list = await sorting.get('/Users', { sortBy: 'userName' });
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(userNames(list)).toEqual(['Alpha@s.test', 'Bravo@s.test', 'charlie@s.test', 'delta@s.test']);
    });

    it('sorts descending', async () => {
      const list = await sorting.get('/Users', { sortBy: 'userName', sortOrder: 'descending' });
      expect(userNames(list)).toEqual(['delta@s.test', 'charlie@s.test', 'Bravo@s.test', 'Alpha@s.test']);
    });

    it('takes the attribute name and sortOrder in any case', async () => {
      const list = await sorting.get('/Users', { sortBy: 'USERNAME', sortOrder: 'Descending' });
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(userNames(list)).toEqual(['delta@s.test', 'charlie@s.test', 'Bravo@s.test', 'Alpha@s.test']);
    });

    it('sorts by a sub-attribute and by a multi-valued attribute (its primary value)', async () => {
      const byFamily = await sorting.get('/Users', { sortBy: 'name.familyName' });
      expect(userNames(byFamily)).toEqual(['charlie@s.test', 'Bravo@s.test', 'delta@s.test', 'Alpha@s.test']);
      const byEmail = await sorting.get('/Users', { sortBy: 'emails', sortOrder: 'descending' });
      expect(userNames(byEmail)).toEqual(['delta@s.test', 'charlie@s.test', 'Bravo@s.test', 'Alpha@s.test']);
    });

    it('sorts a page of a filtered list', async () => {
      const list = await sorting.get('/Users', { filter: 'userName ne "charlie@s.test"', sortBy: 'userName', sortOrder: 'descending', count: '2' });
      expect(list.body.totalResults).toBe(3);
      expect(userNames(list)).toEqual(['delta@s.test', 'Bravo@s.test']);
    });

    it('sorts groups by displayName', async () => {
      for (const name of ['b-group', 'A-group', 'c-group']) expect((await sorting.post('/Groups', entraGroup(name))).status).toBe(201);
      const list = await sorting.get('/Groups', { sortBy: 'displayName', sortOrder: 'descending', excludedAttributes: 'members' });
      expect(list.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['c-group', 'b-group', 'A-group']);
    });

    it('a bad sortOrder or sortBy answers 400, not 500', async () => {
      expectScimError(await sorting.get('/Users', { sortBy: 'userName', sortOrder: 'sideways' }), 400, 'invalidValue');
      expectScimError(await sorting.get('/Users', { sortBy: 'noSuchAttribute' }), 400);
      expectScimError(await sorting.get('/Users', { sortBy: 'name' }), 400);
      expectScimError(await sorting.get('/Users', { sortBy: 'user name' }), 400);
    });

    it('sorts by an attribute of an unmodeled extension', async () => {
      const list = await sorting.get('/Users', { sortBy: 'urn:example:custom:1.0:User:badge' });
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(list.body.totalResults).toBe(4);
    });

    // parseAttributePath accepts "?" in a URN, and sortExpression splices the URN into the SQL text as a JSONB
    // path literal. MikroORM's execute() then fills every "?" of the text with the next binding, client-side,
    // so a "?" inside that literal takes the LIMIT value and every later binding shifts by one.
    it('a sortBy URN holding "?" returns the whole page', async () => {
      const list = await sorting.get('/Users', { sortBy: 'urn:example:odd?x:1.0:User:badge' });
      const context = `${list.status} ${JSON.stringify(list.body)}`;
      expect(list.status, context).toBeLessThan(500);
      if (list.status !== 200) return expectScimError(list, 400);
      expect(list.body.totalResults, context).toBe(4);
      // Regression (found by this test, fixed): the "?" in the literal takes LIMIT 100, LIMIT takes OFFSET 0 and OFFSET becomes NULL: the answer
      // is totalResults 4 with no Resources at all.
      expect(list.body.Resources ?? [], context).toHaveLength(4);
    });

    it('a sortBy URN holding "??" is not a server error', async () => {
      const list = await sorting.get('/Users', { sortBy: 'urn:example:odd??x:1.0:User:badge' });
      // Regression (found by this test, fixed): "??" is filled as a quoted identifier ("100") inside the text[] literal, which PostgreSQL rejects
      // ("malformed array literal"): a 500 where a 200 (or a 400) is due.
      expect(list.status, `${list.status} ${JSON.stringify(list.body)}`).toBeLessThan(500);
      if (list.status !== 200) expectScimError(list, 400);
    });
  });

  describe('attribute projection', () => {
    let userId: string;
    let groupId: string;
    beforeAll(async () => {
      const created = await scim.post('/Users', entraUser({ userName: 'projected@proto.test', givenName: 'Pro', familyName: 'Jected', department: 'Ops' }));
      expect(created.status).toBe(201);
      userId = created.body.id;
      const group = await scim.post('/Groups', entraGroup('Projected Group'));
      groupId = group.body.id;
      expect((await scim.patch(`/Groups/${groupId}`, addMembers([userId]))).status).toBe(204);
    });

    it('attributes=userName returns id, schemas, userName and meta only', async () => {
      const list = await scim.get('/Users', { filter: 'userName eq "projected@proto.test"', attributes: 'userName' });
      expect(list.status).toBe(200);
      expect(Object.keys(list.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
      const one = await scim.get(`/Users/${userId}?attributes=userName`);
      expect(one.status).toBe(200);
      expect(Object.keys(one.body).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
      expect(one.body.userName).toBe('projected@proto.test');
    });

    it('attributes names sub-attributes and extension attributes, in any case', async () => {
      const one = await scim.get(`/Users/${userId}?attributes=${encodeURIComponent(`NAME.givenName,${ENTERPRISE_USER}:department`)}`);
      expect(one.status, JSON.stringify(one.body)).toBe(200);
      expect(one.body.name).toEqual({ givenName: 'Pro' });
      expect(one.body[ENTERPRISE_USER]).toEqual({ department: 'Ops' });
      expect(one.body.userName).toBeUndefined();
      expect(one.body.emails).toBeUndefined();
    });

    it('attributes=emails.value returns only that sub-attribute of each email', async () => {
      const one = await scim.get(`/Users/${userId}?attributes=emails.value`);
      expect(one.status).toBe(200);
      // Regression (found by this test, fixed): project() narrows a sub-attribute only when the attribute is an object; for a multi-valued
      // attribute (an array) it copies the whole elements, so type and primary come back too (RFC 7644 §3.4.2.5).
      expect(one.body.emails).toEqual([{ value: 'projected@proto.test' }]);
    });

    it('excludedAttributes=emails drops the emails and keeps the rest', async () => {
      const list = await scim.get('/Users', { filter: 'userName eq "projected@proto.test"', excludedAttributes: 'emails' });
      const user = list.body.Resources[0];
      expect(user.emails).toBeUndefined();
      expect(user.userName).toBe('projected@proto.test');
      expect(user.name.givenName).toBe('Pro');
      expect(user[ENTERPRISE_USER].department).toBe('Ops');
      const one = await scim.get(`/Users/${userId}?excludedAttributes=emails,name.givenName`);
      expect(one.body.emails).toBeUndefined();
      expect(one.body.name).toEqual({ familyName: 'Jected' });
    });

    it('id and schemas are always returned, even when excluded', async () => {
      const one = await scim.get(`/Users/${userId}?excludedAttributes=id,schemas,userName`);
      expect(one.body.id).toBe(userId);
      expect(one.body.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:User');
      expect(one.body.userName).toBeUndefined();
    });

    it('groups of a user come only when asked for', async () => {
      const plain = await scim.get(`/Users/${userId}`);
      expect(plain.body.groups).toBeUndefined();
      const withGroups = await scim.get(`/Users/${userId}?attributes=userName,groups`);
      expect(withGroups.body.groups.map((g: { value: string; display: string }) => [g.value, g.display])).toEqual([[groupId, 'Projected Group']]);
    });

    it('excludedAttributes=members omits members on GET /Groups and GET /Groups/{id}', async () => {
      const full = await scim.get(`/Groups/${groupId}`);
      expect(full.body.members.map((m: { value: string }) => m.value)).toEqual([userId]);
      const one = await scim.get(`/Groups/${groupId}?excludedAttributes=members`);
      expect(one.status).toBe(200);
      expect(one.body.members).toBeUndefined();
      expect(one.body.displayName).toBe('Projected Group');
      const list = await scim.get('/Groups', { filter: 'displayName eq "Projected Group"', excludedAttributes: 'members' });
      expect(list.body.totalResults).toBe(1);
      expect(list.body.Resources[0].members).toBeUndefined();
      expect(list.body.Resources[0].id).toBe(groupId);
      const upper = await scim.get('/Groups', { excludedAttributes: 'MEMBERS' });
      for (const group of upper.body.Resources) expect(group.members).toBeUndefined();
      const attributes = await scim.get(`/Groups/${groupId}?attributes=displayName`);
      expect(Object.keys(attributes.body).sort()).toEqual(['displayName', 'id', 'meta', 'schemas']);
    });

    it('an unparseable attribute list answers 400', async () => {
      expectScimError(await scim.get('/Users', { attributes: 'name..givenName' }), 400);
    });
  });

  describe('ETags and If-Match', () => {
    const put = (id: string, displayName: string, ifMatch?: string) =>
      scim.put(`/Users/${id}`, { ...entraUser({ userName: 'etag@proto.test', displayName }) }, ifMatch ? { 'If-Match': ifMatch } : {});

    it('meta.version and the ETag header are the same weak ETag', async () => {
      const created = await scim.post('/Users', entraUser({ userName: 'etag@proto.test', displayName: 'First' }));
      expect(created.status).toBe(201);
      expect(created.headers.get('etag')).toMatch(WEAK_ETAG);
      expect(created.body.meta.version).toBe(created.headers.get('etag'));
      expect(created.headers.get('location')).toBe(created.body.meta.location);
      expect(created.body.meta.location).toBe(`https://portico.test/api/proto/scim/v2/Users/${created.body.id}`);
      expect(created.body.meta.resourceType).toBe('User');
      const got = await scim.get(`/Users/${created.body.id}`);
      expect(got.headers.get('etag')).toBe(created.headers.get('etag'));
      expect(got.body.meta.version).toBe(created.body.meta.version);
    });

    it('a stale If-Match fails PUT, PATCH and DELETE with 412 and changes nothing', async () => {
      const { body: list } = await scim.get('/Users', { filter: 'userName eq "etag@proto.test"' });
      const id = list.Resources[0].id as string;
      const before = await scim.get(`/Users/${id}`);
      const current = before.headers.get('etag')!;
      const stale = 'W/"999"';
      expectScimError(await put(id, 'Changed by PUT', stale), 412);
      expectScimError(await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'displayName', value: 'Changed by PATCH' }]), { 'If-Match': stale }), 412);
      expectScimError(await scim.delete(`/Users/${id}`, { 'If-Match': stale }), 412);
      expectScimError(await scim.delete(`/Users/${id}`, { 'If-Match': '"not-a-version"' }), 412);
      const after = await scim.get(`/Users/${id}`);
      expect(after.status).toBe(200);
      expect(after.body.displayName).toBe('First');
      expect(after.headers.get('etag')).toBe(current);
      expect(after.body.meta.lastModified).toBe(before.body.meta.lastModified);
    });

    it('a matching If-Match succeeds and the ETag moves on', async () => {
      const { body: list } = await scim.get('/Users', { filter: 'userName eq "etag@proto.test"' });
      const id = list.Resources[0].id as string;
      const v1 = (await scim.get(`/Users/${id}`)).headers.get('etag')!;
      const patched = await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'displayName', value: 'Second' }]), { 'If-Match': v1 });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      const v2 = patched.headers.get('etag')!;
      expect(v2).toMatch(WEAK_ETAG);
      expect(v2).not.toBe(v1);
      expect(patched.body.meta.version).toBe(v2);
      // The old version is now stale.
      expectScimError(await put(id, 'Third', v1), 412);
      const replaced = await put(id, 'Third', v2);
      expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
      expect(replaced.body.displayName).toBe('Third');
      const v3 = replaced.headers.get('etag')!;
      expect(v3).not.toBe(v2);
      const any = await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Star' }]), { 'If-Match': '*' });
      expect(any.status).toBe(200);
      const v4 = any.headers.get('etag')!;
      expectScimError(await scim.delete(`/Users/${id}`, { 'If-Match': v3 }), 412);
      expect((await scim.delete(`/Users/${id}`, { 'If-Match': v4 })).status).toBe(204);
      expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    });

    it('groups: a stale If-Match fails with 412 and leaves the members alone; a matching one succeeds', async () => {
      const member = await scim.post('/Users', entraUser({ userName: 'etag-member@proto.test' }));
      const group = await scim.post('/Groups', entraGroup('ETag Group'));
      expect(group.status).toBe(201);
      expect(group.headers.get('etag')).toMatch(WEAK_ETAG);
      expect(group.body.meta.version).toBe(group.headers.get('etag'));
      const id = group.body.id as string;
      const v1 = group.headers.get('etag')!;
      expectScimError(await scim.patch(`/Groups/${id}`, addMembers([member.body.id]), { 'If-Match': 'W/"999"' }), 412);
      expect((await scim.get(`/Groups/${id}`)).body.members).toBeUndefined();
      const patched = await scim.patch(`/Groups/${id}`, addMembers([member.body.id]), { 'If-Match': v1 });
      expect(patched.status, JSON.stringify(patched.body)).toBe(204);
      const v2 = patched.headers.get('etag');
      expect(v2).toMatch(WEAK_ETAG);
      expect(v2).not.toBe(v1);
      const got = await scim.get(`/Groups/${id}`);
      expect(got.body.members).toHaveLength(1);
      expect(got.body.meta.version).toBe(v2);
      expect(got.headers.get('etag')).toBe(v2);
      expectScimError(await scim.put(`/Groups/${id}`, entraGroup('ETag Group renamed'), { 'If-Match': 'W/"999"' }), 412);
      expectScimError(await scim.delete(`/Groups/${id}`, { 'If-Match': 'W/"999"' }), 412);
      const still = await scim.get(`/Groups/${id}`);
      expect(still.body.displayName).toBe('ETag Group');
      expect(still.body.members).toHaveLength(1);
      expect((await scim.delete(`/Groups/${id}`, { 'If-Match': v2! })).status).toBe(204);
    });
  });

  describe('uniqueness', () => {
    it('a userName differing only in case is a 409 uniqueness', async () => {
      expect((await scim.post('/Users', entraUser({ userName: 'Dup.User@Example.com' }))).status).toBe(201);
      const duplicate = await scim.post('/Users', entraUser({ userName: 'dup.user@example.COM' }));
      expectScimError(duplicate, 409, 'uniqueness');
      const list = await scim.get('/Users', { filter: 'userName eq "dup.user@example.com"' });
      expect(list.body.totalResults).toBe(1);
      expect(userNames(list)).toEqual(['Dup.User@Example.com']);
    });

    it('renaming a user onto another userName is a 409 uniqueness', async () => {
      const other = await scim.post('/Users', entraUser({ userName: 'rename-me@proto.test' }));
      const response = await scim.patch(`/Users/${other.body.id}`, flagOffUserPatch([{ path: 'userName', value: 'DUP.USER@example.com' }]));
      expectScimError(response, 409, 'uniqueness');
      expect((await scim.get(`/Users/${other.body.id}`)).body.userName).toBe('rename-me@proto.test');
    });

    it('a duplicate group displayName is a 409 uniqueness', async () => {
      expect((await scim.post('/Groups', entraGroup('Admins'))).status).toBe(201);
      expectScimError(await scim.post('/Groups', entraGroup('Admins', 'objid-other')), 409, 'uniqueness');
      expectScimError(await scim.post('/Groups', entraGroup('ADMINS', 'objid-upper')), 409, 'uniqueness');
      const list = await scim.get('/Groups', { filter: 'displayName eq "admins"', excludedAttributes: 'members' });
      expect(list.body.totalResults).toBe(1);
    });
  });

  describe('DELETE', () => {
    it('deletes a user: 204, then GET is 404 with a SCIM error body', async () => {
      const created = await scim.post('/Users', entraUser({ userName: 'doomed@proto.test' }));
      const deleted = await scim.delete(`/Users/${created.body.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expectScimError(await scim.get(`/Users/${created.body.id}`), 404);
      expectScimError(await scim.delete(`/Users/${created.body.id}`), 404);
      expectScimError(await scim.patch(`/Users/${created.body.id}`, flagOffUserPatch([{ path: 'title', value: 'x' }])), 404);
      expect((await scim.get('/Users', { filter: 'userName eq "doomed@proto.test"' })).body.totalResults).toBe(0);
    });

    it('deletes a group: 204, then GET is 404 with a SCIM error body', async () => {
      const created = await scim.post('/Groups', entraGroup('Doomed Group'));
      expect((await scim.delete(`/Groups/${created.body.id}`)).status).toBe(204);
      expectScimError(await scim.get(`/Groups/${created.body.id}`), 404);
      expectScimError(await scim.get(`/Groups/${created.body.id}?excludedAttributes=members`), 404);
    });

    it('an id that is not a uuid is a plain 404', async () => {
      expectScimError(await scim.get('/Users/not-a-uuid'), 404);
      expectScimError(await scim.get('/Groups/not-a-uuid'), 404);
    });
  });

  describe('authentication', () => {
    it('no token is 401 with a SCIM error body', async () => {
      const response = await scim.request('GET', '/Users', { token: null });
      expectScimError(response, 401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('an unknown token, a non-bearer scheme and the operator token are 401', async () => {
      expectScimError(await scim.request('GET', '/Users', { token: 'not-a-real-token' }), 401);
      expectScimError(await scim.request('GET', '/Users', { token: null, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401);
      expectScimError(await scim.request('GET', '/Users', { token: portico.operatorToken }), 401);
    });

    it("another tenant's token is 401", async () => {
      const other = await scimTenant(portico, 'proto-other');
      expect((await other.get('/Users')).status).toBe(200);
      expectScimError(await scim.request('GET', '/Users', { token: other.token }), 401);
      expectScimError(await other.request('GET', '/Users', { token: scim.token }), 401);
      expectScimError(await scim.request('POST', '/Users', { token: other.token, body: entraUser({ userName: 'intruder@proto.test' }) }), 401);
      expect((await scim.get('/Users', { filter: 'userName eq "intruder@proto.test"' })).body.totalResults).toBe(0);
    });

    it('a revoked token is 401', async () => {
      const revoked = await scimTenant(portico, 'proto-revoked');
      expect((await revoked.get('/Users')).status).toBe(200);
      await portico.services.credentials.revokeScimToken(revoked.scope);
      expectScimError(await revoked.get('/Users'), 401);
    });

    it('a tenant with SCIM disabled is 401', async () => {
      const disabled = await scimTenant(portico, 'proto-disabled');
      expect((await disabled.get('/Users')).status).toBe(200);
      await portico.services.credentials.setScimEnabled(disabled.scope, false);
      expectScimError(await disabled.get('/Users'), 401);
      expectScimError(await disabled.get('/ServiceProviderConfig'), 401);
    });

    it('an unknown tenant slug is 401, like a bad token', async () => {
      const nowhere = scimClient(portico, 'no-such-tenant', scim.token, scim.scope);
      expectScimError(await nowhere.get('/Users'), 401);
      expectScimError(await nowhere.request('GET', '/Users', { token: null }), 401);
    });

    it('a tenant that never enabled SCIM is 401', async () => {
      const scope = await createTenant(portico, 'proto-never');
      const never = scimClient(portico, 'proto-never', scim.token, scope);
      expectScimError(await never.get('/Users'), 401);
    });

    it('a 401 does not read the body: an unauthenticated malformed or oversized body is still 401', async () => {
      expectScimError(await scim.request('POST', '/Users', { token: null, rawBody: '{"userName":' }), 401);
    });
  });

  describe('request bodies', () => {
    it('a body over 1 MB is 413 with a SCIM error body', async () => {
      const big = JSON.stringify(entraUser({ userName: 'big@proto.test', displayName: 'x'.repeat(1_100_000) }));
      const response = await scim.request('POST', '/Users', { rawBody: big });
      expectScimError(response, 413);
      expect((await scim.get('/Users', { filter: 'userName eq "big@proto.test"' })).body.totalResults).toBe(0);
    });

    it('malformed JSON is 400 invalidSyntax on POST, PUT and PATCH', async () => {
      expectScimError(await scim.request('POST', '/Users', { rawBody: '{"userName": "broken@proto.test",' }), 400, 'invalidSyntax');
      const created = await scim.post('/Users', entraUser({ userName: 'syntax@proto.test' }));
      expectScimError(await scim.request('PUT', `/Users/${created.body.id}`, { rawBody: '{not json}' }), 400, 'invalidSyntax');
      expectScimError(await scim.request('PATCH', `/Users/${created.body.id}`, { rawBody: '{"Operations": [' }), 400, 'invalidSyntax');
      expectScimError(await scim.request('POST', '/Groups', { rawBody: "{'displayName': 'single quotes'}" }), 400, 'invalidSyntax');
      expect((await scim.get('/Users', { filter: 'userName eq "broken@proto.test"' })).body.totalResults).toBe(0);
    });

    it('accepts application/json as well as application/scim+json', async () => {
      const response = await scim.request('POST', '/Users', {
        body: entraUser({ userName: 'plain-json@proto.test' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.headers.get('content-type')).toContain('application/scim+json');
    });
  });

  describe('endpoints', () => {
    it('/Me is 501', async () => {
      expectScimError(await scim.get('/Me'), 501);
      expectScimError(await scim.request('POST', '/Me', { body: {} }), 501);
    });

    it('resource segments match in any case', async () => {
      const created = await scim.post('/users', entraUser({ userName: 'lowercase@proto.test' }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.meta.location).toBe(`https://portico.test/api/proto/scim/v2/Users/${created.body.id}`);
      const list = await scim.get('/USERS', { filter: 'userName eq "lowercase@proto.test"' });
      expect(list.status).toBe(200);
      expect(list.body.totalResults).toBe(1);
      expect((await scim.get(`/uSeRs/${created.body.id}`)).body.userName).toBe('lowercase@proto.test');
      const group = await scim.post('/groups', entraGroup('Lowercase Group'));
      expect(group.status).toBe(201);
      expect((await scim.get('/GROUPS', { excludedAttributes: 'members' })).status).toBe(200);
      expect((await scim.patch(`/Groups/${group.body.id}`, addMembers([created.body.id]))).status).toBe(204);
      expect((await scim.get(`/groups/${group.body.id}`)).body.members).toHaveLength(1);
      expect((await scim.get('/serviceproviderconfig')).status).toBe(200);
      expect((await scim.get('/RESOURCETYPES')).status).toBe(200);
      expect((await scim.get('/schemas')).status).toBe(200);
    });

    it('unknown query parameters such as aadOptscim062020 are ignored', async () => {
      const created = await scim.post('/Users?aadOptscim062020', entraUser({ userName: 'flagged@proto.test' }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const filter = encodeURIComponent('userName eq "flagged@proto.test"');
      const list = await scim.request('GET', `/Users?aadOptscim062020&filter=${filter}&somethingElse=1`);
      expect(list.status).toBe(200);
      expect(list.body.totalResults).toBe(1);
      const patched = await scim.patch(`/Users/${created.body.id}?aadOptscim062020`, flagOnUserPatch('replace', { 'name.givenName': 'Flag' }));
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.name.givenName).toBe('Flag');
      expect((await scim.request('GET', `/Groups?aadOptscim062020=true&excludedAttributes=members`)).status).toBe(200);
    });

    it('an unknown endpoint is a SCIM 404', async () => {
      expectScimError(await scim.get('/Widgets'), 404);
      expectScimError(await scim.get('/Users/a/b'), 404);
    });
  });

  describe('discovery', () => {
    it('/ServiceProviderConfig advertises what the server does', async () => {
      const response = await scim.get('/ServiceProviderConfig');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/scim+json');
      const config = response.body;
      expect(config.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
      expect(config.patch.supported).toBe(true);
      expect(config.filter.supported).toBe(true);
      expect(config.filter.maxResults).toBeGreaterThan(0);
      expect(config.sort.supported).toBe(true);
      expect(config.etag.supported).toBe(true);
      expect(config.bulk.supported).toBe(false);
      expect(config.changePassword.supported).toBe(false);
      expect(config.authenticationSchemes.length).toBeGreaterThan(0);
      expect(config.authenticationSchemes[0].type).toBe('oauthbearertoken');
      // Bulk is not supported, and says so.
      expectScimError(await scim.request('POST', '/Bulk', { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] } }), 501);
    });

    it('/ResourceTypes lists User (with the Enterprise extension) and Group', async () => {
      const response = await scim.get('/ResourceTypes');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/scim+json');
      expect(response.body.schemas).toEqual([LIST_SCHEMA]);
      expect(response.body.totalResults).toBe(2);
      const byId = Object.fromEntries(response.body.Resources.map((r: { id: string }) => [r.id, r]));
      expect(byId.User.endpoint).toBe('/Users');
      expect(byId.User.schema).toBe('urn:ietf:params:scim:schemas:core:2.0:User');
      expect(byId.User.schemaExtensions.map((e: { schema: string }) => e.schema)).toEqual([ENTERPRISE_USER]);
      expect(byId.Group.endpoint).toBe('/Groups');
      expect(byId.Group.schema).toBe('urn:ietf:params:scim:schemas:core:2.0:Group');
      expect((await scim.get('/ResourceTypes/User')).body.id).toBe('User');
    });

    it('/Schemas describes the core User, the Enterprise User and the Group', async () => {
      const response = await scim.get('/Schemas');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/scim+json');
      const ids = response.body.Resources.map((s: { id: string }) => s.id);
      expect(ids).toEqual(
        expect.arrayContaining(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER, 'urn:ietf:params:scim:schemas:core:2.0:Group']),
      );
      const user = await scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
      expect(user.status).toBe(200);
      const userName = user.body.attributes.find((a: { name: string }) => a.name === 'userName');
      expect(userName).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server' });
      expectScimError(await scim.get('/Schemas/urn:example:nothing'), 404);
    });

    it('discovery endpoints are read-only', async () => {
      expect((await scim.request('POST', '/ServiceProviderConfig', { body: {} })).status).toBe(405);
    });
  });

  describe('content type', () => {
    it('every response with a body is application/scim+json', async () => {
      const created = await scim.post('/Users', entraUser({ userName: 'ctype@proto.test' }));
      const responses = [
        created,
        await scim.get('/Users'),
        await scim.get(`/Users/${created.body.id}`),
        await scim.patch(`/Users/${created.body.id}`, flagOffUserPatch([{ path: 'title', value: 'Typed' }])),
        await scim.put(`/Users/${created.body.id}`, entraUser({ userName: 'ctype@proto.test' })),
        await scim.get('/Groups', { excludedAttributes: 'members' }),
        await scim.get('/Users', { filter: 'bogus' }),
        await scim.get('/Users/not-a-uuid'),
        await scim.request('GET', '/Users', { token: null }),
        await scim.get('/Me'),
        await scim.get('/Schemas'),
      ];
      for (const response of responses) {
        expect(response.headers.get('content-type'), `${response.status} ${JSON.stringify(response.body)}`).toContain('application/scim+json');
      }
    });
  });

  describe('rate limiting', () => {
    let limited: TestPortico;
    beforeAll(async () => {
      limited = await startTestPortico({ PORTICO_SCIM_RATE_PER_SECOND: '1', PORTICO_SCIM_RATE_BURST: '3' });
    });
    afterAll(() => limited?.stop());

    it('a burst gets 429 with Retry-After and a SCIM error body, never a 5xx', async () => {
      const client = await scimTenant(limited, 'burst');
      const bystander = await scimTenant(limited, 'bystander');
      const responses = await Promise.all(Array.from({ length: 10 }, () => client.get('/Users', { filter: 'userName eq "x"' })));
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => s < 500), statuses.join(',')).toBe(true);
      expect(statuses.every((s) => s === 200 || s === 429), statuses.join(',')).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      const rejected = responses.filter((r) => r.status === 429);
      expect(rejected.length).toBeGreaterThanOrEqual(3);
      for (const response of rejected) {
        expectScimError(response, 429);
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter) && retryAfter >= 1, String(response.headers.get('retry-after'))).toBe(true);
      }
      // The limit is per token: another tenant's client is not held back.
      expect((await bystander.get('/Users')).status).toBe(200);
      // After the advertised wait, the token works again.
      const wait = Math.max(...rejected.map((r) => Number(r.headers.get('retry-after'))));
      await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
      expect((await client.get('/Users')).status).toBe(200);
    });

    it('a burst of POSTs creates exactly the accepted users: a 429 writes nothing', async () => {
      const client = await scimTenant(limited, 'burst-writes');
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => client.post('/Users', entraUser({ userName: `burst-${i}@x.test` }))));
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 429), statuses.join(',')).toBe(true);
      const accepted = statuses.filter((s) => s === 201).length;
      expect(accepted).toBeGreaterThanOrEqual(1);
      expect(accepted, statuses.join(',')).toBeLessThan(8);
      for (const response of responses.filter((r) => r.status === 429)) expectScimError(response, 429);
      const [row] = await sql<{ n: number }>(
        limited.databaseUrl,
        'select count(*)::int as n from users u join tenants t on t.id = u.tenant_id where t.slug = $1',
        ['burst-writes'],
      );
      expect(row.n).toBe(accepted);
    });
  });
});
