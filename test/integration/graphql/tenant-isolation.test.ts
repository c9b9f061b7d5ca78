import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateTeamDocument,
  DeleteTeamDocument,
  GenerateScimTokenDocument,
  GroupDocument,
  GroupsDocument,
  ProvisioningEventsDocument,
  RenameTeamDocument,
  RevokeApiKeyDocument,
  ScimSettingsDocument,
  TeamsDocument,
  TenantDocument,
  UpdateTenantSettingsDocument,
  UserDocument,
  UsersDocument,
  ViewerDocument,
} from '../../generated/graphql';
import { sql } from '../../helpers/database';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** Acceptance 4: a credential of tenant A never reads or changes tenant B. */
describe('GraphQL tenant isolation', () => {
  let portico: TestPortico;
  let keyA: string;
  let sessionA: string;
  const b = { userId: '', groupId: '', teamId: '' };

  const snapshotOfB = async () => {
    const [counts] = await sql(
      portico.databaseUrl,
      `select
        (select count(*) from teams t join tenants x on x.id = t.tenant_id where x.slug = 'tenant-b') as teams,
        (select string_agg(t.name, ',') from teams t join tenants x on x.id = t.tenant_id where x.slug = 'tenant-b') as team_names,
        (select count(*) from credentials c join tenants x on x.id = c.tenant_id where x.slug = 'tenant-b') as credentials,
        (select count(*) from provisioning_events e join tenants x on x.id = e.tenant_id where x.slug = 'tenant-b') as events,
        (select jit_sign_in from tenants where slug = 'tenant-b') as jit`,
    );
    return counts;
  };

  beforeAll(async () => {
    portico = await startTestPortico();
    const scopeA = await createTenant(portico, 'tenant-a');
    const scopeB = await createTenant(portico, 'tenant-b');
    keyA = (await portico.services.credentials.createApiKey(scopeA, { name: 'a-admin', level: 'ADMINISTRATOR' })).token;
    const alice = await portico.services.users.provision(scopeA, { userName: 'alice@a.example' }, 'SCIM');
    sessionA = (await portico.services.sessions.open(scopeA, alice.id)).token;

    const bob = await portico.services.users.provision(scopeB, { userName: 'bob@b.example' }, 'SCIM');
    const groupB = await portico.services.groups.create(scopeB, { displayName: 'B Staff' }, [bob.id]);
    const teamB = await portico.services.teams.create(scopeB, 'B Team');
    Object.assign(b, { userId: bob.id, groupId: groupB.id, teamId: teamB.id });
  });
  afterAll(() => portico?.stop());

  it('an API key and a session of A act on A when no tenant is named', async () => {
    const byKey = await portico.gql(ViewerDocument, {}, { token: keyA });
    expect(byKey.data?.viewer).toMatchObject({ kind: 'API_KEY', tenant: { slug: 'tenant-a' } });
    const bySession = await portico.gql(ViewerDocument, {}, { token: sessionA });
    expect(bySession.data?.viewer).toMatchObject({ kind: 'USER', tenant: { slug: 'tenant-a' }, user: { userName: 'alice@a.example' } });
    const byCookie = await portico.gql(ViewerDocument, {}, { token: null, cookie: `portico_session=${sessionA}` });
    expect(byCookie.data?.viewer.kind).toBe('USER');
  });

  describe.each([
    ['API key', () => keyA],
    ['session', () => sessionA],
  ])('with an %s of tenant A', (_kind, token) => {
    it('every read naming tenant B is FORBIDDEN', async () => {
      const reads = [
        portico.gql(TenantDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(UsersDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(UserDocument, { tenant: 'tenant-b', id: b.userId }, { token: token() }),
        portico.gql(GroupsDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(GroupDocument, { tenant: 'tenant-b', id: b.groupId }, { token: token() }),
        portico.gql(TeamsDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(ScimSettingsDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(ApiKeysDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(ProvisioningEventsDocument, { tenant: 'tenant-b' }, { token: token() }),
      ];
      for (const result of await Promise.all(reads)) {
        expect(errorCodes(result)).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(result.data ?? {})).not.toContain('bob@b.example');
      }
    });

    it('B\'s ids looked up in A find nothing', async () => {
      const user = await portico.gql(UserDocument, { id: b.userId }, { token: token() });
      const group = await portico.gql(GroupDocument, { id: b.groupId }, { token: token() });
      // Users may not read the directory at all yet; keys see a plain "not here".
      for (const result of [user, group]) {
        if (result.errors) expect(errorCodes(result)).toEqual(['FORBIDDEN']);
        else expect(Object.values(result.data ?? {})).toEqual([null]);
      }
    });

    it('every change aimed at tenant B is refused and changes nothing', async () => {
      const before = await snapshotOfB();
      const writes = [
        portico.gql(CreateTeamDocument, { tenant: 'tenant-b', name: 'Intruders' }, { token: token() }),
        portico.gql(RenameTeamDocument, { tenant: 'tenant-b', teamId: b.teamId, name: 'Owned' }, { token: token() }),
        portico.gql(DeleteTeamDocument, { tenant: 'tenant-b', teamId: b.teamId }, { token: token() }),
        portico.gql(GenerateScimTokenDocument, { tenant: 'tenant-b' }, { token: token() }),
        portico.gql(CreateApiKeyDocument, { tenant: 'tenant-b', input: { name: 'x', level: 'ADMINISTRATOR' } }, { token: token() }),
        portico.gql(UpdateTenantSettingsDocument, { tenant: 'tenant-b', input: { jitSignIn: true } }, { token: token() }),
      ];
      for (const result of await Promise.all(writes)) expect(errorCodes(result)).toEqual(['FORBIDDEN']);
      // B's team id used inside A's own tenant is simply not found there.
      const renameInA = await portico.gql(RenameTeamDocument, { teamId: b.teamId, name: 'Owned' }, { token: token() });
      expect(errorCodes(renameInA)[0]).toMatch(/NOT_FOUND|FORBIDDEN/);
      expect(await snapshotOfB()).toEqual(before);
    });
  });

  it('an API key of A cannot revoke a key of B by id', async () => {
    const scopeB = await portico.services.tenants.scopeFor(
      { actor: { kind: 'OPERATOR', id: null, label: 't', tenantId: null, level: 'ADMINISTRATOR' }, source: 'SYSTEM', requestId: 'r' },
      'tenant-b',
    );
    const keyB = await portico.services.credentials.createApiKey(scopeB, { name: 'b-key', level: 'VIEWER' });
    const result = await portico.gql(RevokeApiKeyDocument, { id: keyB.credential.id }, { token: keyA });
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
    const [row] = await sql(portico.databaseUrl, 'select revoked_at from credentials where id = $1', [keyB.credential.id]);
    expect(row.revoked_at).toBeNull();
    expect((await portico.gql(ViewerDocument, {}, { token: keyB.token })).data?.viewer.tenant?.slug).toBe('tenant-b');
  });
});
