import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../../src/domain/shared/scope';
import { ViewerDocument } from '../../generated/graphql';
import { sql } from '../../helpers/database';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** Regressions from the first review: each a defect that was found, fixed, and is kept fixed here. */
describe('hardening', () => {
  const hexOperatorToken = randomBytes(32).toString('hex');
  let portico: TestPortico;
  let a: Scope;
  let b: Scope;

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_OPERATOR_TOKEN: hexOperatorToken });
    a = await createTenant(portico, 'tenant-a');
    b = await createTenant(portico, 'tenant-b');
  });
  afterAll(() => portico?.stop());

  it('a configured operator token of any shape is accepted (not only pto_…)', async () => {
    const viewer = await portico.gql(ViewerDocument, {}, { token: hexOperatorToken });
    expect(viewer.data?.viewer.kind).toBe('OPERATOR');
  });

  it('concurrent membership batches on one group apply one after the other: every change bumps the version', async () => {
    const users = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => portico.services.users.provision(a, { userName: `u${n}@a.example` }, 'SCIM')));
    const group = await portico.services.groups.create(a, { displayName: 'Concurrent' });
    await Promise.all([0, 1, 2].map((i) => portico.services.groups.addMembers(a, group.id, [users[2 * i].id, users[2 * i + 1].id])));
    const [row] = await sql(portico.databaseUrl, 'select version from idp_groups where id = $1', [group.id]);
    expect(row.version).toBe(4);
    await Promise.all(users.map((u, i) => portico.services.users.update(a, u.id, { title: `t${i}` })));
    await Promise.all(users.map((u) => portico.services.users.update(a, u.id, { displayName: 'same time' })));
    const versions = await sql(portico.databaseUrl, `select distinct version from users where user_name like 'u%@a.example'`);
    expect(versions).toEqual([{ version: 3 }]);
  });

  it('the database refuses a membership, session or fallback team that crosses tenants', async () => {
    const userB = await portico.services.users.provision(b, { userName: 'bob@b.example' }, 'SCIM');
    const groupA = await portico.services.groups.create(a, { displayName: 'A group' });
    const teamB = await portico.services.teams.create(b, 'B team');
    await expect(
      sql(portico.databaseUrl, 'insert into group_memberships (group_id, user_id, tenant_id) values ($1, $2, $3)', [groupA.id, userB.id, a.tenantId]),
    ).rejects.toThrow(/foreign key/);
    await expect(
      sql(portico.databaseUrl, 'insert into group_memberships (group_id, user_id, tenant_id) values ($1, $2, $3)', [groupA.id, userB.id, b.tenantId]),
    ).rejects.toThrow(/foreign key/);
    await expect(sql(portico.databaseUrl, 'update tenants set fallback_team_id = $1 where id = $2', [teamB.id, a.tenantId])).rejects.toThrow(
      /foreign key/,
    );
    await expect(
      sql(
        portico.databaseUrl,
        `insert into sessions (id, tenant_id, user_id, token_hash, created_at, expires_at) values (gen_random_uuid(), $1, $2, 'x', now(), now())`,
        [a.tenantId, userB.id],
      ),
    ).rejects.toThrow(/foreign key/);
  });

  it('deleting a fallback team unsets it on the tenant only', async () => {
    const team = await portico.services.teams.create(a, 'Fallback');
    await sql(portico.databaseUrl, 'update tenants set fallback_team_id = $1 where id = $2', [team.id, a.tenantId]);
    await portico.services.teams.delete(a, team.id);
    const [tenant] = await sql(portico.databaseUrl, 'select id, fallback_team_id from tenants where id = $1', [a.tenantId]);
    expect(tenant).toEqual({ id: a.tenantId, fallback_team_id: null });
  });

  it('a SCIM token provisions users and groups and can do nothing else', async () => {
    const { token, credential } = await portico.services.credentials.generateScimToken(a);
    const actor = (await portico.services.authenticator.authenticateScim(a.tenantId, token))!;
    const scim: Scope = { actor, source: 'SCIM', requestId: 'r', tenantId: a.tenantId };
    expect((await portico.services.users.provision(scim, { userName: 'via-scim@a.example' }, 'SCIM')).source).toBe('SCIM');
    await expect(portico.services.credentials.createApiKey(scim, { name: 'x', level: 'NONE' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(portico.services.credentials.generateScimToken(scim)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(portico.services.events.list(scim, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(portico.services.teams.create(scim, 'nope')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Tenant A's token presented for tenant B is nobody there, and leaves A's token untouched.
    await sql(portico.databaseUrl, 'update credentials set last_used_at = null where id = $1', [credential.id]);
    expect(await portico.services.authenticator.authenticateScim(b.tenantId, token)).toBeNull();
    const [row] = await sql(portico.databaseUrl, 'select last_used_at from credentials where id = $1', [credential.id]);
    expect(row.last_used_at).toBeNull();
    // SCIM tokens are not GraphQL credentials.
    expect((await portico.gql(ViewerDocument, {}, { token })).status).toBe(401);
  });

  it('secrets nested in extension attributes are redacted in events', async () => {
    const user = await portico.services.users.provision(
      a,
      { userName: 'ext@a.example', extensions: { 'urn:example:custom:1.0:User': { apiToken: 'hunter2', badge: '42' } } },
      'SCIM',
    );
    const events = JSON.stringify(await sql(portico.databaseUrl, 'select changes from provisioning_events where subject_id = $1', [user.id]));
    expect(events).not.toContain('hunter2');
    expect(events).toContain('"badge":"42"');
    const stored = await sql(portico.databaseUrl, 'select extensions from users where id = $1', [user.id]);
    expect(JSON.stringify(stored)).toContain('hunter2');
  });

  it('NUL characters and out-of-range cursors are bad input, not 500s', async () => {
    const cursorOf = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const cases = [
      { query: '{ users(tenant: "tenant-a", filter: { search: "a\\u0000b" }) { totalCount } }' },
      { query: `{ users(tenant: "tenant-a", after: "${cursorOf(['\u0000'])}") { totalCount } }` },
      { query: 'mutation { createTeam(tenant: "tenant-a", name: "x\\u0000") { id } }' },
      { query: '{ provisioningEvents(tenant: "tenant-a", filter: { subjectId: "\\u0000" }) { totalCount } }' },
      { query: `{ provisioningEvents(tenant: "tenant-a", after: "${cursorOf(['9999999999999999999'])}") { totalCount } }` },
    ];
    for (const body of cases) {
      const result = await portico.rawGql(body, { token: hexOperatorToken });
      expect(errorCodes(result), body.query).toEqual(['BAD_USER_INPUT']);
    }
    await expect(portico.services.users.provision(a, { userName: 'nul\u0000@a.example' }, 'SCIM')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('an unpaged list nested under paged ones cannot hide a fan-out from the cost limit', async () => {
    const query = `{ users(tenant: "tenant-a", first: 3) { edges { node { groups { members(first: 3) { edges { node {
      groups { members(first: 3) { edges { node { groups { id } } } } } } } } } } } } }`;
    const result = await portico.rawGql({ query }, { token: hexOperatorToken });
    expect(errorCodes(result)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
