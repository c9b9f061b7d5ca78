import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../src/domain/shared/scope';
import { entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant } from '../../helpers/scim';

/** Issue 6: events older than the retention age are pruned in batches; newer ones stay. */
describe('provisioning event retention', () => {
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startTestPortico();
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('prunes old events in batches and keeps recent ones', async () => {
    const scim = await scimTenant(portico, 'retained');
    for (let i = 0; i < 7; i += 1) await scim.request('POST', '/Users', { body: entraUser({ userName: `r${i}@retention.example` }) });
    const count = async () => Number((await sql<{ n: string }>(portico.databaseUrl, `select count(*) as n from provisioning_events`))[0].n);
    const total = await count();
    await sql(portico.databaseUrl, `update provisioning_events set occurred_at = now() - interval '100 days' where summary like 'User r%' and summary < 'User r5'`);
    const ctx = { actor: systemActor('test'), source: 'SYSTEM' as const, requestId: 'retention-test' };
    const pruned = await portico.services.events.prune(ctx, new Date(Date.now() - 90 * 24 * 3600 * 1000), 2);
    expect(pruned).toBe(5);
    expect(await count()).toBe(total - 5);
    const left = await sql<{ summary: string }>(portico.databaseUrl, `select summary from provisioning_events where summary like 'User r%' order by id`);
    expect(left.map((e) => e.summary)).toEqual(['User r5@retention.example created', 'User r6@retention.example created']);
  });

  it('is the system\'s job only', async () => {
    const scope = await scimTenant(portico, 'not-allowed');
    await expect(portico.services.events.prune(scope.scope, new Date())).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
