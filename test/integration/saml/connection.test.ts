import { createServer, type Server } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigureSamlDocument, CreateApiKeyDocument, RefreshSamlMetadataDocument, SamlSettingsDocument, ViewerDocument } from '../../generated/graphql';
import { entraUser } from '../../fixtures/entra';
import { certificateBody, createTestIdp, federationMetadataXml, logoutRequestPost, logoutRequestQuery, signInResponseXml, withNewCertificate, type TestIdp } from '../../fixtures/saml-idp';
import { sql } from '../../helpers/database';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { PUBLIC_URL, samlTenant, sessionCount, type SamlTenant } from '../../helpers/saml';
import { systemActor } from '../../../src/domain/shared/scope';
import { startMetadataRefresh } from '../../../src/saml/metadata-refresh';
import { scimTenant } from '../../helpers/scim';

/** A stand-in for login.microsoftonline.com's federation metadata endpoint; `answer` decides each reply. */
async function metadataServer(): Promise<{ url: string; answer: { status: number; body: string }; close(): Promise<void> }> {
  const state = { status: 200, body: '' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(state.status, { 'content-type': 'application/xml' }).end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/federationmetadata/2007-06/federationmetadata.xml?appid=portico`,
    answer: state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Issue 5, acceptance 3 (metadata, rollover, refresh failure), SP metadata, settings, logout and open redirects. */
describe('SAML connection', () => {
  let portico: TestPortico;
  let entra: Awaited<ReturnType<typeof metadataServer>>;

  beforeAll(async () => {
    // The stand-in metadata server is plain http on loopback: allowed only with the insecure switch.
    portico = await startTestPortico({ PORTICO_SAML_METADATA_INSECURE: 'true' });
    entra = await metadataServer();
  }, 60_000);

  afterAll(async () => {
    await entra?.close();
    await portico?.stop();
  });

  const settingsOf = async (tenant: string) => {
    const result = await portico.gql(SamlSettingsDocument, { tenant });
    expect(result.errors).toBeUndefined();
    return result.data!.samlSettings;
  };

  describe('metadata', () => {
    let idp: TestIdp;
    let tenant: SamlTenant;

    beforeAll(async () => {
      tenant = await samlTenant(portico, 'northwind', { idpInitiatedSignIn: true });
      await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: 'nina@northwind.com' }) });
      idp = tenant.idp;
    });

    it('SP values and the SP metadata exist before the IdP is configured', async () => {
      await scimTenant(portico, 'fresh-corp');
      const settings = await settingsOf('fresh-corp');
      expect(settings).toMatchObject({
        configured: false,
        spEntityId: `${PUBLIC_URL}/api/fresh-corp/saml/metadata`,
        acsUrl: `${PUBLIC_URL}/api/fresh-corp/saml/acs`,
        loginUrl: `${PUBLIC_URL}/api/fresh-corp/saml/login`,
        logoutUrl: `${PUBLIC_URL}/api/fresh-corp/saml/logout`,
        metadataUrl: `${PUBLIC_URL}/api/fresh-corp/saml/metadata`,
        idpCertificates: [],
      });
      const answer = await fetch(`${portico.url}/api/fresh-corp/saml/metadata`);
      expect(answer.status).toBe(200);
      const xml = await answer.text();
      expect(xml).toContain(`entityID="${settings.spEntityId}"`);
      expect(xml).toContain(`Location="${settings.acsUrl}"`);
      expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
      expect(xml).toContain(`Location="${settings.logoutUrl}"`);
      expect(xml).toMatch(/<ds:X509Certificate>[A-Za-z0-9+/=\s]+<\/ds:X509Certificate>/);
      // The SP key pair is stored sealed: no PEM private key in the row.
      const [row] = await sql<{ sealed: string }>(portico.databaseUrl, `select sp_private_key_encrypted as sealed from saml_connections c join tenants t on t.id = c.tenant_id where t.slug = 'fresh-corp'`);
      expect(row.sealed).toMatch(/^v1:/);
      expect(row.sealed).not.toContain('PRIVATE KEY');
    });

    it('imports Entra federation metadata XML: entity ID, SSO/SLO URLs, every listed certificate with its expiry', async () => {
      const settings = await settingsOf('northwind');
      expect(settings).toMatchObject({ configured: true, idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, idpSloUrl: idp.sloUrl, idpMetadataUrl: null });
      expect(settings.idpCertificates).toHaveLength(1);
      expect(new Date(settings.idpCertificates[0].notAfter).getTime()).toBeGreaterThan(Date.now());
    });

    it('imports from a metadata URL and refreshes it; a failed refresh keeps the last good configuration', async () => {
      entra.answer.status = 200;
      entra.answer.body = federationMetadataXml(idp);
      const configured = await portico.gql(ConfigureSamlDocument, { tenant: 'northwind', input: { metadataUrl: entra.url } });
      expect(configured.errors).toBeUndefined();
      expect(configured.data!.configureSaml).toMatchObject({ idpMetadataUrl: entra.url, idpEntityId: idp.entityId, metadataRefreshError: null });
      expect(configured.data!.configureSaml.metadataRefreshedAt).toBeTruthy();

      // Entra is down: the refresh fails, the trusted certificate stays, sign-in still works.
      entra.answer.status = 503;
      entra.answer.body = 'Service Unavailable';
      const failed = await portico.gql(RefreshSamlMetadataDocument, { tenant: 'northwind' });
      expect(failed.errors).toBeUndefined();
      expect(failed.data!.refreshSamlMetadata).toMatchObject({ idpEntityId: idp.entityId, metadataRefreshError: expect.stringContaining('503') });
      expect(failed.data!.refreshSamlMetadata.idpCertificates).toEqual(configured.data!.configureSaml.idpCertificates);
      expect((await tenant.signIn('nina@northwind.com')).session).toBeTruthy();

      // Garbage where metadata should be: the same.
      entra.answer.status = 200;
      entra.answer.body = '<html>maintenance</html>';
      const garbage = await portico.gql(RefreshSamlMetadataDocument, { tenant: 'northwind' });
      expect(garbage.data!.refreshSamlMetadata.metadataRefreshError).toMatch(/EntityDescriptor/);
      expect((await tenant.signIn('nina@northwind.com')).session).toBeTruthy();

      const events = await sql<{ outcome: string }>(
        portico.databaseUrl,
        `select e.outcome from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'northwind' and e.type = 'SAML_CONFIGURED' and e.outcome = 'FAILURE'`,
      );
      expect(events).toHaveLength(2);
    });

    it('the schedule refreshes every due tenant through the same path, failing ones included', async () => {
      entra.answer.status = 200;
      entra.answer.body = federationMetadataXml(idp);
      const system = { actor: systemActor('test'), source: 'SYSTEM' as const, requestId: 'schedule-test' };
      expect(await portico.services.saml.metadataDue(system, new Date(Date.now() + 1000))).toContain('northwind');
      const before = await settingsOf('northwind');
      const stop = startMetadataRefresh({ services: portico.services, logger: portico.logger, maxAgeMs: 1, checkEveryMs: 50 });
      try {
        await expect.poll(async () => (await settingsOf('northwind')).metadataRefreshedAt, { timeout: 5_000 }).not.toBe(before.metadataRefreshedAt);
      } finally {
        stop();
      }
      expect((await settingsOf('northwind')).metadataRefreshError).toBeNull();
      // Just tried: not due again before its age is up.
      expect(await portico.services.saml.metadataDue(system, new Date(Date.now() - 60_000))).not.toContain('northwind');
    });

    it('certificate rollover: old and new listed, both trusted; then the old one dropped', async () => {
      const rolled = withNewCertificate(idp);
      entra.answer.status = 200;
      entra.answer.body = federationMetadataXml(rolled, [idp.certificatePem, rolled.certificatePem]);
      const refreshed = await portico.gql(RefreshSamlMetadataDocument, { tenant: 'northwind' });
      expect(refreshed.data!.refreshSamlMetadata).toMatchObject({ metadataRefreshError: null });
      expect(refreshed.data!.refreshSamlMetadata.idpCertificates).toHaveLength(2);

      const signedWith = (key: TestIdp) => tenant.postXml(signInResponseXml(key, tenant.response('nina@northwind.com')));
      expect((await signedWith(rolled)).session).toBeTruthy();
      expect((await signedWith(idp)).session).toBeTruthy();

      entra.answer.body = federationMetadataXml(rolled, [rolled.certificatePem]);
      await portico.gql(RefreshSamlMetadataDocument, { tenant: 'northwind' });
      expect((await settingsOf('northwind')).idpCertificates).toHaveLength(1);
      expect((await signedWith(rolled)).session).toBeTruthy();
      expect((await signedWith(idp)).error).toBe('INVALID_RESPONSE');
    });

    it('manual configuration: entity ID, SSO URL and certificates (PEM or bare base64)', async () => {
      await scimTenant(portico, 'manual-corp');
      const manual = createTestIdp();
      const result = await portico.gql(ConfigureSamlDocument, {
        tenant: 'manual-corp',
        input: { idpEntityId: manual.entityId, ssoUrl: manual.ssoUrl, certificates: [certificateBody(manual.certificatePem)] },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!.configureSaml).toMatchObject({ configured: true, idpEntityId: manual.entityId, idpSloUrl: null });
    });

    it.each([
      ['two ways at once', { metadataXml: '<x/>', metadataUrl: 'https://login.microsoftonline.com/x' }],
      ['nothing', {}],
      ['a certificate that is not one', { idpEntityId: 'https://idp.example', ssoUrl: 'https://idp.example/sso', certificates: ['bm90IGEgY2VydA=='] }],
      ['no certificate', { idpEntityId: 'https://idp.example', ssoUrl: 'https://idp.example/sso', certificates: [] }],
      ['an SSO URL that is not http(s)', { idpEntityId: 'https://idp.example', ssoUrl: 'javascript:alert(1)', certificates: [certificateBody(createTestIdp().certificatePem)] }],
      ['metadata with a DOCTYPE', { metadataXml: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' }],
      ['metadata that is not XML', { metadataXml: 'hello' }],
      ['metadata of a service provider', { metadataXml: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><SPSSODescriptor/></EntityDescriptor>' }],
      ['a metadata URL that answers 404', { metadataUrl: 'http://127.0.0.1:9/nothing-listens-here' }],
    ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_label, input) => {
      const before = await settingsOf('northwind');
      const result = await portico.gql(ConfigureSamlDocument, { tenant: 'northwind', input });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.status).toBeLessThan(500);
      expect(await settingsOf('northwind')).toEqual(before);
    });

    it('only an administrator configures SAML', async () => {
      const key = await portico.gql(CreateApiKeyDocument, { tenant: 'northwind', input: { name: 'ci', level: 'COLLABORATOR' } });
      const token = key.data!.createApiKey.token;
      const result = await portico.gql(ConfigureSamlDocument, { input: { metadataXml: federationMetadataXml(createTestIdp()) } }, { token });
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
      expect(errorCodes(await portico.gql(SamlSettingsDocument, {}, { token }))).toEqual(['FORBIDDEN']);
    });
  });

  describe('logout and redirects', () => {
    let tenant: SamlTenant;
    const user = 'lou@logout.example';

    beforeAll(async () => {
      tenant = await samlTenant(portico, 'logout-corp', { idpInitiatedSignIn: true });
      await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: user }) });
    });

    const viewer = async (session: string) => (await portico.gql(ViewerDocument, {}, { token: null, cookie: `portico_session=${session}` })).data?.viewer ?? null;

    it('SP-initiated logout ends the session and sends a LogoutRequest to the IdP', async () => {
      const { session } = await tenant.signIn(user);
      const answer = await fetch(`${portico.url}/api/logout-corp/saml/logout?returnTo=/bye`, { headers: { cookie: `portico_session=${session}` }, redirect: 'manual' });
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(tenant.idp.sloUrl);
      const logoutRequest = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      // The user is named as Entra named them at sign-in, NameID format included.
      expect(logoutRequest).toMatch(new RegExp(`<saml:NameID[^>]*Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"[^>]*>${user}</saml:NameID>`));
      expect(location.searchParams.get('RelayState')).toBe('/bye');
      expect(answer.headers.getSetCookie().join()).toMatch(/portico_session=;/);
      expect(await viewer(session!)).toBeNull();
    });

    it('an IdP-sent, signed LogoutRequest ends the sessions of that NameID', async () => {
      const first = await tenant.signIn(user);
      const second = await tenant.signIn(user);
      const query = logoutRequestQuery(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: user, relayState: 'r1' });
      const answer = await fetch(`${portico.url}/api/logout-corp/saml/logout?${query}`, { redirect: 'manual' });
      expect(answer.status).toBe(302);
      expect(new URL(answer.headers.get('location')!).searchParams.get('SAMLResponse')).toBeTruthy();
      expect(await viewer(first.session!)).toBeNull();
      expect(await viewer(second.session!)).toBeNull();
    });

    it('an IdP LogoutRequest over the HTTP-POST binding (the one the SP metadata lists) ends the sessions; unsigned or foreign-signed ones end nothing', async () => {
      const post = (samlRequest: string) =>
        fetch(`${portico.url}/api/logout-corp/saml/logout`, {
          method: 'POST',
          body: new URLSearchParams({ SAMLRequest: samlRequest, RelayState: 'r2' }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          redirect: 'manual',
        });
      const { session } = await tenant.signIn(user);
      const stranger = withNewCertificate(tenant.idp);
      for (const refused of [
        logoutRequestPost(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: user, sign: false }),
        logoutRequestPost(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: user, signingKey: stranger }),
      ]) {
        expect((await post(refused)).status).toBe(401);
      }
      expect(await viewer(session!)).not.toBeNull();
      const answer = await post(logoutRequestPost(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: user }));
      expect(answer.status).toBe(302);
      expect(new URL(answer.headers.get('location')!).searchParams.get('SAMLResponse')).toBeTruthy();
      expect(await viewer(session!)).toBeNull();
    });

    it('an unsigned or foreign-signed LogoutRequest ends nothing', async () => {
      const { session } = await tenant.signIn(user);
      const live = await sessionCount(portico, 'logout-corp');
      const signed = logoutRequestQuery(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: user });
      const unsigned = signed.replace(/&Signature=[^&]*/, '');
      const foreign = logoutRequestQuery(withNewCertificate(tenant.idp), { destination: tenant.urls.logoutUrl, nameId: user });
      for (const query of [unsigned, foreign]) {
        const answer = await fetch(`${portico.url}/api/logout-corp/saml/logout?${query}`, { redirect: 'manual' });
        expect(answer.status).toBe(401);
      }
      expect(await sessionCount(portico, 'logout-corp')).toBe(live);
      expect(await viewer(session!)).not.toBeNull();
    });

    it.each(['https://evil.example/phish', '//evil.example', '/\\evil.example', 'javascript:alert(1)'])(
      'RelayState %s redirects to / after sign-in',
      async (relayState) => {
        const result = await tenant.signIn(user, {}, relayState);
        expect(result.session).toBeTruthy();
        expect(result.location).toBe('/');
      },
    );

    it('login?returnTo= never carries an off-site target to the IdP', async () => {
      expect((await tenant.startLogin('https://evil.example/')).relayState).toBe('/');
      expect((await tenant.startLogin('//evil.example/')).relayState).toBe('/');
      expect((await tenant.startLogin('/teams?x=1')).relayState).toBe('/teams?x=1');
    });
  });
});
