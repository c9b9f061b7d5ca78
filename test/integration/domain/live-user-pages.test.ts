import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor, type Scope } from '../../../src/domain/shared/scope';
import { RELEARN_SPACING_MS } from '../../../src/domain/users/live-user-order';
import { FOLD_COUNTS_AFTER_CHANGES } from '../../../src/domain/users/user.service';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';

/**
 * SCIM pages without a filter (issue 14): the total from `live_user_counts`, the page from the remembered key
 * nearest before it. Each is checked against what a count and an offset walk of `users` say.
 */
describe('pages of live users', () => {
  let portico: TestPortico;

  const provision = (scope: Scope, name: string) => portico.services.users.provision(scope, { userName: `${name}@pages.example` }, 'SCIM');
  const liveIds = async (scope: Scope) =>
    (await sql<{ id: string }>(portico.databaseUrl, 'select id from users where tenant_id = $1 and deleted_at is null order by created_at, id', [scope.tenantId])).map((r) => r.id);
  const changeRows = async (tenantId: string) => (await sql<{ n: number }>(portico.databaseUrl, 'select count(*)::int as n from live_user_counts where tenant_id = $1', [tenantId]))[0].n;
  const page = (scope: Scope, startIndex: number, count: number) => portico.services.users.search(scope, { startIndex, count });

  /** Every page asked for is the slice of the offset walk, with its true total. */
  async function expectPagesAsWalked(scope: Scope, pages: [startIndex: number, count: number][]) {
    const walked = await liveIds(scope);
    for (const [startIndex, count] of pages) {
      const found = await page(scope, startIndex, count);
      expect({ startIndex, count, total: found.totalResults, ids: found.items.map((u) => u.id) }).toEqual({
        startIndex,
        count,
        total: walked.length,
        ids: walked.slice(startIndex - 1, startIndex - 1 + count),
      });
    }
  }

  const PAGES: [number, number][] = [
    [1, 100], [2, 100], [99, 3], [100, 1], [101, 100], [150, 7], [199, 2], [201, 100], [250, 1], [251, 100], [400, 10], [1, 0], [180, 0],
  ];

  beforeAll(async () => {
    portico = await startTestPortico();
  });
  afterAll(() => portico?.stop());

  it('counts the live users as they are created, deleted, restored and deleted for good', async () => {
    const scope = await createTenant(portico, 'counted');
    const total = async () => (await page(scope, 1, 0)).totalResults;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await provision(scope, `counted${i}`)).id);
    expect(await total()).toBe(5);
    await portico.services.users.delete(scope, ids[0]);
    await portico.services.users.delete(scope, ids[1]);
    expect(await total()).toBe(3);
    await portico.services.users.restore(scope, ids[0]);
    expect(await total()).toBe(4);
    // A tombstone purged changes nothing; a live user deleted by a statement of its own does.
    expect(await portico.services.users.purgeDeleted({ actor: systemActor('test'), source: 'SYSTEM', requestId: 'purge' }, new Date(Date.now() + 60_000))).toBe(1);
    expect(await total()).toBe(4);
    await sql(portico.databaseUrl, 'delete from users where id = $1', [ids[2]]);
    expect(await total()).toBe(3);
    expect(await total()).toBe((await liveIds(scope)).length);
  });

  it('finds every page at its offset, from the remembered keys, before and after the tenant changes', async () => {
    const scope = await createTenant(portico, 'paged');
    for (let i = 0; i < 260; i += 1) await provision(scope, `paged${i}`);
    await expectPagesAsWalked(scope, PAGES);

    // Changed after its order was learnt, and within RELEARN_SPACING_MS of it: the pages walk to their offset.
    const ids = await liveIds(scope);
    for (const position of [0, 120, 199, 230]) await portico.services.users.delete(scope, ids[position]);
    for (let i = 0; i < 3; i += 1) await provision(scope, `later${i}`);
    await portico.services.users.restore(scope, ids[120]);
    await expectPagesAsWalked(scope, PAGES);

    // Later: the order is learnt again.
    await new Promise((resolve) => setTimeout(resolve, RELEARN_SPACING_MS + 50));
    await sql(portico.databaseUrl, 'delete from users where id = $1', [ids[10]]);
    await expectPagesAsWalked(scope, PAGES);
  });

  it('folds the change rows into one once there are many, keeping the total', async () => {
    const scope = await createTenant(portico, 'folded');
    for (let i = 0; i < 210; i += 1) await provision(scope, `folded${i}`);
    expect(await changeRows(scope.tenantId)).toBe(210);
    expect((await page(scope, 1, 5)).totalResults).toBe(210);
    expect(await changeRows(scope.tenantId)).toBe(1);
    expect((await page(scope, 201, 100)).items).toHaveLength(10);
    expect((await page(scope, 1, 0)).totalResults).toBe(210);
  });

  it('folds the change rows as users arrive, and vacuums the rows it folded away', async () => {
    const scope = await createTenant(portico, 'arrivals');
    const vacuums = async () =>
      (await sql<{ n: number }>(portico.databaseUrl, "select vacuum_count::int as n from pg_stat_user_tables where relname = 'live_user_counts'"))[0].n;
    const vacuumedBefore = await vacuums();
    for (let i = 0; i < FOLD_COUNTS_AFTER_CHANGES + 10; i += 1) await provision(scope, `arrival${i}`);
    // Folded by the write that made the count, before any page: that one row, and the ten arrivals since.
    expect(await changeRows(scope.tenantId)).toBe(11);
    expect((await page(scope, 1, 0)).totalResults).toBe(FOLD_COUNTS_AFTER_CHANGES + 10);
    await expect.poll(vacuums, { timeout: 10_000, interval: 200 }).toBeGreaterThan(vacuumedBefore);
    await expectPagesAsWalked(scope, [[1, 100], [401, 100], [501, 100]]);
  });

  it("gives the directory's list without a filter the same total, and a filtered list its own count", async () => {
    const scope = await createTenant(portico, 'listed');
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await provision(scope, `listed${i}`)).id);
    await portico.services.users.update(scope, ids[3], { active: false });
    await portico.services.users.delete(scope, ids[4]);
    await sql(portico.databaseUrl, 'delete from users where id = $1', [ids[5]]);
    const live = (await liveIds(scope)).length;
    expect(live).toBe(10);
    expect((await portico.services.users.list(scope, { first: 5 })).totalCount).toBe(live);
    expect((await portico.services.users.list(scope, { first: 5, filter: {} })).totalCount).toBe(live);
    expect((await portico.services.users.list(scope, { first: 5, filter: { search: '' } })).totalCount).toBe(live);
    expect((await portico.services.users.list(scope, { first: 5, filter: { active: false } })).totalCount).toBe(1);
    expect((await portico.services.users.list(scope, { first: 5, filter: { search: 'listed1' } })).totalCount).toBe(3);
    await portico.services.users.restore(scope, ids[4]);
    expect((await portico.services.users.list(scope, { first: 5 })).totalCount).toBe(live + 1);
  });

  it("takes a deleted tenant's counts along", async () => {
    const scope = await createTenant(portico, 'removed');
    for (let i = 0; i < 3; i += 1) await provision(scope, `removed${i}`);
    expect(await changeRows(scope.tenantId)).toBe(3);
    await sql(portico.databaseUrl, 'delete from tenants where id = $1', [scope.tenantId]);
    expect(await changeRows(scope.tenantId)).toBe(0);
  });
});
