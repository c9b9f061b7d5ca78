import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Portico } from '../../../src/app';
import { deactivate, entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startSecondPortico, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimClient, scimTenant, type ScimClient } from '../../helpers/scim';
import { watchStatements } from '../../helpers/statements';

/**
 * Burst detection reads only what the event log gained since its last read (WindowDeprovisionings), and still
 * raises the alarm at the change that crosses the share, whichever process made the changes before it.
 * Defaults: a burst is over 10 % of the users, and at least 10 of them, within the hour.
 */
describe('the deprovisioning window as each process keeps it', () => {
  let a: TestPortico;
  let b: Portico;
  /** Rows each read of the log since the last one returned, in order. */
  const readSizes: number[] = [];
  let unwatch = () => {};

  beforeAll(async () => {
    const secretKey = randomBytes(32).toString('hex');
    a = await startTestPortico({ PORTICO_SECRET_KEY: secretKey });
    b = await startSecondPortico(a, secretKey);
    unwatch = watchStatements(({ name, result }) => {
      if (name === 'portico_deprovisionings_since') void result?.then((r) => readSizes.push(r.rowCount ?? 0)).catch(() => {});
    });
  });
  afterAll(async () => {
    unwatch();
    await b?.close();
    await a?.stop();
  });

  const tenantOnBoth = async (slug: string): Promise<{ viaA: ScimClient; viaB: ScimClient; ids: string[] }> => {
    const viaA = await scimTenant(a, slug);
    const viaB = scimClient({ ...a, url: b.url } as TestPortico, slug, viaA.token, viaA.scope);
    const ids: string[] = [];
    for (let i = 0; i < 40; i += 1) ids.push((await viaA.post('/Users', entraUser({ userName: `u${i}@${slug}.example` }))).body.id);
    return { viaA, viaB, ids };
  };
  const alarms = (tenantId: string) =>
    sql<{ summary: string }>(a.databaseUrl, `select summary from provisioning_events where type = 'MASS_DEPROVISIONING' and tenant_id = $1`, [tenantId]);

  it('counts what another process deprovisioned since its last read, and raises the alarm at the crossing change', async () => {
    const { viaA, viaB, ids } = await tenantOnBoth('window-two');
    // A reads the log at each of its changes; B's changes come in between, unseen by A until its next read.
    for (const id of ids.slice(0, 3)) expect((await viaA.delete(`/Users/${id}`)).status).toBe(204);
    for (const id of ids.slice(3, 6)) expect((await viaB.patch(`/Users/${id}`, deactivate())).status).toBe(200);
    for (const id of ids.slice(6, 9)) expect((await viaB.delete(`/Users/${id}`)).status).toBe(204);
    // A user deactivated and then deleted is one user: 9 so far, under the minimum of 10.
    expect((await viaA.delete(`/Users/${ids[3]}`)).status).toBe(204);
    expect(await alarms(viaA.scope.tenantId)).toEqual([]);
    expect((await viaA.delete(`/Users/${ids[9]}`)).status).toBe(204);
    expect(await alarms(viaA.scope.tenantId)).toEqual([{ summary: '10 of 40 users deleted or deactivated within an hour' }]);
  });

  it('a deprovisioning rolled back after its check does not count: the alarm comes at the tenth committed one', async () => {
    const { viaA, ids } = await tenantOnBoth('window-rollback');
    for (const id of ids.slice(0, 8)) expect((await viaA.delete(`/Users/${id}`)).status).toBe(204);
    // The ninth fails at commit, after its check counted it.
    const failing = a.services.uow.onBeforeCommit(async () => {
      throw new Error('injected: the commit fails');
    });
    try {
      expect((await viaA.delete(`/Users/${ids[8]}`)).status).toBeGreaterThanOrEqual(500);
    } finally {
      failing();
    }
    expect((await viaA.delete(`/Users/${ids[9]}`)).status).toBe(204);
    expect(await alarms(viaA.scope.tenantId)).toEqual([]);
    expect((await viaA.delete(`/Users/${ids[10]}`)).status).toBe(204);
    expect(await alarms(viaA.scope.tenantId)).toEqual([{ summary: '10 of 40 users deleted or deactivated within an hour' }]);
  });

  it('each check reads what the log gained since the one before, not every deprovisioning of the hour', async () => {
    const { viaA, ids } = await tenantOnBoth('window-cost');
    readSizes.length = 0;
    // 30 of 40 deactivated in a row, more than the share, yet the minimum of 10 is met only at the tenth.
    for (const id of ids.slice(0, 30)) expect((await viaA.patch(`/Users/${id}`, deactivate())).status).toBe(200);
    expect(await alarms(viaA.scope.tenantId)).toHaveLength(1);
    // The first check of a tenant reads its whole hour by another statement; each later one about two events (the
    // previous change's, committed since, and its own), more only while another transaction of the cluster, begun
    // earlier, is still open. Reading the whole hour at each check would read 2 + 3 + … + 30 = 464 events.
    expect(readSizes.length).toBeGreaterThanOrEqual(29);
    expect(readSizes.reduce((sum, n) => sum + n, 0)).toBeLessThan(464 / 3);
  });
});
