import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupsDocument, type GroupsQuery } from '../../generated/graphql';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** `groups(filter: { search })`: the console's group-mapping picker finds any group, not only the first page. */
describe('GraphQL groups search', () => {
  let portico: TestPortico;

  const names = (answer: { data?: GroupsQuery | null }) => answer.data!.groups.edges.map((e) => e.node.displayName);

  beforeAll(async () => {
    portico = await startTestPortico();
    const acme = await createTenant(portico, 'acme');
    const other = await createTenant(portico, 'other');
    // More groups than a page holds, so the ones searched for lie beyond the first 100.
    for (let i = 0; i < 120; i += 1) await portico.services.groups.create(acme, { displayName: `Department ${String(i).padStart(3, '0')}` });
    for (const displayName of ['Sales EMEA', 'sales-americas', 'Presales', 'Discount 100%_Off', 'Discount 1000 Off', 'Back\\slash']) {
      await portico.services.groups.create(acme, { displayName });
    }
    await portico.services.groups.create(other, { displayName: 'Sales (other tenant)' });
  });
  afterAll(() => portico?.stop());

  it('keeps the groups whose displayName contains the text, in any case, with their count', async () => {
    const sales = await portico.gql(GroupsDocument, { tenant: 'acme', filter: { search: 'SALES' } });
    expect(sales.errors).toBeUndefined();
    expect(names(sales)).toEqual(['Presales', 'Sales EMEA', 'sales-americas']);
    expect(sales.data!.groups.totalCount).toBe(3);

    const all = await portico.gql(GroupsDocument, { tenant: 'acme', first: 1 });
    expect(all.data!.groups.totalCount).toBe(126);
    const none = await portico.gql(GroupsDocument, { tenant: 'acme', filter: { search: 'no such group' } });
    expect(none.data!.groups).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
  });

  it('matches %, _ and \\ as themselves, never as wildcards', async () => {
    for (const [search, expected] of [
      ['100%_', ['Discount 100%_Off']],
      ['%', ['Discount 100%_Off']],
      ['_', ['Discount 100%_Off']],
      ['1000', ['Discount 1000 Off']],
      ['\\', ['Back\\slash']],
    ] as const) {
      const answer = await portico.gql(GroupsDocument, { tenant: 'acme', filter: { search } });
      expect(names(answer), search).toEqual(expected);
    }
  });

  it('pages through what the filter keeps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { data?: GroupsQuery | null } = await portico.gql(GroupsDocument, {
        tenant: 'acme',
        first: 7,
        after,
        filter: { search: 'department 1' },
      });
      expect(page.data!.groups.totalCount).toBe(20);
      seen.push(...names(page));
      if (!page.data!.groups.pageInfo.hasNextPage) break;
      after = page.data!.groups.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `Department ${100 + i}`));
  });

  it('stays in the caller’s tenant, and refuses bad input', async () => {
    const acme = await portico.gql(GroupsDocument, { tenant: 'acme', filter: { search: 'other tenant' } });
    expect(acme.data!.groups.totalCount).toBe(0);
    const other = await portico.gql(GroupsDocument, { tenant: 'other', filter: { search: 'sales' } });
    expect(names(other)).toEqual(['Sales (other tenant)']);
    expect(errorCodes(await portico.gql(GroupsDocument, { tenant: 'acme', filter: { search: 'x'.repeat(257) } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await portico.gql(GroupsDocument, { tenant: 'acme', filter: { search: 'a\u0000b' } }))).toEqual(['BAD_USER_INPUT']);
    // An empty or null search keeps every group.
    for (const search of ['', null]) {
      expect((await portico.gql(GroupsDocument, { tenant: 'acme', first: 1, filter: { search } })).data!.groups.totalCount).toBe(126);
    }
  });
});
