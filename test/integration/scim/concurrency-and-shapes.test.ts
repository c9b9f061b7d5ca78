import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, ENTERPRISE_USER, entraGroup, entraUser, PATCH_OP } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Regressions from the second review: races Entra's traffic can hit, and PATCH shapes that were misfiled. */
describe('SCIM under concurrency, and the remaining PATCH shapes', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let n = 0;
  const user = async () => (await scim.post('/Users', entraUser({ userName: `u${++n}@contoso.com` }))).body.id as string;
  const group = async () => (await scim.post('/Groups', entraGroup(`G${++n}`))).body.id as string;
  const row = async (id: string) => (await sql(portico.databaseUrl, 'select * from users where id = $1', [id]))[0];
  const members = async (groupId: string) =>
    (await sql<{ user_id: string }>(portico.databaseUrl, 'select user_id from group_memberships where group_id = $1', [groupId])).map((r) => r.user_id);

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'contoso');
  });
  afterAll(() => portico?.stop());

  it('a first mapping saved while Entra changes the group\'s members: both succeed, never a 5xx', async () => {
    for (let round = 0; round < 6; round += 1) {
      const [g, u1, u2] = [await group(), await user(), await user()];
      const [patched, mapped] = await Promise.all([
        scim.patch(`/Groups/${g}`, addMembers([u1, u2])),
        portico.services.access.setGroupMapping(scim.scope, g, { globalLevel: 'VIEWER', teams: [] }).then(
          () => 'ok',
          (error: Error) => error.message,
        ),
      ]);
      expect(patched.status).toBe(204);
      expect(mapped).toBe('ok');
    }
  });

  it('adding a member that is being deleted at the same time is never a 5xx', async () => {
    for (let round = 0; round < 8; round += 1) {
      const [g, u] = [await group(), await user()];
      const [patched, deleted] = await Promise.all([scim.patch(`/Groups/${g}`, addMembers([u])), scim.delete(`/Users/${u}`)]);
      expect(deleted.status).toBe(204);
      expect([204, 400, 404]).toContain(patched.status);
      expect(await members(g)).toEqual([]);
    }
  });

  it('member operations apply in the order sent', async () => {
    const [g, u, v] = [await group(), await user(), await user()];
    const ops = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
    await scim.patch(`/Groups/${g}`, ops({ op: 'Add', path: 'members', value: [{ value: u }] }, { op: 'Remove', path: 'members', value: [{ value: u }] }));
    expect(await members(g)).toEqual([]);
    await scim.patch(`/Groups/${g}`, ops({ op: 'Add', path: 'members', value: [{ value: u }, { value: v }] }, { op: 'Remove', path: 'members' }));
    expect(await members(g)).toEqual([]);
    await scim.patch(`/Groups/${g}`, ops({ op: 'Remove', path: `members[value eq "${u}"]` }, { op: 'Add', path: 'members', value: [{ value: u }] }));
    expect(await members(g)).toEqual([u]);
  });

  it('concurrent memberships of one user: the last ACCESS_CHANGED states the access the user really has', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [viewers, admins, u] = [await group(), await group(), await user()];
      await portico.services.access.setGroupMapping(scim.scope, viewers, { globalLevel: 'VIEWER', teams: [] });
      await portico.services.access.setGroupMapping(scim.scope, admins, { globalLevel: 'ADMINISTRATOR', teams: [] });
      await Promise.all([scim.patch(`/Groups/${viewers}`, addMembers([u])), scim.patch(`/Groups/${admins}`, addMembers([u]))]);
      const events = await sql<{ changes: { new: { globalLevel: string } }[] }>(
        portico.databaseUrl,
        `select changes from provisioning_events where type = 'ACCESS_CHANGED' and subject_id = $1 order by id`,
        [u],
      );
      expect(events.at(-1)!.changes[0].new.globalLevel).toBe('ADMINISTRATOR');
      expect((await portico.services.access.accessOf(scim.scope, u)).globalLevel).toBe('ADMINISTRATOR');
    }
  });

  it('enterprise attributes named without their URN are stored as enterprise attributes', async () => {
    const [u, boss] = [await user(), await user()];
    const patch = (operations: unknown[]) => scim.patch(`/Users/${u}`, { schemas: [PATCH_OP], Operations: operations });
    expect((await patch([{ op: 'Add', path: 'manager', value: boss }])).status).toBe(200);
    expect((await patch([{ op: 'Replace', value: { department: 'Sales' } }])).status).toBe(200);
    expect(await row(u)).toMatchObject({ manager_id: boss, department: 'Sales' });
    expect((await scim.get('/Users', { filter: `manager eq "${boss}"` })).body.totalResults).toBe(1);
    await patch([{ op: 'Remove', path: 'manager' }]);
    expect((await row(u)).manager_id).toBeNull();
    expect(JSON.stringify((await row(u)).extensions)).not.toContain('department');
  });

  it('a PATCH whose path is the enterprise schema URN addresses its attributes', async () => {
    const u = await user();
    const patch = (operations: unknown[]) => scim.patch(`/Users/${u}`, { schemas: [PATCH_OP], Operations: operations });
    expect((await patch([{ op: 'add', path: ENTERPRISE_USER, value: { department: 'D', costCenter: 'C' } }])).status).toBe(200);
    expect(await row(u)).toMatchObject({ department: 'D', cost_center: 'C' });
    expect((await patch([{ op: 'remove', path: ENTERPRISE_USER }])).status).toBe(200);
    expect(await row(u)).toMatchObject({ department: null, cost_center: null, employee_number: null });
    // A custom-extension attribute whose name starts with a capital is an attribute, not a schema.
    await patch([{ op: 'add', value: { 'urn:example:custom:1.0:User:CostObject': { code: 'X1' } } }]);
    expect((await row(u)).extensions).toMatchObject({ 'urn:example:custom:1.0:User': { CostObject: { code: 'X1' } } });
  });

  it('a refused request is logged even with a NUL in it, and a long body is redacted before it is cut', async () => {
    const withNul = await scim.post('/Users', { schemas: [], userName: 'nul\u0000@contoso.com' });
    expect(withNul.status).toBe(400);
    const long = await scim.post('/Users', { userName: '', password: 'hunter2-secret', padding: 'x'.repeat(20_000) });
    expect(long.status).toBe(400);
    const events = await sql<{ detail: unknown; error: string }>(
      portico.databaseUrl,
      `select detail, error from provisioning_events where type = 'SCIM_REQUEST_REJECTED' order by id desc limit 2`,
    );
    expect(events).toHaveLength(2);
    expect(JSON.stringify(events)).not.toContain('hunter2-secret');
  });
});
