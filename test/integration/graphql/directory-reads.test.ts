import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GroupDocument,
  GroupsDocument,
  ProvisioningEventsDocument,
  UserDocument,
  UsersDocument,
  type UsersQuery,
  type UsersQueryVariables,
} from '../../generated/graphql';
import type { Scope } from '../../../src/domain/shared/scope';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

describe('GraphQL directory reads', () => {
  let portico: TestPortico;
  let scope: Scope;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    portico = await startTestPortico();
    scope = await createTenant(portico, 'acme');
    const people = [
      { userName: 'Alice@Acme.example', displayName: 'Alice Liddell', emails: [{ value: 'alice@acme.example', type: 'work', primary: true }] },
      { userName: 'bob@acme.example', displayName: 'Bob Builder', title: 'Engineer', department: 'R&D' },
      { userName: 'carol@acme.example', displayName: 'Carol 100%_Match', active: false },
      { userName: 'dave@acme.example', givenName: 'Dave', familyName: 'Grohl', photos: [{ value: 'https://img/d.png' }] },
      { userName: 'erin@acme.example', externalId: 'ext-erin' },
    ];
    for (const p of people) ids[p.userName.toLowerCase()] = (await portico.services.users.provision(scope, p, 'SCIM')).id;
    const staff = await portico.services.groups.create(scope, { displayName: 'Staff', externalId: 'g-1' });
    ids.staff = staff.id;
    ids.admins = (await portico.services.groups.create(scope, { displayName: 'admins' })).id;
    await portico.services.groups.addMembers(scope, staff.id, Object.values(ids).slice(0, 5));
    await portico.services.groups.addMembers(scope, ids.admins, [ids['alice@acme.example']]);
  });
  afterAll(() => portico?.stop());

  it('lists users by userName, case-insensitively, with a true total and stable paging', async () => {
    const seen: string[] = [];
    let after: string | null | undefined = null;
    do {
      const page: Awaited<ReturnType<typeof portico.gql<UsersQuery, UsersQueryVariables>>> = await portico.gql(UsersDocument, { tenant: 'acme', first: 2, after });
      expect(page.data?.users.totalCount).toBe(5);
      seen.push(...page.data!.users.edges.map((e) => e.node.userName));
      after = page.data!.users.pageInfo.hasNextPage ? page.data!.users.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['Alice@Acme.example', 'bob@acme.example', 'carol@acme.example', 'dave@acme.example', 'erin@acme.example']);
  });

  it('filters users by userName (case-insensitive), active and search (wildcards literal)', async () => {
    const byName = await portico.gql(UsersDocument, { tenant: 'acme', filter: { userName: 'alice@ACME.example' } });
    expect(byName.data?.users.edges.map((e) => e.node.id)).toEqual([ids['alice@acme.example']]);
    const inactive = await portico.gql(UsersDocument, { tenant: 'acme', filter: { active: false } });
    expect(inactive.data?.users.edges.map((e) => e.node.userName)).toEqual(['carol@acme.example']);
    const search = await portico.gql(UsersDocument, { tenant: 'acme', filter: { search: 'grohl' } });
    expect(search.data?.users.edges.map((e) => e.node.userName)).toEqual(['dave@acme.example']);
    const literal = await portico.gql(UsersDocument, { tenant: 'acme', filter: { search: '100%_' } });
    expect(literal.data?.users.totalCount).toBe(1);
    // '%' and '_' match themselves only: one user has them, a wildcard would match all five.
    const wildcard = await portico.gql(UsersDocument, { tenant: 'acme', filter: { search: '%' } });
    expect(wildcard.data?.users.edges.map((e) => e.node.userName)).toEqual(['carol@acme.example']);
    const underscore = await portico.gql(UsersDocument, { tenant: 'acme', filter: { search: 'a_' } });
    expect(underscore.data?.users.totalCount).toBe(0);
  });

  it('reads one user with attributes, groups and source', async () => {
    const result = await portico.gql(UserDocument, { tenant: 'acme', id: ids['alice@acme.example'] });
    expect(result.data?.user).toMatchObject({
      userName: 'Alice@Acme.example',
      displayName: 'Alice Liddell',
      source: 'SCIM',
      emails: [{ value: 'alice@acme.example', type: 'work', primary: true }],
      groups: [{ displayName: 'admins' }, { displayName: 'Staff' }],
    });
    const dave = await portico.gql(UsersDocument, { tenant: 'acme', filter: { userName: 'dave@acme.example' } });
    // A photo URL the IdP sent stays in SCIM `photos`; `photoUrl` is Portico's photo route, null until a photo is stored (SPEC §6).
    expect(dave.data?.users.edges[0].node).toMatchObject({ photoUrl: null, name: { givenName: 'Dave', familyName: 'Grohl' } });
  });

  it('lists groups and pages through a group\'s members', async () => {
    const groups = await portico.gql(GroupsDocument, { tenant: 'acme' });
    expect(groups.data?.groups.edges.map((e) => e.node.displayName)).toEqual(['admins', 'Staff']);
    const first = await portico.gql(GroupDocument, { tenant: 'acme', id: ids.staff, first: 3 });
    expect(first.data?.group?.members.totalCount).toBe(5);
    expect(first.data?.group?.members.edges).toHaveLength(3);
    const rest = await portico.gql(GroupDocument, {
      tenant: 'acme',
      id: ids.staff,
      first: 3,
      after: first.data?.group?.members.pageInfo.endCursor,
    });
    expect(rest.data?.group?.members.edges.map((e) => e.node.userName)).toEqual(['dave@acme.example', 'erin@acme.example']);
    expect(rest.data?.group?.members.pageInfo.hasNextPage).toBe(false);
    expect((await portico.gql(GroupDocument, { tenant: 'acme', id: '00000000-0000-4000-8000-000000000000' })).data?.group).toBeNull();
  });

  it('membership changes are set operations: re-adding is a no-op, removing takes exactly the listed ids', async () => {
    expect(await portico.services.groups.addMembers(scope, ids.staff, [ids['bob@acme.example']])).toBe(0);
    expect(await portico.services.groups.removeMembers(scope, ids.staff, [ids['bob@acme.example'], ids['carol@acme.example']])).toBe(2);
    const after = await portico.gql(GroupDocument, { tenant: 'acme', id: ids.staff });
    expect(after.data?.group?.members.edges.map((e) => e.node.userName)).toEqual([
      'Alice@Acme.example',
      'dave@acme.example',
      'erin@acme.example',
    ]);
    await expect(portico.services.groups.addMembers(scope, ids.staff, ['00000000-0000-4000-8000-000000000000'])).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('records events with changed attributes, filterable by type, subject, source and time', async () => {
    await portico.services.users.update(scope, ids['bob@acme.example'], { title: 'Staff Engineer', active: false });
    const bob = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', filter: { subjectId: ids['bob@acme.example'] } });
    const nodes = bob.data!.provisioningEvents.edges.map((e) => e.node);
    expect(nodes.map((n) => n.type)).toEqual(['USER_DEACTIVATED', 'USER_UPDATED', 'USER_CREATED']);
    expect(nodes[1].changes).toEqual([{ attribute: 'title', old: 'Engineer', new: 'Staff Engineer' }]);
    expect(nodes[0].changes).toEqual([{ attribute: 'active', old: true, new: false }]);
    expect(nodes[0]).toMatchObject({ source: 'SYSTEM', outcome: 'SUCCESS', subjectType: 'USER', actor: { kind: 'OPERATOR' } });

    const members = await portico.gql(ProvisioningEventsDocument, {
      tenant: 'acme',
      filter: { types: ['GROUP_MEMBERS_ADDED', 'GROUP_MEMBERS_REMOVED'] },
    });
    expect(members.data?.provisioningEvents.edges.map((e) => e.node.type)).toEqual([
      'GROUP_MEMBERS_REMOVED',
      'GROUP_MEMBERS_ADDED',
      'GROUP_MEMBERS_ADDED',
    ]);
    const future = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', filter: { from: '2999-01-01T00:00:00Z' } });
    expect(future.data?.provisioningEvents.totalCount).toBe(0);
    const graphqlOnly = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', filter: { sources: ['GRAPHQL'] } });
    expect(graphqlOnly.data?.provisioningEvents.totalCount).toBe(0);

    const page1 = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', first: 3 });
    const page2 = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', first: 3, after: page1.data?.provisioningEvents.pageInfo.endCursor });
    const ids1 = page1.data!.provisioningEvents.edges.map((e) => Number(e.node.id));
    const ids2 = page2.data!.provisioningEvents.edges.map((e) => Number(e.node.id));
    expect(Math.min(...ids1)).toBeGreaterThan(Math.max(...ids2));
  });

  it('deleting a user removes their memberships and reads as not found', async () => {
    await portico.services.users.delete(scope, ids['erin@acme.example']);
    expect((await portico.gql(UserDocument, { tenant: 'acme', id: ids['erin@acme.example'] })).data?.user).toBeNull();
    const staff = await portico.gql(GroupDocument, { tenant: 'acme', id: ids.staff });
    expect(staff.data?.group?.members.totalCount).toBe(2);
    expect(errorCodes(await portico.gql(UsersDocument, { tenant: 'acme', filter: { search: 'x'.repeat(300) } }))).toEqual(['BAD_USER_INPUT']);
  });
});
