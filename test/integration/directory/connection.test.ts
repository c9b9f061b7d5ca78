import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft } from '../../fixtures/fake-microsoft';
import { tinyPng } from '../../fixtures/images';
import { codes, daysFromNow, directoryApi, directoryEnv, inputFor, provisionPeople, type DirectoryApi } from '../../helpers/directory';
import { freePort } from '../../helpers/process';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/**
 * Issue 12, acceptance 1 (the *Test connection* part) and the provider's configuration: what an admin pastes
 * is checked, and each predictable mistake gets a message that says what to do.
 */
describe('directory provider: configuration and Test connection', () => {
  let fake: FakeMicrosoft;
  let portico: TestPortico;
  let tenantNumber = 0;

  beforeAll(async () => {
    fake = await startFakeMicrosoft();
    portico = await startTestPortico(directoryEnv(fake));
  });
  afterAll(async () => {
    await portico?.stop();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  /** A fresh tenant (SCIM on) and the operator's directory operations in it. */
  const freshTenant = async (): Promise<{ slug: string; scim: ScimClient; api: DirectoryApi }> => {
    tenantNumber += 1;
    const slug = `conn-${tenantNumber}`;
    const scim = await scimTenant(portico, slug);
    return { slug, scim, api: directoryApi(portico.url, slug, { token: portico.operatorToken }) };
  };

  it('refuses a secret that is a GUID (the Secret ID, not its Value), a client ID that is no GUID, a malformed tenant ID', async () => {
    const { api } = await freshTenant();
    const secretId = await api.configureRaw(inputFor(fake, { clientSecret: randomUUID() }));
    expect(codes(secretId)).toEqual(['BAD_USER_INPUT']);
    expect(secretId.errors![0].message).toMatch(/\bID\b/);
    expect(secretId.errors![0].message).toMatch(/value/i);

    const clientId = await api.configureRaw(inputFor(fake, { clientId: 'portico-photos' }));
    expect(codes(clientId)).toEqual(['BAD_USER_INPUT']);
    expect(clientId.errors![0].message).toMatch(/client/i);

    for (const directoryTenantId of ['not a tenant!', '', 'https://login.microsoftonline.com/x']) {
      expect(codes(await api.configureRaw(inputFor(fake, { directoryTenantId }))), directoryTenantId).toEqual(['BAD_USER_INPUT']);
    }
    // Nothing was saved by the refusals.
    expect(await api.provider()).toBeNull();

    // A tenant ID or one of the directory's domain names.
    expect((await api.configure(inputFor(fake, { directoryTenantId: 'contoso.onmicrosoft.com' }))).directoryTenantId).toBe('contoso.onmicrosoft.com');
    expect((await api.test()).ok).toBe(true);
    expect((await api.configure(inputFor(fake))).directoryTenantId).toBe(fake.app.directoryTenantId);
  });

  it('shows what was configured but never the secret; configure and remove are events; the provider can be removed', async () => {
    const { api } = await freshTenant();
    const expires = daysFromNow(400);
    const configured = await api.configure(inputFor(fake, { secretExpiresAt: expires }));
    expect(configured).toMatchObject({
      directoryTenantId: fake.app.directoryTenantId,
      clientId: fake.app.clientId,
      secretExpiresAt: expires,
      lastSync: null,
    });
    expect(configured.secretExpiresInDays).toBeGreaterThanOrEqual(399);
    expect(configured.secretExpiresInDays).toBeLessThanOrEqual(400);
    expect(await api.provider()).toEqual(configured);

    const configuredEvents = await api.events(['DIRECTORY_PROVIDER_CONFIGURED']);
    expect(configuredEvents).toHaveLength(1);
    expect(configuredEvents[0]).toMatchObject({ outcome: 'SUCCESS', source: 'GRAPHQL' });

    const removed = await api.removeRaw();
    expect(removed.data?.removeDirectoryProvider).toBe(true);
    expect(await api.provider()).toBeNull();
    expect(await api.events(['DIRECTORY_PROVIDER_REMOVED'])).toHaveLength(1);
    expect((await api.removeRaw()).data?.removeDirectoryProvider).toBe(false);

    for (const answer of api.answers) expect(answer).not.toContain(fake.app.clientSecret);
  });

  it('needs ADMINISTRATOR: a VIEWER or COLLABORATOR key, and another tenant, are refused', async () => {
    const { slug, scim, api } = await freshTenant();
    await api.configure(inputFor(fake));
    const other = await freshTenant();
    const otherAdmin = (await portico.services.credentials.createApiKey(other.scim.scope, { name: 'other admin', level: 'ADMINISTRATOR' })).token;
    for (const level of ['VIEWER', 'COLLABORATOR'] as const) {
      const token = (await portico.services.credentials.createApiKey(scim.scope, { name: level, level })).token;
      const as = directoryApi(portico.url, slug, { token });
      expect(codes(await as.configureRaw(inputFor(fake))), level).toEqual(['FORBIDDEN']);
      expect(codes(await as.testRaw()), level).toEqual(['FORBIDDEN']);
      expect(codes(await as.syncRaw()), level).toEqual(['FORBIDDEN']);
      expect(codes(await as.removeRaw()), level).toEqual(['FORBIDDEN']);
      const seen = await as.providerRaw();
      expect(seen.data?.tenant?.directoryProvider ?? null, level).toBeNull();
      expect(seen.text).not.toContain(fake.app.clientId);
    }
    const foreign = directoryApi(portico.url, slug, { token: otherAdmin });
    expect(codes(await foreign.configureRaw(inputFor(fake)))).toEqual(['FORBIDDEN']);
    expect(codes(await foreign.syncRaw())).toEqual(['FORBIDDEN']);
    expect(fake.counts().tokenRequests).toBe(0);
    expect(await api.provider()).toMatchObject({ clientId: fake.app.clientId });
  });

  it('Test connection succeeds with the right values and says so', async () => {
    const { scim, api } = await freshTenant();
    await provisionPeople(scim, fake, [{ userName: 'ada@contoso.example', photo: tinyPng() }]);
    await api.configure(inputFor(fake));
    const result = await api.test();
    expect(result.ok).toBe(true);
    expect(result.message.length).toBeGreaterThan(0);
    // A token, then one Graph call that needs the photo permission.
    expect(fake.counts().tokensIssued).toBeGreaterThanOrEqual(1);
    expect(fake.log.filter((r) => r.kind === 'metadata' || r.kind === 'users' || r.kind === 'value').length).toBeGreaterThanOrEqual(1);
    expect(fake.secretsReceived).toEqual(new Set([fake.app.clientSecret]));
  });

  it('Test connection without any configuration is NOT_FOUND', async () => {
    const { api } = await freshTenant();
    expect(codes(await api.testRaw())).toEqual(['NOT_FOUND']);
  });

  describe('each mistake gets a message that says what to do', () => {
    const cases: { name: string; arrange: (fake: FakeMicrosoft) => Partial<ReturnType<typeof inputFor>>; expected: RegExp[] }[] = [
      {
        name: 'AADSTS7000215: a wrong secret (probably the Secret ID pasted for the Value)',
        arrange: () => ({ clientSecret: 'xQ8~not-the-right-value-at-all-0123456789' }),
        expected: [/secret/i, /value/i],
      },
      {
        name: 'AADSTS7000222: an expired secret',
        arrange: (f) => {
          f.expireSecret();
          return {};
        },
        expected: [/expired/i],
      },
      { name: 'AADSTS700016: an unknown client ID', arrange: () => ({ clientId: randomUUID() }), expected: [/client ID/i] },
      { name: 'AADSTS90002: an unknown tenant ID', arrange: () => ({ directoryTenantId: randomUUID() }), expected: [/tenant ID/i] },
      {
        name: 'Graph 403: the permission or its admin consent is missing',
        arrange: (f) => {
          f.setPermissions([]);
          return {};
        },
        expected: [/permission/i, /admin consent/i],
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { scim, api } = await freshTenant();
        await provisionPeople(scim, fake, [{ userName: 'ada@contoso.example', photo: tinyPng() }]);
        await api.configure(inputFor(fake, c.arrange(fake)));
        const result = await api.test();
        expect(result.ok).toBe(false);
        for (const pattern of c.expected) expect(result.message).toMatch(pattern);
        // The message is Portico's advice, never the secret.
        expect(result.message).not.toContain(fake.app.clientSecret);
      });
    }
  });

  it('with only ProfilePhoto.Read.All (no User.Read.All) the connection is fine', async () => {
    const { scim, api } = await freshTenant();
    await provisionPeople(scim, fake, [{ userName: 'ada@contoso.example', photo: tinyPng() }]);
    fake.setPermissions(['ProfilePhoto.Read.All']);
    await api.configure(inputFor(fake));
    const result = await api.test();
    expect(result, result.message).toMatchObject({ ok: true });
  });

  it('with only ProfilePhoto.Read.All the connection is fine even before any user is provisioned', async () => {
    // The issue allows either permission; listing users needs User.Read.All, reading a photo does not: a test that
    // lists users when Portico has none yet would tell this admin a permission is missing when it is not.
    const { api } = await freshTenant();
    fake.addUser({ userPrincipalName: 'someone@contoso.example', photo: tinyPng() });
    fake.setPermissions(['ProfilePhoto.Read.All']);
    await api.configure(inputFor(fake));
    const result = await api.test();
    expect(result, result.message).toMatchObject({ ok: true });
  });

  describe('what could not be reached', () => {
    const withClosedPort = async (which: 'PORTICO_LOGIN_URL' | 'PORTICO_GRAPH_URL', check: (message: string, host: string) => void) => {
      const port = await freePort();
      const closed = `http://127.0.0.1:${port}`;
      const isolated = await startTestPortico(directoryEnv(fake, { [which]: which === 'PORTICO_LOGIN_URL' ? `${closed}/login` : `${closed}/graph` }));
      try {
        const scim = await scimTenant(isolated, 'unreachable');
        await provisionPeople(scim, fake, [{ userName: 'ada@contoso.example', photo: tinyPng() }]);
        const api = directoryApi(isolated.url, 'unreachable', { token: isolated.operatorToken });
        await api.configure(inputFor(fake));
        const started = Date.now();
        const result = await api.test();
        expect(result.ok).toBe(false);
        expect(Date.now() - started).toBeLessThan(10_000);
        check(result.message, '127.0.0.1');
      } finally {
        await isolated.stop();
      }
    };

    it('the login endpoint', async () => {
      await withClosedPort('PORTICO_LOGIN_URL', (message, host) => {
        expect(message).toMatch(/could not reach/i);
        expect(message).toContain(host);
      });
    });

    it('Microsoft Graph', async () => {
      await withClosedPort('PORTICO_GRAPH_URL', (message, host) => {
        expect(message).toMatch(/could not reach/i);
        expect(message).toContain(host);
      });
      // The login endpoint was reached: the token came from the fake.
      expect(fake.counts().tokensIssued).toBeGreaterThanOrEqual(1);
    });
  });
});
