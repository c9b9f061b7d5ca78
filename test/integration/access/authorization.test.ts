import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PermissionLevel } from '../../../src/domain/shared/permission-level';
import type { Scope } from '../../../src/domain/shared/scope';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateTeamDocument,
  DeleteGroupMappingDocument,
  DeleteTeamDocument,
  DisableScimDocument,
  EnableScimDocument,
  GenerateScimTokenDocument,
  GroupsDocument,
  PermissionMappingsDocument,
  ProvisioningEventsDocument,
  RenameTeamDocument,
  RevokeScimTokenDocument,
  ScimSettingsDocument,
  SetDefaultMappingDocument,
  SetFallbackTeamDocument,
  SetGroupMappingDocument,
  TeamsDocument,
  UpdateTenantSettingsDocument,
  UserAccessDocument,
  UsersDocument,
} from '../../generated/graphql';
import { sql } from '../../helpers/database';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** Acceptance 3: each mutation refused below the level it needs, and for another tenant. */
describe('authorization by level', () => {
  let portico: TestPortico;
  let acme: Scope;
  const keys = {} as Record<PermissionLevel, string>;
  let otherAdmin = '';
  let userSession = '';
  let ids = { team: '', group: '', user: '' };

  beforeAll(async () => {
    portico = await startTestPortico();
    acme = await createTenant(portico, 'acme');
    const other = await createTenant(portico, 'other');
    for (const level of ['NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'] as const) {
      keys[level] = (await portico.services.credentials.createApiKey(acme, { name: level, level })).token;
    }
    otherAdmin = (await portico.services.credentials.createApiKey(other, { name: 'admin', level: 'ADMINISTRATOR' })).token;
    const user = await portico.services.users.provision(acme, { userName: 'staff@acme.example' }, 'SCIM');
    userSession = (await portico.services.sessions.open(acme, user.id)).token;
    ids = {
      team: (await portico.services.teams.create(acme, 'Core')).id,
      group: (await portico.services.groups.create(acme, { displayName: 'Staff' })).id,
      user: user.id,
    };
  });
  afterAll(() => portico?.stop());

  // Every administrative mutation, with variables that would succeed for an administrator of acme.
  const mutations: [string, TypedDocumentNode<unknown, Record<string, unknown>>, () => Record<string, unknown>][] = [
    ['updateTenantSettings', UpdateTenantSettingsDocument as never, () => ({ input: { jitSignIn: true } })],
    ['enableScim', EnableScimDocument as never, () => ({})],
    ['disableScim', DisableScimDocument as never, () => ({})],
    ['generateScimToken', GenerateScimTokenDocument as never, () => ({})],
    ['revokeScimToken', RevokeScimTokenDocument as never, () => ({})],
    ['createApiKey', CreateApiKeyDocument as never, () => ({ input: { name: 'x', level: 'NONE' } })],
    ['createTeam', CreateTeamDocument as never, () => ({ name: `T${Math.random()}` })],
    ['renameTeam', RenameTeamDocument as never, () => ({ teamId: ids.team, name: 'Core 2' })],
    ['setFallbackTeam', SetFallbackTeamDocument as never, () => ({ teamId: ids.team })],
    ['setDefaultMapping', SetDefaultMappingDocument as never, () => ({ input: { globalLevel: 'VIEWER', teams: [] } })],
    ['setGroupMapping', SetGroupMappingDocument as never, () => ({ groupId: ids.group, input: { globalLevel: 'ADMINISTRATOR', teams: [] } })],
    ['deleteGroupMapping', DeleteGroupMappingDocument as never, () => ({ groupId: ids.group })],
    // Last: the others use the team.
    ['deleteTeam', DeleteTeamDocument as never, () => ({ teamId: ids.team })],
  ];

  const snapshot = () =>
    sql(
      portico.databaseUrl,
      `select (select count(*)::int from teams) as teams, (select string_agg(name, ',' order by name) from teams) as names,
              (select count(*)::int from credentials) as credentials, (select count(*)::int from permission_mappings) as mappings,
              (select count(*)::int from provisioning_events) as events,
              (select string_agg(slug || scim_enabled::text || jit_sign_in::text || coalesce(fallback_team_id::text, '-'), ',') from tenants) as tenants`,
    );

  it.each(mutations)('%s is refused below ADMINISTRATOR, to a plain user, and to another tenant\'s administrator', async (_name, document, variables) => {
    const before = await snapshot();
    for (const token of [keys.NONE, keys.VIEWER, keys.COLLABORATOR, userSession]) {
      expect(errorCodes(await portico.gql(document, variables(), { token }))).toEqual(['FORBIDDEN']);
    }
    expect(errorCodes(await portico.gql(document, { tenant: 'acme', ...variables() }, { token: otherAdmin }))).toEqual(['FORBIDDEN']);
    expect(await snapshot()).toEqual(before);
  });

  it.each(mutations)('%s is allowed to an ADMINISTRATOR key of the tenant', async (_name, document, variables) => {
    const result = await portico.gql(document, variables(), { token: keys.ADMINISTRATOR });
    expect(result.errors).toBeUndefined();
  });

  it('the directory is readable from VIEWER up; settings, keys, mappings and the log need more', async () => {
    const reads: [TypedDocumentNode<unknown, Record<string, unknown>>, PermissionLevel][] = [
      [UsersDocument as never, 'VIEWER'],
      [GroupsDocument as never, 'VIEWER'],
      [TeamsDocument as never, 'VIEWER'],
      [PermissionMappingsDocument as never, 'VIEWER'],
      [ScimSettingsDocument as never, 'ADMINISTRATOR'],
      [ApiKeysDocument as never, 'ADMINISTRATOR'],
      [ProvisioningEventsDocument as never, 'ADMINISTRATOR'],
    ];
    const order: PermissionLevel[] = ['NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'];
    for (const [document, needed] of reads) {
      for (const level of order) {
        const allowed = order.indexOf(level) >= order.indexOf(needed);
        const codes = errorCodes(await portico.gql(document, {}, { token: keys[level] }));
        expect(codes, `${level} reading with ${needed} needed`).toEqual(allowed ? [] : ['FORBIDDEN']);
      }
    }
  });

  it('everyone reads their own profile and access; another user\'s needs VIEWER', async () => {
    const own = await portico.gql(UserAccessDocument, { id: ids.user }, { token: userSession });
    expect(own.errors).toBeUndefined();
    const colleague = await portico.services.users.provision(acme, { userName: 'colleague@acme.example' }, 'SCIM');
    // With no grant the user reads only themselves…
    await portico.services.access.setDefaultMapping(acme, { globalLevel: 'NONE', teams: [] });
    await portico.services.access.setFallbackTeam(acme, null);
    expect(errorCodes(await portico.gql(UserAccessDocument, { id: colleague.id }, { token: userSession }))).toEqual(['FORBIDDEN']);
    expect((await portico.gql(UserAccessDocument, { id: colleague.id }, { token: keys.VIEWER })).errors).toBeUndefined();
    // …and a default mapping granting VIEWER lets them read the directory at once.
    await portico.services.access.setDefaultMapping(acme, { globalLevel: 'VIEWER', teams: [] });
    expect((await portico.gql(UserAccessDocument, { id: colleague.id }, { token: userSession })).errors).toBeUndefined();
  });
});
