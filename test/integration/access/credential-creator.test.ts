import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CACHE_TTL_MS } from '../../../src/domain/credentials/auth-cache';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateTeamDocument,
  GenerateScimTokenDocument,
  ScimSettingsDocument,
  SetGroupMappingDocument,
  UsersDocument,
  ViewerDocument,
} from '../../generated/graphql';
import { sql } from '../../helpers/database';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimClient, scimTenant, type ScimClient } from '../../helpers/scim';

/** Other processes see a change once their cached verification expires: the bound every check waits for. */
const WITHIN_CACHE = { timeout: AUTH_CACHE_TTL_MS + 3_000, interval: 250 };

/**
 * Issue 11, finding 3: a credential never outlives, nor outranks, the person who made it.
 * Each case: Entra provisions an administrator (member of "Admins", mapped to ADMINISTRATOR), who signs in and
 * mints an API key and a SCIM token; then Entra (or a mapping change) takes that away.
 */
describe('credentials follow the user who made them', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startTestPortico();
  });
  afterAll(() => portico?.stop());

  interface Minted {
    entra: ScimClient;
    adminId: string;
    groupId: string;
    apiKey: string;
    scimToken: ScimClient;
    operatorKey: string;
  }

  /** A tenant whose administrator (signed in) minted an API key and a SCIM token, plus an operator-made key. */
  async function adminWithCredentials(slug: string): Promise<Minted> {
    const entra = await scimTenant(portico, slug);
    const admin = await entra.post('/Users', { userName: `admin@${slug}.example`, active: true });
    expect(admin.status).toBe(201);
    const group = await entra.post('/Groups', { displayName: 'Admins', members: [{ value: admin.body.id }] });
    expect(group.status).toBe(201);
    const mapped = await portico.gql(SetGroupMappingDocument, { tenant: slug, groupId: group.body.id, input: { globalLevel: 'ADMINISTRATOR', teams: [] } });
    expect(mapped.errors).toBeUndefined();
    const session = (await portico.services.sessions.open(entra.scope, admin.body.id)).token;

    const key = await portico.gql(CreateApiKeyDocument, { input: { name: 'ci', level: 'ADMINISTRATOR' } }, { token: session });
    expect(key.errors).toBeUndefined();
    // A grace period keeps the operator's token working as "Entra" for the rest of the test.
    const scim = await portico.gql(GenerateScimTokenDocument, { graceSeconds: 3600 }, { token: session });
    expect(scim.errors).toBeUndefined();
    const operatorKey = await portico.gql(CreateApiKeyDocument, { tenant: slug, input: { name: 'ops', level: 'ADMINISTRATOR' } });
    expect(operatorKey.errors).toBeUndefined();

    const minted: Minted = {
      entra,
      adminId: admin.body.id,
      groupId: group.body.id,
      apiKey: key.data!.createApiKey.token,
      scimToken: scimClient(portico, slug, scim.data!.generateScimToken.token, entra.scope),
      operatorKey: operatorKey.data!.createApiKey.token,
    };
    // Both work now (and are cached as verified).
    expect(await levelOf(minted.apiKey)).toBe('ADMINISTRATOR');
    expect((await minted.scimToken.get('/Users')).status).toBe(200);
    return minted;
  }

  const levelOf = async (token: string) => {
    const result = await portico.gql(ViewerDocument, {}, { token });
    return result.errors ? errorCodes(result)[0] : result.data!.viewer.level;
  };
  const scimStatus = async (client: ScimClient) => (await client.get('/Users')).status;

  async function expectRefusedEverywhere(minted: Minted): Promise<void> {
    await expect.poll(() => levelOf(minted.apiKey), WITHIN_CACHE).toBe('UNAUTHENTICATED');
    await expect.poll(() => scimStatus(minted.scimToken), WITHIN_CACHE).toBe(401);
    const refused = await minted.scimToken.get('/Users');
    expect(refused.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    // What the operator made does not depend on that administrator.
    expect(await levelOf(minted.operatorKey)).toBe('ADMINISTRATOR');
  }

  it('GraphQL shows who made each credential; the operator\'s have no creator', async () => {
    const minted = await adminWithCredentials('creator-shown');
    const keys = await portico.gql(ApiKeysDocument, { tenant: 'creator-shown' });
    expect(keys.errors).toBeUndefined();
    const byName = new Map(keys.data!.apiKeys.map((k) => [k.name, k]));
    expect(byName.get('ci')).toMatchObject({
      createdByLabel: 'admin@creator-shown.example',
      createdBy: { id: minted.adminId, userName: 'admin@creator-shown.example' },
    });
    expect(byName.get('ops')).toMatchObject({ createdBy: null });
    const settings = await portico.gql(ScimSettingsDocument, { tenant: 'creator-shown' });
    expect(settings.data!.scimSettings).toMatchObject({
      tokenCreatedByLabel: 'admin@creator-shown.example',
      tokenCreatedBy: { id: minted.adminId },
    });
  });

  it('(a) deactivating the creator through SCIM active:false stops their API key and SCIM token', async () => {
    const minted = await adminWithCredentials('creator-deactivated');
    const patched = await minted.entra.patch(`/Users/${minted.adminId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patched.status).toBe(200);
    await expectRefusedEverywhere(minted);
  });

  it('(b) deleting the creator stops their credentials, and a key minted by their key too', async () => {
    const minted = await adminWithCredentials('creator-deleted');
    // Minting through the creator's key does not launder it: the new key answers to the same person.
    const laundered = await portico.gql(CreateApiKeyDocument, { input: { name: 'via key', level: 'ADMINISTRATOR' } }, { token: minted.apiKey });
    expect(laundered.errors).toBeUndefined();
    const launderedKey = laundered.data!.createApiKey.token;
    const keys = await portico.gql(ApiKeysDocument, { tenant: 'creator-deleted' });
    expect(keys.data!.apiKeys.find((k) => k.name === 'via key')).toMatchObject({
      createdByLabel: 'API key "ci"',
      createdBy: { id: minted.adminId },
    });

    expect((await minted.entra.delete(`/Users/${minted.adminId}`)).status).toBe(204);
    await expectRefusedEverywhere(minted);
    await expect.poll(() => levelOf(launderedKey), WITHIN_CACHE).toBe('UNAUTHENTICATED');
    // The creator stays named after the deletion, for the audit.
    const after = await portico.gql(ApiKeysDocument, { tenant: 'creator-deleted' });
    expect(after.data!.apiKeys.find((k) => k.name === 'ci')).toMatchObject({ createdBy: null, createdByLabel: 'admin@creator-deleted.example' });
  });

  it('(c) demoting the creator caps their API key at their level and refuses their SCIM token; (d) promoting restores both', async () => {
    const minted = await adminWithCredentials('creator-demoted');
    const setAdminsTo = async (globalLevel: 'VIEWER' | 'ADMINISTRATOR') => {
      const result = await portico.gql(SetGroupMappingDocument, { tenant: 'creator-demoted', groupId: minted.groupId, input: { globalLevel, teams: [] } });
      expect(result.errors).toBeUndefined();
    };

    await setAdminsTo('VIEWER');
    await expect.poll(() => levelOf(minted.apiKey), WITHIN_CACHE).toBe('VIEWER');
    expect(errorCodes(await portico.gql(CreateTeamDocument, { name: 'Demoted' }, { token: minted.apiKey }))).toEqual(['FORBIDDEN']);
    const read = await portico.gql(UsersDocument, {}, { token: minted.apiKey });
    expect(read.errors).toBeUndefined();
    expect(read.data!.users.totalCount).toBe(1);
    await expect.poll(() => scimStatus(minted.scimToken), WITHIN_CACHE).toBe(401);
    expect((await minted.scimToken.get('/Users')).body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    // The administrators' log says why Entra is refused, and what to do (the caller learns only that it failed).
    const [rejected] = await sql<{ error: string }>(
      portico.databaseUrl,
      `select e.error from provisioning_events e join tenants t on t.id = e.tenant_id
        where t.slug = 'creator-demoted' and e.type = 'SCIM_REQUEST_REJECTED' order by e.id desc limit 1`,
    );
    expect(rejected.error).toMatch(/made by admin@creator-demoted\.example, who is no longer an ADMINISTRATOR: an administrator must generate a new SCIM token/);
    expect(await levelOf(minted.operatorKey)).toBe('ADMINISTRATOR');

    await setAdminsTo('ADMINISTRATOR');
    await expect.poll(() => levelOf(minted.apiKey), WITHIN_CACHE).toBe('ADMINISTRATOR');
    expect((await portico.gql(CreateTeamDocument, { name: 'Promoted' }, { token: minted.apiKey })).errors).toBeUndefined();
    await expect.poll(() => scimStatus(minted.scimToken), WITHIN_CACHE).toBe(200);
  });
});
