import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigureSamlDocument } from '../../generated/graphql';
import { entraUser } from '../../fixtures/entra';
import { federationMetadataXml, logoutRequestQuery, signInResponseXml } from '../../fixtures/saml-idp';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { postAcs, samlTenant, sessionCount, signInEvents, type SamlTenant } from '../../helpers/saml';

/** Regressions for the findings of the SAML security review (each one was demonstrated against the first version). */
describe('SAML review regressions', () => {
  let portico: TestPortico;
  let tenant: SamlTenant;
  const kate = 'kate@review.example';

  beforeAll(async () => {
    // No per-address limit here: the ACS flood below stands for one from many addresses (the per-tenant budget).
    portico = await startTestPortico({ PORTICO_SAML_RATE_PER_SECOND: '0' });
    tenant = await samlTenant(portico, 'review', { idpInitiatedSignIn: true });
    await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: kate }) });
    await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: 'ceo@review.example' }) });
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('a flat response with 30,000 sibling elements is refused at once, not after minutes of XPath', async () => {
    const bomb = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_b" Version="2.0" IssueInstant="${new Date().toISOString()}">` +
      `<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a">${'<a/>'.repeat(30_000)}</Assertion></samlp:Response>`;
    const started = Date.now();
    const result = await tenant.postXml(bomb);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.error).toBe('INVALID_RESPONSE');
    expect((await signInEvents(portico, 'review')).at(-1)?.error).toMatch(/more than 500 children/);
    expect((await fetch(`${portico.url}/healthz`)).status).toBe(200);
  });

  it('an IdP-initiated response posted after its 5-minute bearer window is refused, so it cannot be replayed for an hour', async () => {
    const issued = new Date(Date.now() - 8 * 60_000);
    const late = await tenant.signIn(kate, { now: issued });
    expect(late.error).toBe('INVALID_RESPONSE');
    expect((await signInEvents(portico, 'review')).at(-1)?.error).toMatch(/expired/);
    // Inside the window it works once, and only once.
    const xml = signInResponseXml(tenant.idp, tenant.response(kate, { now: new Date(Date.now() - 4 * 60_000) }));
    expect((await tenant.postXml(xml)).session).toBeTruthy();
    expect((await tenant.postXml(xml)).error).toBe('ASSERTION_REPLAYED');
  });

  it('a forged LogoutRequest cannot borrow a genuine signature through encoded or repeated keys', async () => {
    const { session } = await tenant.signIn('ceo@review.example');
    const live = await sessionCount(portico, 'review');
    const genuine = logoutRequestQuery(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: kate });
    const forged = logoutRequestQuery(tenant.idp, { destination: tenant.urls.logoutUrl, nameId: 'ceo@review.example' })
      .replace('SAMLRequest=', 'SAML%52equest=')
      .replace(/&Signature=[^&]*/, '');
    const filler = Array.from({ length: 1000 }, (_, i) => `f${i}=1`).join('&');
    for (const query of [`${forged}&${filler}&${genuine}`, `${forged}&${genuine}`, `${genuine}&SAMLRequest=x`]) {
      const answer = await fetch(`${portico.url}/api/review/saml/logout?${query}`, { redirect: 'manual' });
      expect(answer.status).toBe(401);
    }
    expect(await sessionCount(portico, 'review')).toBe(live);
    expect(session).toBeTruthy();
  });

  it('login CSRF: a response to a sign-in started in another browser is refused; the starting browser still signs in', async () => {
    const login = await tenant.startLogin('/');
    expect(login.cookie).toMatch(/^portico_saml_/);
    const xml = signInResponseXml(tenant.idp, tenant.response(kate, { inResponseTo: login.requestId }));
    const encoded = Buffer.from(xml).toString('base64');
    const victim = await postAcs(portico, 'review', encoded);
    expect(victim.session).toBeNull();
    expect(victim.error).toBe('OTHER_BROWSER');
    const wrongCookie = await postAcs(portico, 'review', encoded, undefined, `portico_saml_${login.requestId}=forged`);
    expect(wrongCookie.error).toBe('OTHER_BROWSER');
    const starter = await postAcs(portico, 'review', encoded, undefined, login.cookie!);
    expect(starter.session).toBeTruthy();
  });

  it('a look-alike NameID (Kelvin sign for K) does not sign in the ASCII user', async () => {
    const result = await tenant.signIn('\u212Aate@review.example');
    expect(result.session).toBeNull();
    expect(result.error).toBe('UNKNOWN_USER');
  });

  it('a slug that no tenant can have is a 404, never a 500', async () => {
    for (const slug of ['%00', 'a%00b', '%20x', 'UPPER']) {
      expect((await fetch(`${portico.url}/api/${slug}/saml/metadata`)).status).toBe(404);
    }
  });

  it('metadata with a javascript: SSO URL is refused; KeyDescriptors without `use` are signing keys', async () => {
    const evil = federationMetadataXml(tenant.idp).replace(/Location="https:\/\/login\.microsoftonline\.com\/[^"]*"/g, 'Location="javascript:alert(1)"');
    const refused = await portico.gql(ConfigureSamlDocument, { tenant: 'review', input: { metadataXml: evil } });
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    const noUse = federationMetadataXml(tenant.idp).replace(/ use="signing"/g, '');
    const accepted = await portico.gql(ConfigureSamlDocument, { tenant: 'review', input: { metadataXml: noUse } });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.configureSaml.idpCertificates).toHaveLength(1);
  });

  it('a metadata URL must be https and must not reach private or local addresses (no SSRF)', async () => {
    const cases: [string, RegExp][] = [
      ['http://login.microsoftonline.com/federationmetadata.xml', /https/],
      ['https://127.0.0.1:9/federationmetadata.xml', /private or local/],
      ['https://169.254.169.254/latest/meta-data/', /private or local/],
      ['https://[::1]:9/x', /private or local/],
      ['https://localhost:9/x', /private or local/],
    ];
    for (const [metadataUrl, message] of cases) {
      const result = await portico.gql(ConfigureSamlDocument, { tenant: 'review', input: { metadataUrl } });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].message).toMatch(message);
    }
  });

  it('anonymous garbage posted to the ACS fills the provisioning log only up to a per-minute budget', async () => {
    const flood = await samlTenant(portico, 'flooded');
    const before = (await signInEvents(portico, 'flooded')).length;
    const results = await Promise.all(Array.from({ length: 150 }, () => postAcs(portico, 'flooded', Buffer.from('<nope/>').toString('base64'))));
    expect(results.every((r) => r.status === 401 && r.error === 'INVALID_RESPONSE')).toBe(true);
    const logged = (await signInEvents(portico, 'flooded')).length - before;
    expect(logged).toBe(120);
    expect(flood.slug).toBe('flooded');
  });
});
