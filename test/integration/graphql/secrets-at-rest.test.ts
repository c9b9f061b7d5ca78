import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  EnableScimDocument,
  GenerateScimTokenDocument,
  ProvisioningEventsDocument,
  RevokeApiKeyDocument,
  RevokeScimTokenDocument,
  ScimSettingsDocument,
  SignOutDocument,
  ViewerDocument,
} from '../../generated/graphql';
import { sql } from '../../helpers/database';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** Acceptance 5: no raw token is stored; the SCIM token is returned once and never again. */
describe('credentials at rest', () => {
  let portico: TestPortico;
  const issued: string[] = [];

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_OPERATOR_TOKEN: '', PORTICO_GRAPHQL_INTROSPECTION: 'true' });
    await createTenant(portico, 'acme');
  });
  afterAll(() => portico?.stop());

  /** Every text column of every credential-bearing table, and every event. */
  const everythingStored = async () =>
    JSON.stringify([
      await sql(portico.databaseUrl, 'select * from credentials'),
      await sql(portico.databaseUrl, 'select * from sessions'),
      await sql(portico.databaseUrl, 'select * from provisioning_events'),
    ]);

  it('generates an operator token on first start and stores only its hash', async () => {
    const token = portico.generatedOperatorToken!;
    expect(token).toMatch(/^pto_/);
    issued.push(token);
    const viewer = await portico.gql(ViewerDocument, {}, { token });
    expect(viewer.data?.viewer.kind).toBe('OPERATOR');
    // A second start on the same database prints nothing new.
    expect(await portico.services.authenticator.ensureOperatorToken()).toBeNull();
  });

  it('returns the SCIM token once, with the tenant URL; settings show only its prefix', async () => {
    const op = { token: portico.generatedOperatorToken! };
    await portico.gql(EnableScimDocument, { tenant: 'acme' }, op);
    const generated = await portico.gql(GenerateScimTokenDocument, { tenant: 'acme' }, op);
    const { token, baseUrl } = generated.data!.generateScimToken;
    issued.push(token);
    expect(baseUrl).toBe('https://portico.test/api/acme/scim/v2');
    expect(token.length).toBeGreaterThan(40);

    const settings = await portico.gql(ScimSettingsDocument, { tenant: 'acme' }, op);
    expect(settings.data?.scimSettings).toMatchObject({ enabled: true, baseUrl });
    const prefix = settings.data!.scimSettings.tokenPrefix!;
    expect(token.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeLessThan(16);
    expect(JSON.stringify(settings)).not.toContain(token);

    const events = await portico.gql(ProvisioningEventsDocument, { tenant: 'acme' }, op);
    expect(JSON.stringify(events)).not.toContain(token);
    // No query of the schema can return a stored token: there is no field for it.
    const introspection = await portico.rawGql({ query: '{ __type(name: "ScimSettings") { fields { name } } }' }, op);
    expect(introspection.data).toMatchObject({ __type: { fields: expect.arrayContaining([{ name: 'tokenPrefix' }]) } });
    expect(JSON.stringify(introspection)).not.toMatch(/"token"|tokenHash/);
  });

  it('a new SCIM token revokes the previous one, or after a grace period', async () => {
    const op = { token: portico.generatedOperatorToken! };
    const scope = await portico.services.tenants.scopeFor(
      { actor: { kind: 'OPERATOR', id: null, label: 'op', tenantId: null, level: 'ADMINISTRATOR' }, source: 'SYSTEM', requestId: 't' },
      'acme',
    );
    const first = (await portico.gql(GenerateScimTokenDocument, { tenant: 'acme' }, op)).data!.generateScimToken.token;
    const second = (await portico.gql(GenerateScimTokenDocument, { tenant: 'acme', graceSeconds: 3600 }, op)).data!.generateScimToken.token;
    issued.push(first, second);
    // With a grace period both work for now.
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, first)).not.toBeNull();
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, second)).not.toBeNull();
    // Without one the previous token stops at once.
    const third = (await portico.gql(GenerateScimTokenDocument, { tenant: 'acme' }, op)).data!.generateScimToken.token;
    issued.push(third);
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, first)).toBeNull();
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, second)).toBeNull();
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, third)).not.toBeNull();
    // A grace period longer than a week is refused.
    const tooLong = await portico.gql(GenerateScimTokenDocument, { tenant: 'acme', graceSeconds: 30 * 24 * 3600 }, op);
    expect(errorCodes(tooLong)).toEqual(['BAD_USER_INPUT']);
    // Revoking ends it.
    const revoked = await portico.gql(RevokeScimTokenDocument, { tenant: 'acme' }, op);
    expect(revoked.data?.revokeScimToken.tokenPrefix).toBeNull();
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, third)).toBeNull();
  });

  it('API keys are shown once, carry a level, and stop working when revoked', async () => {
    const op = { token: portico.generatedOperatorToken! };
    const created = await portico.gql(CreateApiKeyDocument, { tenant: 'acme', input: { name: 'reporting', level: 'VIEWER' } }, op);
    const { token, apiKey } = created.data!.createApiKey;
    issued.push(token);
    expect(apiKey).toMatchObject({ name: 'reporting', level: 'VIEWER' });
    expect((await portico.gql(ViewerDocument, {}, { token })).data?.viewer).toMatchObject({ kind: 'API_KEY', level: 'VIEWER' });

    const listed = await portico.gql(ApiKeysDocument, { tenant: 'acme' }, op);
    expect(JSON.stringify(listed)).not.toContain(token);
    // A VIEWER key may not mint an ADMINISTRATOR key.
    const escalation = await portico.gql(CreateApiKeyDocument, { input: { name: 'root', level: 'ADMINISTRATOR' } }, { token });
    expect(errorCodes(escalation)).toEqual(['FORBIDDEN']);

    await portico.gql(RevokeApiKeyDocument, { tenant: 'acme', id: apiKey.id }, op);
    const after = await portico.gql(ViewerDocument, {}, { token });
    expect(after.status).toBe(401);
    expect(errorCodes(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('sessions are stored hashed, end on sign-out and on deactivation', async () => {
    const scope = await portico.services.tenants.scopeFor(
      { actor: { kind: 'OPERATOR', id: null, label: 'op', tenantId: null, level: 'ADMINISTRATOR' }, source: 'SYSTEM', requestId: 't' },
      'acme',
    );
    const user = await portico.services.users.provision(scope, { userName: 'carol@acme.example' }, 'SCIM');
    const one = await portico.services.sessions.open(scope, user.id);
    const two = await portico.services.sessions.open(scope, user.id);
    issued.push(one.token, two.token);

    expect((await portico.gql(SignOutDocument, {}, { token: one.token })).data?.signOut).toBe(true);
    expect((await portico.gql(ViewerDocument, {}, { token: one.token })).status).toBe(401);
    expect((await portico.gql(ViewerDocument, {}, { token: two.token })).data?.viewer.kind).toBe('USER');

    await portico.services.users.update(scope, user.id, { active: false });
    expect((await portico.gql(ViewerDocument, {}, { token: two.token })).status).toBe(401);
    const [row] = await sql(portico.databaseUrl, 'select count(*)::int as live from sessions where user_id = $1 and revoked_at is null', [user.id]);
    expect(row.live).toBe(0);
  });

  it('no raw token appears anywhere in the stored rows', async () => {
    expect(issued.length).toBeGreaterThanOrEqual(8);
    const stored = await everythingStored();
    for (const token of issued) expect(stored).not.toContain(token);
    const hashes = await sql<{ token_hash: string }>(portico.databaseUrl, 'select token_hash from credentials union all select token_hash from sessions');
    for (const { token_hash } of hashes) expect(token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
