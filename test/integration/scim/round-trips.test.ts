import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, deactivate, entraGroup, entraUser, flagOffUserPatch } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';
import { watchStatements } from '../../helpers/statements';

/**
 * Issue 14: each everyday Entra request is one statement, counted at the driver: a PATCH is the write with its
 * event, computed on the user as the process last provisioned, read or wrote it (a process that has not seen the
 * user reads it first: `patch-from-remembered-user.test.ts`); a (de)provisioning that must compare access takes a
 * few more.
 */
describe('SCIM requests in as few round trips as their guarantees allow', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const seen: string[] = [];
  let unwatch = () => {};
  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'diag');
    unwatch = watchStatements(({ name, text }) => {
      const statement = `${name ?? ''} ${text}`;
      // The SCIM request counts are flushed every 20 s by a background job, not by the request that lands beside it.
      if (!statement.includes('scim_request_counts')) seen.push(statement);
    });
  });
  afterAll(async () => {
    unwatch();
    await portico?.stop();
  });
  /** Statements per request of `run` (after three to warm the caches of tenant, token and statements). */
  const measure = async (n: number, run: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 3; i += 1) await run(1000 + i);
    seen.length = 0;
    for (let i = 0; i < n; i += 1) await run(i);
    return seen.length / n;
  };
  it('a provisioned user, a filter, a read by id, a page and a PATCH are one statement each', async () => {
    const ids: string[] = [];
    expect(await measure(20, async (i) => ids.push((await scim.post('/Users', entraUser({ userName: `u${i}@d.example` }))).body.id))).toBe(1);
    expect(await measure(20, (i) => scim.get('/Users', { filter: `userName eq "u${i}@d.example"` }))).toBe(1);
    expect(await measure(20, (i) => scim.get(`/Users/${ids[i % ids.length]}`))).toBe(1);
    expect(await measure(5, () => scim.get('/Users', { startIndex: '1', count: '100', attributes: 'userName,groups' }))).toBe(2);
    expect(await measure(5, () => scim.get('/Users', { startIndex: '1', count: '100' }))).toBe(1);
    expect(await measure(20, (i) => scim.patch(`/Users/${ids[i % ids.length]}`, flagOffUserPatch([{ path: 'title', value: `T${i}` }])))).toBe(1);
    const group = (await scim.post('/Groups', entraGroup('G1'))).body.id as string;
    expect(await measure(10, (i) => scim.patch(`/Groups/${group}`, addMembers([ids[i % ids.length]])))).toBe(1);
    // BEGIN, the locked read, the access before, the write with its events and the sessions ended, the burst
    // window, COMMIT (the user as remembered shows it is a deactivation: no read before).
    expect(await measure(5, (i) => scim.patch(`/Users/${ids[i]}`, deactivate()))).toBeLessThanOrEqual(6);
    // BEGIN, the locked read, the access before, the tombstone with its event, the burst window, COMMIT; the
    // deletion that crosses the burst threshold (10 of these few users) adds five statements, once.
    expect(await measure(5, (i) => scim.delete(`/Users/${ids[10 + i]}`))).toBeLessThanOrEqual(6 + 5 / 5);
  });
});
