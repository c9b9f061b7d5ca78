import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor, type Scope } from '../../../src/domain/shared/scope';
import { purgeDeletedUsersOnce } from '../../../src/jobs/deleted-user-purge';
import {
  CreateApiKeyDocument,
  DeletedUsersDocument,
  GroupDocument,
  RestoreUserDocument,
  TeamMembersDocument,
  UserDocument,
  UsersDocument,
  ViewerDocument,
} from '../../generated/graphql';
import { addMembers, deactivate, entraGroup, entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, sessionCount, signInEvents, type SamlTenant } from '../../helpers/saml';
import { scimTenant, type ScimClient } from '../../helpers/scim';

const eventTypesOf = async (portico: TestPortico, subjectId: string) =>
  (await sql<{ type: string }>(portico.databaseUrl, 'select type from provisioning_events where subject_id = $1 order by id', [subjectId])).map((e) => e.type);

/** Issue 11: a deleted user is a tombstone (gone for SCIM, sign-in and access) that can come back with its id. */
describe('recoverable deprovisioning', () => {
  let portico: TestPortico;
  let contoso: SamlTenant;
  let scim: ScimClient;
  let scope: Scope;
  let engineers = '';
  let platformTeam = '';

  const create = async (userName: string, externalId: string, extra: Record<string, unknown> = {}) => {
    const created = await scim.post('/Users', { ...entraUser({ userName, externalId }), ...extra });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const joinEngineers = async (id: string) => expect((await scim.patch(`/Groups/${engineers}`, addMembers([id]))).status).toBe(204);
  const accessOf = (id: string) => portico.services.access.accessOf(scope, id);

  beforeAll(async () => {
    portico = await startTestPortico();
    contoso = await samlTenant(portico, 'contoso', { idpInitiatedSignIn: true });
    scim = contoso.scim;
    scope = scim.scope;
    engineers = (await scim.post('/Groups', entraGroup('Engineers'))).body.id;
    platformTeam = (await portico.services.teams.create(scope, 'Platform')).id;
    await portico.services.access.setGroupMapping(scope, engineers, { globalLevel: 'VIEWER', teams: [{ teamId: platformTeam, level: 'COLLABORATOR' }] });
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('a deleted user is a tombstone: 404 and absent for SCIM, refused at sign-in, sessions ended, no access', async () => {
    const userName = 'alice@contoso.com';
    const id = await create(userName, 'alice-oid');
    await joinEngineers(id);
    const signedIn = await contoso.signIn(userName);
    expect(signedIn.session).toBeTruthy();
    expect((await accessOf(id)).globalLevel).toBe('VIEWER');

    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);

    // SCIM: gone.
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await scim.patch(`/Users/${id}`, deactivate())).status).toBe(404);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(404);
    for (const filter of [`userName eq "${userName}"`, 'externalId eq "alice-oid"', `id eq "${id}"`]) {
      expect((await scim.get('/Users', { filter })).body.totalResults).toBe(0);
    }
    const all = await scim.get('/Users', { count: '1000' });
    expect(all.body.Resources.map((u: { id: string }) => u.id)).not.toContain(id);
    expect((await scim.get(`/Groups/${engineers}`)).body.members ?? []).not.toContainEqual(expect.objectContaining({ value: id }));
    expect((await scim.get('/Groups', { filter: `members[value eq "${id}"]` })).body.totalResults).toBe(0);

    // GraphQL: gone from users, user, group members and team members.
    expect((await portico.gql(UserDocument, { tenant: 'contoso', id })).data?.user).toBeNull();
    const users = await portico.gql(UsersDocument, { tenant: 'contoso', first: 100 });
    expect(users.data!.users.edges.map((e) => e.node.id)).not.toContain(id);
    const group = await portico.gql(GroupDocument, { tenant: 'contoso', id: engineers });
    expect(group.data!.group!.members.edges.map((e) => e.node.id)).not.toContain(id);
    const team = await portico.gql(TeamMembersDocument, { tenant: 'contoso', id: platformTeam });
    expect(team.data!.team.members.edges.map((e) => e.node.user.id)).not.toContain(id);

    // Sign-in: refused like an unknown user; the open session ended with the deletion.
    const refused = await contoso.signIn(userName);
    expect(refused.session).toBeNull();
    expect(refused.error).toBe('UNKNOWN_USER');
    expect((await signInEvents(portico, 'contoso')).at(-1)).toMatchObject({ type: 'SIGN_IN_FAILED', outcome: 'FAILURE' });
    expect((await portico.gql(ViewerDocument, {}, { token: null, cookie: `portico_session=${signedIn.session}` })).data?.viewer ?? null).toBeNull();
    expect(await sessionCount(portico, 'contoso')).toBe(0);

    // Access: none.
    expect(await accessOf(id)).toMatchObject({ globalLevel: 'NONE', teams: [] });
    expect(await eventTypesOf(portico, id)).toEqual(expect.arrayContaining(['USER_DELETED', 'ACCESS_CHANGED']));
  });

  it('a tombstone does not block a different person with the same userName', async () => {
    const first = await create('bob@contoso.com', 'bob-oid-1');
    expect((await scim.delete(`/Users/${first}`)).status).toBe(204);
    const second = await create('bob@contoso.com', 'bob-oid-2');
    expect(second).not.toBe(first);
    expect((await scim.get('/Users', { filter: 'userName eq "bob@contoso.com"' })).body.Resources.map((u: { id: string }) => u.id)).toEqual([second]);
  });

  it('provisioned again with the same externalId, the user returns with the same id, its groups and access', async () => {
    const id = await create('carol@contoso.com', 'carol-oid');
    await joinEngineers(id);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    // Entra's create flow: a filter that finds nothing, then POST.
    expect((await scim.get('/Users', { filter: 'externalId eq "carol-oid"' })).body.totalResults).toBe(0);
    const back = await scim.post('/Users', entraUser({ userName: 'carol@contoso.com', externalId: 'carol-oid', title: 'Staff Engineer' }));
    expect(back.status).toBe(201);
    expect(back.body.id).toBe(id);
    expect(back.body).toMatchObject({ active: true, title: 'Staff Engineer', userName: 'carol@contoso.com' });
    expect((await scim.get(`/Users/${id}`)).status).toBe(200);
    expect((await accessOf(id)).globalLevel).toBe('VIEWER');
    expect((await scim.get(`/Groups/${engineers}`)).body.members).toContainEqual(expect.objectContaining({ value: id }));
    expect((await contoso.signIn('carol@contoso.com')).session).toBeTruthy();
    const events = await eventTypesOf(portico, id);
    expect(events.filter((t) => t.startsWith('USER_'))).toEqual(['USER_CREATED', 'USER_DELETED', 'USER_RESTORED']);
    expect(await sql(portico.databaseUrl, 'select id from users where external_id = $1', ['carol-oid'])).toHaveLength(1);
  });

  it('a newcomer given a departed person\'s mailNickname as externalId is a new user: no id, groups or access inherited', async () => {
    const departed = await create('jsmith@contoso.com', 'jsmith');
    await joinEngineers(departed);
    expect((await scim.delete(`/Users/${departed}`)).status).toBe(204);
    const newcomer = await scim.post('/Users', entraUser({ userName: 'jsmith2@contoso.com', externalId: 'jsmith' }));
    expect(newcomer.status).toBe(201);
    expect(newcomer.body.id).not.toBe(departed);
    expect((await scim.get(`/Groups/${engineers}`)).body.members ?? []).not.toContainEqual(expect.objectContaining({ value: newcomer.body.id }));
    const tombstones = await portico.gql(DeletedUsersDocument, { tenant: 'contoso', first: 100 });
    expect(tombstones.data!.deletedUsers.edges.map((e) => e.node.id)).toContain(departed);
  });

  it('a forged deletedUsers cursor is BAD_USER_INPUT, never an internal error', async () => {
    for (const forged of [['x', 'y'], ['2026-01-01T00:00:00.000Z', 'not-a-uuid'], ['yesterday', '00000000-0000-0000-0000-000000000000']]) {
      const after = Buffer.from(JSON.stringify(forged)).toString('base64url');
      const result = await portico.gql(DeletedUsersDocument, { tenant: 'contoso', first: 10, after });
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('an administrator lists tombstones and restores one over GraphQL; others may not', async () => {
    const id = await create('dave@contoso.com', 'dave-oid');
    await joinEngineers(id);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);

    const listed = await portico.gql(DeletedUsersDocument, { tenant: 'contoso', first: 100 });
    expect(listed.errors).toBeUndefined();
    const node = listed.data!.deletedUsers.edges.find((e) => e.node.id === id)?.node;
    expect(node).toMatchObject({ userName: 'dave@contoso.com', externalId: 'dave-oid' });
    expect(Math.abs(Date.parse(node!.deletedAt as string) - Date.now())).toBeLessThan(60_000);

    const viewerKey = await portico.gql(CreateApiKeyDocument, { tenant: 'contoso', input: { name: 'reader', level: 'VIEWER' } });
    const token = viewerKey.data!.createApiKey.token;
    expect(errorCodes(await portico.gql(DeletedUsersDocument, {}, { token }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await portico.gql(RestoreUserDocument, { id }, { token }))).toEqual(['FORBIDDEN']);

    const restored = await portico.gql(RestoreUserDocument, { tenant: 'contoso', id });
    expect(restored.errors).toBeUndefined();
    expect(restored.data!.restoreUser).toMatchObject({ id, active: true, userName: 'dave@contoso.com', groups: [{ id: engineers }] });
    expect((await scim.get(`/Users/${id}`)).status).toBe(200);
    expect((await accessOf(id)).globalLevel).toBe('VIEWER');
    const after = await portico.gql(DeletedUsersDocument, { tenant: 'contoso', first: 100 });
    expect(after.data!.deletedUsers.edges.map((e) => e.node.id)).not.toContain(id);
    // A live user is no tombstone to restore.
    expect(errorCodes(await portico.gql(RestoreUserDocument, { tenant: 'contoso', id }))).toEqual(['NOT_FOUND']);
  });

  it('restoring a tombstone whose userName a live user took since is a CONFLICT, and changes nothing', async () => {
    const id = await create('erin@contoso.com', 'erin-oid-1');
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    await create('erin@contoso.com', 'erin-oid-2');
    expect(errorCodes(await portico.gql(RestoreUserDocument, { tenant: 'contoso', id }))).toEqual(['CONFLICT']);
    expect((await portico.gql(DeletedUsersDocument, { tenant: 'contoso', first: 100 })).data!.deletedUsers.edges.map((e) => e.node.id)).toContain(id);
  });

  it('the purge hard-deletes tombstones past the retention, in batches, and keeps younger ones', async () => {
    const old = await create('frank@contoso.com', 'frank-oid');
    const older = await create('hank@contoso.com', 'hank-oid');
    const young = await create('gina@contoso.com', 'gina-oid');
    for (const id of [old, older, young]) expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    await sql(portico.databaseUrl, `update users set deleted_at = now() - interval '31 days' where id = $1`, [old]);
    await sql(portico.databaseUrl, `update users set deleted_at = now() - interval '40 days' where id = $1`, [older]);

    const system = { actor: systemActor('test'), source: 'SYSTEM' as const, requestId: 'purge-test' };
    expect(await portico.services.users.purgeDeleted(system, new Date(Date.now() - 30 * 24 * 3600 * 1000), 1)).toBe(2);
    expect(await sql(portico.databaseUrl, 'select id from users where id = any($1::uuid[])', [[old, older]])).toEqual([]);
    // The job's pass finds nothing more to do: the young tombstone stays.
    expect(await purgeDeletedUsersOnce(portico.services, portico.logger, 30)).toBe(0);
    expect(await sql(portico.databaseUrl, 'select id from users where id = $1', [young])).toHaveLength(1);
    expect(await eventTypesOf(portico, old)).toContain('USER_PURGED');
    // Past its retention, the same person provisioned again is a new user.
    const again = await create('frank@contoso.com', 'frank-oid');
    expect(again).not.toBe(old);
    await expect(portico.services.users.purgeDeleted(scope, new Date())).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

/** Issue 11: a burst of deletions and deactivations raises one MASS_DEPROVISIONING event and a metric; SCIM answers as usual. */
describe('mass deprovisioning burst', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const massEvents = async () =>
    sql<{ summary: string }>(portico.databaseUrl, `select summary from provisioning_events where type = 'MASS_DEPROVISIONING' order by id`);
  const metric = async () => {
    const text = await (await fetch(`${portico.url}/metrics`)).text();
    return Number(/^portico_mass_deprovisioning_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
  };

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_MASS_DEPROVISIONING_SHARE: '0.25', PORTICO_MASS_DEPROVISIONING_MIN_USERS: '3' });
    scim = await scimTenant(portico, 'wave');
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('crossing the share within an hour raises one event and counts it; Entra is never refused', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await scim.post('/Users', entraUser({ userName: `u${i}@wave.example` }))).body.id);
    // 3 of 12 is the share exactly: not over it.
    expect((await scim.patch(`/Users/${ids[0]}`, deactivate())).status).toBe(200);
    expect((await scim.delete(`/Users/${ids[1]}`)).status).toBe(204);
    expect((await scim.patch(`/Users/${ids[2]}`, deactivate(true))).status).toBe(200);
    // The deactivated user deleted later is still one user.
    expect((await scim.delete(`/Users/${ids[0]}`)).status).toBe(204);
    expect(await massEvents()).toEqual([]);
    expect(await metric()).toBe(0);

    expect((await scim.delete(`/Users/${ids[3]}`)).status).toBe(204);
    expect(await massEvents()).toEqual([{ summary: '4 of 12 users deleted or deactivated within an hour' }]);
    expect(await metric()).toBe(1);

    // The rest of the wave: answered as usual, no second event within the hour.
    for (const id of ids.slice(4, 8)) expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect(await massEvents()).toHaveLength(1);
    expect(await metric()).toBe(1);
  });

  it('users provisioned after the users were counted are counted before the alarm', async () => {
    const other = await scimTenant(portico, 'wave-grows');
    const events = async () =>
      sql<{ summary: string }>(portico.databaseUrl, `select summary from provisioning_events where type = 'MASS_DEPROVISIONING' and tenant_id = $1`, [other.scope.tenantId]);
    const provision = async (from: number, to: number) => {
      const ids: string[] = [];
      for (let i = from; i < to; i += 1) ids.push((await other.post('/Users', entraUser({ userName: `g${i}@grows.example` }))).body.id);
      return ids;
    };
    const first = await provision(0, 12);
    // 3 of 12: the share exactly (the 12 are counted here).
    for (const id of first.slice(0, 3)) expect((await other.delete(`/Users/${id}`)).status).toBe(204);
    const more = await provision(12, 24);
    // 6 of 24 is the share exactly, though over a quarter of the 12 counted before.
    for (const id of [...first.slice(3, 5), more[0]]) expect((await other.delete(`/Users/${id}`)).status).toBe(204);
    expect(await events()).toEqual([]);
    expect((await other.delete(`/Users/${more[1]}`)).status).toBe(204);
    expect(await events()).toEqual([{ summary: '7 of 24 users deleted or deactivated within an hour' }]);
  });
});

/** Issue 11: with PORTICO_DELETED_USER_RETENTION_DAYS=0 a deletion is final at once (the behaviour before tombstones). */
describe('no retention', () => {
  let portico: TestPortico;
  let scim: ScimClient;

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_DELETED_USER_RETENTION_DAYS: '0' });
    scim = await scimTenant(portico, 'final');
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('DELETE removes the user at once; the same person provisioned again is a new user', async () => {
    const id = (await scim.post('/Users', entraUser({ userName: 'ivy@final.example', externalId: 'ivy-oid' }))).body.id as string;
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect(await sql(portico.databaseUrl, 'select id from users where id = $1', [id])).toEqual([]);
    expect((await portico.gql(DeletedUsersDocument, { tenant: 'final' })).data!.deletedUsers.totalCount).toBe(0);
    const again = await scim.post('/Users', entraUser({ userName: 'ivy@final.example', externalId: 'ivy-oid' }));
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
  });
});
