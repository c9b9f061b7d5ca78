import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTeamDocument,
  CreateTenantDocument,
  DeleteTeamDocument,
  ProvisioningEventsDocument,
  RenameTeamDocument,
  TeamsDocument,
  TenantDocument,
  TenantsDocument,
  UpdateTenantSettingsDocument,
  ViewerDocument,
} from '../../generated/graphql';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

describe('GraphQL: operator, tenants and teams', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startTestPortico();
  });
  afterAll(() => portico?.stop());

  it('answers viewer.kind OPERATOR for the operator token', async () => {
    const result = await portico.gql(ViewerDocument);
    expect(result.errors).toBeUndefined();
    expect(result.data?.viewer).toEqual({ kind: 'OPERATOR', level: 'ADMINISTRATOR', tenant: null, user: null });
  });

  it('refuses a call without credentials with UNAUTHENTICATED, and an unknown token with 401', async () => {
    expect(errorCodes(await portico.gql(ViewerDocument, {}, { token: null }))).toEqual(['UNAUTHENTICATED']);
    const bad = await portico.gql(ViewerDocument, {}, { token: 'ptk_not-a-real-key' });
    expect(bad.status).toBe(401);
    expect(errorCodes(bad)).toEqual(['UNAUTHENTICATED']);
  });

  it('creates tenants, lists them in pages, and refuses a duplicate slug with CONFLICT', async () => {
    for (const slug of ['acme', 'globex', 'initech']) {
      const created = await portico.gql(CreateTenantDocument, { input: { slug, name: slug.toUpperCase() } });
      expect(created.data?.createTenant.slug).toBe(slug);
    }
    const duplicate = await portico.gql(CreateTenantDocument, { input: { slug: 'acme' } });
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);

    const first = await portico.gql(TenantsDocument, { first: 2 });
    expect(first.data?.tenants.totalCount).toBe(3);
    expect(first.data?.tenants.edges.map((e) => e.node.slug)).toEqual(['acme', 'globex']);
    expect(first.data?.tenants.pageInfo.hasNextPage).toBe(true);
    const second = await portico.gql(TenantsDocument, { first: 2, after: first.data?.tenants.pageInfo.endCursor });
    expect(second.data?.tenants.edges.map((e) => e.node.slug)).toEqual(['initech']);
    expect(second.data?.tenants.pageInfo.hasNextPage).toBe(false);
  });

  it('requires the operator to name a tenant', async () => {
    expect(errorCodes(await portico.gql(TenantDocument, {}))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await portico.gql(TenantDocument, { tenant: 'no-such-tenant' }))).toEqual(['NOT_FOUND']);
    expect((await portico.gql(TenantDocument, { tenant: 'acme' })).data?.tenant?.name).toBe('ACME');
  });

  it('changes tenant settings with an event recording old and new values', async () => {
    const updated = await portico.gql(UpdateTenantSettingsDocument, { tenant: 'acme', input: { jitSignIn: true } });
    expect(updated.data?.updateTenantSettings).toMatchObject({ jitSignIn: true, idpInitiatedSignIn: false });
    const events = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', filter: { types: ['TENANT_UPDATED'] } });
    expect(events.data?.provisioningEvents.edges[0].node.changes).toEqual([{ attribute: 'jitSignIn', old: false, new: true }]);
  });

  it('creates, renames and deletes teams; names are unique per tenant, case-insensitively', async () => {
    const created = await portico.gql(CreateTeamDocument, { tenant: 'acme', name: 'Engineering' });
    const id = created.data!.createTeam.id;
    expect(errorCodes(await portico.gql(CreateTeamDocument, { tenant: 'acme', name: 'engineering' }))).toEqual(['CONFLICT']);
    // The same name in another tenant is fine.
    expect((await portico.gql(CreateTeamDocument, { tenant: 'globex', name: 'Engineering' })).errors).toBeUndefined();

    const renamed = await portico.gql(RenameTeamDocument, { tenant: 'acme', teamId: id, name: 'Platform' });
    expect(renamed.data?.renameTeam.name).toBe('Platform');
    expect((await portico.gql(TeamsDocument, { tenant: 'acme' })).data?.teams.map((t) => t.name)).toEqual(['Platform']);

    expect((await portico.gql(DeleteTeamDocument, { tenant: 'acme', teamId: id })).data?.deleteTeam).toBe(true);
    expect((await portico.gql(TeamsDocument, { tenant: 'acme' })).data?.teams).toEqual([]);
    expect(errorCodes(await portico.gql(DeleteTeamDocument, { tenant: 'acme', teamId: id }))).toEqual(['NOT_FOUND']);

    const events = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme', filter: { types: ['TEAM_CHANGED'] } });
    expect(events.data?.provisioningEvents.edges.map((e) => e.node.summary)).toEqual([
      'Team Platform deleted (0 user(s) lose access to it)',
      'Team Engineering renamed to Platform',
      'Team Engineering created',
    ]);
  });
});
