import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAccessDocument } from '../../generated/graphql';
import { addMembers, entraGroup, entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/**
 * A process keeps each tenant's mappings, team grants and teams between requests (tenant-access-cache.ts),
 * under the tenant's access version. Every change here is written on another connection, as another process
 * would write it, without a word to this one: the next `user.access` shows it, granted or revoked.
 */
describe('user.access after changes made elsewhere', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let tenantId = '';
  let userId = '';
  let loneId = '';
  let groupId = '';
  const teams: Record<string, string> = {};

  const accessOf = async (id: string) => {
    const result = await portico.gql(UserAccessDocument, { tenant: 'cached', id });
    expect(result.errors).toBeUndefined();
    const access = result.data!.user!.access;
    return {
      globalLevel: access.globalLevel,
      fromDefault: access.fromDefault,
      teams: access.teams.map((t) => `${t.team.name}:${t.level}:${t.grantedBy.map((g) => (g.isDefault ? 'default' : g.group!.displayName)).join('+')}`),
    };
  };
  const elsewhere = (text: string, params: unknown[] = []) => sql(portico.databaseUrl, text, params);
  const versionOf = async () => (await elsewhere('select access_version::text as v from tenants where id = $1', [tenantId]))[0].v as string;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'cached');
    tenantId = scim.scope.tenantId;
    userId = (await scim.post('/Users', entraUser({ userName: 'kim@cached.example' }))).body.id;
    loneId = (await scim.post('/Users', entraUser({ userName: 'lone@cached.example' }))).body.id;
    groupId = (await scim.post('/Groups', entraGroup('Engineering'))).body.id;
    await scim.patch(`/Groups/${groupId}`, addMembers([userId]));
    for (const name of ['Red', 'Blue']) teams[name] = (await portico.services.teams.create(scim.scope, name)).id;
    await portico.services.access.setGroupMapping(scim.scope, groupId, {
      globalLevel: 'COLLABORATOR',
      teams: [
        { teamId: teams.Red, level: 'ADMINISTRATOR' },
        { teamId: teams.Blue, level: 'VIEWER' },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('a team grant revoked elsewhere is gone from the next read', async () => {
    expect(await accessOf(userId)).toEqual({ globalLevel: 'COLLABORATOR', fromDefault: false, teams: ['Blue:VIEWER:Engineering', 'Red:ADMINISTRATOR:Engineering'] });
    const before = await versionOf();
    await elsewhere('delete from mapping_team_grants where team_id = $1', [teams.Red]);
    expect(BigInt(await versionOf())).toBeGreaterThan(BigInt(before));
    expect(await accessOf(userId)).toEqual({ globalLevel: 'COLLABORATOR', fromDefault: false, teams: ['Blue:VIEWER:Engineering'] });
  });

  it('a mapping lowered, a team renamed, and a group renamed elsewhere show at once', async () => {
    await elsewhere(`update permission_mappings set global_level = 'VIEWER' where group_id = $1`, [groupId]);
    expect((await accessOf(userId)).globalLevel).toBe('VIEWER');
    await elsewhere(`update teams set name = 'Azure' where id = $1`, [teams.Blue]);
    expect((await accessOf(userId)).teams).toEqual(['Azure:VIEWER:Engineering']);
    await elsewhere(`update idp_groups set display_name = 'Platform' where id = $1`, [groupId]);
    expect((await accessOf(userId)).teams).toEqual(['Azure:VIEWER:Platform']);
  });

  it('a fallback team set and a default mapping added elsewhere reach a user whose groups grant nothing', async () => {
    expect(await accessOf(loneId)).toEqual({ globalLevel: 'NONE', fromDefault: true, teams: [] });
    await elsewhere('update tenants set fallback_team_id = $2 where id = $1', [tenantId, teams.Red]);
    expect(await accessOf(loneId)).toEqual({ globalLevel: 'NONE', fromDefault: true, teams: ['Red:VIEWER:default'] });
    await elsewhere(`insert into permission_mappings (id, tenant_id, group_id, global_level, updated_at) values (gen_random_uuid(), $1, null, 'VIEWER', now())`, [tenantId]);
    expect((await accessOf(loneId)).globalLevel).toBe('VIEWER');
    await elsewhere('update tenants set fallback_team_id = null where id = $1', [tenantId]);
    expect(await accessOf(loneId)).toEqual({ globalLevel: 'VIEWER', fromDefault: true, teams: [] });
  });

  it('a change rolled back elsewhere is never seen, and the change committed after it is', async () => {
    const other = new pg.Client({ connectionString: portico.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(`update permission_mappings set global_level = 'ADMINISTRATOR' where group_id = $1`, [groupId]);
      expect((await accessOf(userId)).globalLevel).toBe('VIEWER');
      await other.query('rollback');
      // The same version number the rolled-back change took, now for another change.
      await other.query(`update permission_mappings set global_level = 'NONE' where group_id = $1`, [groupId]);
      expect((await accessOf(userId)).globalLevel).toBe('NONE');
    } finally {
      await other.end();
    }
  });

  it("a group's updatedAt is read with the user whenever the query asks for it, through a fragment too", async () => {
    const other = (await scim.post('/Users', entraUser({ userName: 'sam@cached.example' }))).body.id;
    await scim.patch(`/Groups/${groupId}`, addMembers([other]));
    const [stored] = await elsewhere('select updated_at from idp_groups where id = $1', [groupId]);
    const shown = [
      `query($id: ID!) { user(tenant: "cached", id: $id) { access { teams { grantedBy { group { updatedAt } } } } } }`,
      `query($id: ID!) { user(tenant: "cached", id: $id) { ...A } } fragment A on User { access { teams { ...G } } } fragment G on TeamGrant { grantedBy { group { updatedAt } } }`,
    ];
    for (const query of shown) {
      const result = await portico.rawGql({ query, variables: { id: userId } });
      expect(result.errors).toBeUndefined();
      const teams = (result.data as { user: { access: { teams: { grantedBy: { group: { updatedAt: string } }[] }[] } } }).user.access.teams;
      expect(teams[0].grantedBy[0].group.updatedAt).toBe((stored.updated_at as Date).toISOString());
    }
  });

  it("a mapping's team grants replaced are one bump of the version, at the commit", async () => {
    const before = BigInt(await versionOf());
    await portico.services.access.setGroupMapping(scim.scope, groupId, { globalLevel: 'NONE', teams: [{ teamId: teams.Blue, level: 'VIEWER' }] });
    expect(BigInt(await versionOf())).toBe(before + 1n);
    // The grant it kept (read before as the change's old side) is still there.
    expect((await accessOf(userId)).teams).toEqual(['Azure:VIEWER:Platform']);
  });

  it('a group renamed while a mapping is written for it: both commit (the tenant is locked last, after the group)', async () => {
    const renamed = (await scim.post('/Groups', entraGroup('Design'))).body.id;
    await scim.patch(`/Groups/${renamed}`, addMembers([userId]));
    const [renamer, mapper] = [new pg.Client({ connectionString: portico.databaseUrl }), new pg.Client({ connectionString: portico.databaseUrl })];
    await renamer.connect();
    await mapper.connect();
    try {
      await renamer.query('begin');
      await renamer.query('select 1 from idp_groups where id = $1 for update', [renamed]);
      await mapper.query('begin');
      await mapper.query(`insert into permission_mappings (id, tenant_id, group_id, global_level, updated_at) values (gen_random_uuid(), $1, $2, 'ADMINISTRATOR', now())`, [tenantId, renamed]);
      // Its commit checks the group's key, which the renamer holds: it waits for the renamer's commit.
      const mapped = mapper.query('commit');
      for (let waited = 0; ; waited += 1) {
        const [{ n }] = await elsewhere(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query = 'commit'`);
        if (n === 1 || waited > 100) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await renamer.query(`update idp_groups set display_name = 'Product design' where id = $1`, [renamed]);
      await renamer.query('commit');
      await mapped;
    } finally {
      await renamer.end();
      await mapper.end();
    }
    const access = await portico.gql(UserAccessDocument, { tenant: 'cached', id: userId });
    expect(access.data!.user!.access.globalGrantedBy.map((g) => g.group?.displayName)).toEqual(['Product design']);
  });

  it('a mapped group deleted elsewhere takes its grants with it', async () => {
    expect((await accessOf(userId)).teams).toEqual(['Azure:VIEWER:Platform']);
    await elsewhere('delete from idp_groups where id = $1', [groupId]);
    expect((await accessOf(userId)).teams).toEqual([]);
  });
});
