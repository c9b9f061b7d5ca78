import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClearFallbackTeamDocument,
  CreateTeamDocument,
  DeleteGroupMappingDocument,
  DeleteTeamDocument,
  PermissionMappingsDocument,
  SetDefaultMappingDocument,
  SetFallbackTeamDocument,
  SetGroupMappingDocument,
  UserAccessDocument,
  ViewerDocument,
} from '../../generated/graphql';
import { addMembers, deactivate, entraGroup, entraUser, flagOffUserPatch, removeMembers } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Acceptance 2: changes through SCIM, configuration through GraphQL, `user.access` and events after each step. */
describe('access follows Entra at once', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const team: Record<string, string> = {};
  const group: Record<string, string> = {};
  let alice = '';
  let bob = '';

  const accessOf = async (id: string) => {
    const result = await portico.gql(UserAccessDocument, { tenant: 'contoso', id });
    expect(result.errors).toBeUndefined();
    const access = result.data!.user!.access;
    return {
      global: access.globalLevel,
      fromDefault: access.fromDefault,
      teams: Object.fromEntries(
        access.teams.map((t) => [t.team.name, `${t.level}<-${t.grantedBy.map((g) => (g.isDefault ? 'default' : g.group?.displayName)).join('+')}`]),
      ),
    };
  };
  const accessEvents = async (userId: string) =>
    (
      await sql<{ changes: { new: { globalLevel: string; teams: { team: string; level: string }[] } }[] }>(
        portico.databaseUrl,
        `select changes from provisioning_events where type = 'ACCESS_CHANGED' and subject_id = $1 order by id`,
        [userId],
      )
    ).map((e) => e.changes[0].new);

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'contoso');
    for (const name of ['Everyone', 'Platform', 'Payments']) {
      team[name] = (await portico.gql(CreateTeamDocument, { tenant: 'contoso', name })).data!.createTeam.id;
    }
    alice = (await scim.post('/Users', entraUser({ userName: 'alice@contoso.com' }))).body.id;
    bob = (await scim.post('/Users', entraUser({ userName: 'bob@contoso.com' }))).body.id;
    for (const name of ['Engineers', 'SRE', 'Finance']) group[name] = (await scim.post('/Groups', entraGroup(name))).body.id;
  });
  afterAll(() => portico?.stop());

  it('with nothing configured, nobody has access', async () => {
    expect(await accessOf(alice)).toEqual({ global: 'NONE', fromDefault: true, teams: {} });
  });

  it('the default mapping and the fallback team catch everyone whose groups grant nothing', async () => {
    await portico.gql(SetDefaultMappingDocument, { tenant: 'contoso', input: { globalLevel: 'VIEWER', teams: [] } });
    await portico.gql(SetFallbackTeamDocument, { tenant: 'contoso', teamId: team.Everyone });
    expect(await accessOf(alice)).toEqual({ global: 'VIEWER', fromDefault: true, teams: { Everyone: 'VIEWER<-default' } });
    const [event] = await sql<{ detail: { affectedUsers: number } }>(
      portico.databaseUrl,
      `select detail from provisioning_events where type = 'MAPPING_CHANGED' and summary like 'Fallback team set%'`,
    );
    expect(event.detail.affectedUsers).toBe(2);
  });

  it('a group mapping applies to its members the moment Entra adds them', async () => {
    const mapped = await portico.gql(SetGroupMappingDocument, {
      tenant: 'contoso',
      groupId: group.Engineers,
      input: { globalLevel: 'COLLABORATOR', teams: [{ teamId: team.Platform, level: 'COLLABORATOR' }] },
    });
    expect(mapped.data?.setGroupMapping).toMatchObject({ isDefault: false, globalLevel: 'COLLABORATOR', group: { displayName: 'Engineers' } });
    await portico.gql(SetGroupMappingDocument, {
      tenant: 'contoso',
      groupId: group.SRE,
      input: { globalLevel: 'VIEWER', teams: [{ teamId: team.Platform, level: 'ADMINISTRATOR' }, { teamId: team.Payments, level: 'VIEWER' }] },
    });
    expect((await scim.patch(`/Groups/${group.Engineers}`, addMembers([alice, bob]))).status).toBe(204);
    expect(await accessOf(alice)).toEqual({ global: 'COLLABORATOR', fromDefault: false, teams: { Platform: 'COLLABORATOR<-Engineers' } });
    expect((await accessEvents(alice)).at(-1)).toEqual({ globalLevel: 'COLLABORATOR', teams: [{ team: 'Platform', level: 'COLLABORATOR' }] });

    await scim.patch(`/Groups/${group.SRE}`, addMembers([alice]));
    expect(await accessOf(alice)).toEqual({
      global: 'COLLABORATOR',
      fromDefault: false,
      teams: { Payments: 'VIEWER<-SRE', Platform: 'ADMINISTRATOR<-SRE' },
    });
  });

  it('removing a member or deleting the group takes the grant away in the same transaction', async () => {
    await scim.patch(`/Groups/${group.SRE}`, removeMembers([alice]));
    expect((await accessOf(alice)).teams).toEqual({ Platform: 'COLLABORATOR<-Engineers' });
    expect((await scim.delete(`/Groups/${group.Engineers}`)).status).toBe(204);
    expect(await accessOf(alice)).toEqual({ global: 'VIEWER', fromDefault: true, teams: { Everyone: 'VIEWER<-default' } });
    expect(await accessOf(bob)).toEqual({ global: 'VIEWER', fromDefault: true, teams: { Everyone: 'VIEWER<-default' } });
    const last = (await accessEvents(bob)).at(-1);
    expect(last).toEqual({ globalLevel: 'VIEWER', teams: [{ team: 'Everyone', level: 'VIEWER' }] });
  });

  it('deleting a mapping or a team changes access at once', async () => {
    await scim.patch(`/Groups/${group.SRE}`, addMembers([bob]));
    expect((await accessOf(bob)).teams).toEqual({ Payments: 'VIEWER<-SRE', Platform: 'ADMINISTRATOR<-SRE' });
    expect((await portico.gql(DeleteTeamDocument, { tenant: 'contoso', teamId: team.Payments })).data?.deleteTeam).toBe(true);
    expect((await accessOf(bob)).teams).toEqual({ Platform: 'ADMINISTRATOR<-SRE' });
    const [deleted] = await sql<{ summary: string; detail: { affectedUsers: number } }>(
      portico.databaseUrl,
      `select summary, detail from provisioning_events where type = 'TEAM_CHANGED' and subject_id = $1 and summary like '%deleted%'`,
      [team.Payments],
    );
    expect(deleted.detail.affectedUsers).toBe(1);
    expect((await portico.gql(DeleteGroupMappingDocument, { tenant: 'contoso', groupId: group.SRE })).data?.deleteGroupMapping).toBe(true);
    expect(await accessOf(bob)).toEqual({ global: 'VIEWER', fromDefault: true, teams: { Everyone: 'VIEWER<-default' } });
    expect((await portico.gql(DeleteGroupMappingDocument, { tenant: 'contoso', groupId: group.SRE })).data?.deleteGroupMapping).toBe(false);
  });

  it('a deactivated user has no access, and gets it back on reactivation', async () => {
    await scim.patch(`/Users/${bob}`, deactivate());
    expect(await accessOf(bob)).toEqual({ global: 'NONE', fromDefault: false, teams: {} });
    expect((await accessEvents(bob)).at(-1)).toEqual({ globalLevel: 'NONE', teams: [] });
    await scim.patch(`/Users/${bob}`, flagOffUserPatch([{ path: 'active', value: 'True' }]));
    expect((await accessOf(bob)).global).toBe('VIEWER');
  });

  it('a signed-in user acts with their effective global level', async () => {
    const { token } = await portico.services.sessions.open(scim.scope, alice);
    expect((await portico.gql(ViewerDocument, {}, { token })).data?.viewer.level).toBe('VIEWER');
    await portico.gql(SetGroupMappingDocument, { tenant: 'contoso', groupId: group.Finance, input: { globalLevel: 'ADMINISTRATOR', teams: [] } });
    await scim.patch(`/Groups/${group.Finance}`, addMembers([alice]));
    expect((await portico.gql(ViewerDocument, {}, { token })).data?.viewer.level).toBe('ADMINISTRATOR');
    // Everyone reads their own access.
    const own = await portico.gql(UserAccessDocument, { id: alice }, { token });
    expect(own.data?.user?.access.globalLevel).toBe('ADMINISTRATOR');
  });

  it('lists the mappings; clearing the fallback team leaves users on the default mapping alone', async () => {
    const mappings = await portico.gql(PermissionMappingsDocument, { tenant: 'contoso' });
    expect(mappings.data?.permissionMappings.map((m) => (m.isDefault ? 'default' : m.group?.displayName))).toEqual(['default', 'Finance']);
    await portico.gql(ClearFallbackTeamDocument, { tenant: 'contoso' });
    expect(await accessOf(bob)).toEqual({ global: 'VIEWER', fromDefault: true, teams: {} });
  });
});
