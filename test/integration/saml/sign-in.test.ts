import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignOutDocument, ViewerDocument } from '../../generated/graphql';
import { deactivate, entraUser } from '../../fixtures/entra';
import { attacks, CLAIMS, createCertificate, signInResponseXml } from '../../fixtures/saml-idp';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { postAcs, samlTenant, sessionCount, signInEvents, type AcsResult, type SamlTenant } from '../../helpers/saml';

/** Issue 5, acceptance 1 and 2: sign-in through Entra-shaped responses, and one test per rejection. */
describe('SAML sign-in at the ACS', () => {
  let portico: TestPortico;
  let contoso: SamlTenant; // IdP-initiated sign-in on
  let fabrikam: SamlTenant; // IdP-initiated sign-in off (the default)
  const alice = 'alice.smith@contoso.com';
  const dave = 'dave.gone@contoso.com';
  let aliceId = '';

  beforeAll(async () => {
    portico = await startTestPortico();
    contoso = await samlTenant(portico, 'contoso', { idpInitiatedSignIn: true });
    fabrikam = await samlTenant(portico, 'fabrikam');
    aliceId = (await contoso.scim.request('POST', '/Users', { body: entraUser({ userName: alice, externalId: 'alice-object-id' }) })).body.id;
    const daveId = (await contoso.scim.request('POST', '/Users', { body: entraUser({ userName: dave }) })).body.id;
    expect((await contoso.scim.request('PATCH', `/Users/${daveId}`, { body: deactivate() })).status).toBe(200);
    await fabrikam.scim.request('POST', '/Users', { body: entraUser({ userName: 'frank@fabrikam.com' }) });
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  const viewerWith = async (options: { cookie?: string; token?: string }) => {
    const result = await portico.gql(ViewerDocument, {}, { token: options.token ?? null, cookie: options.cookie });
    return result.data?.viewer ?? null;
  };

  const expectSignedIn = async (result: AcsResult, userName: string) => {
    expect(result.error).toBeNull();
    expect(result.status).toBe(303);
    expect(result.session).toMatch(/^pts_/);
    const viewer = await viewerWith({ cookie: `portico_session=${result.session}` });
    expect(viewer).toMatchObject({ kind: 'USER', user: { userName } });
    // The same token works as a bearer.
    expect(await viewerWith({ token: result.session! })).toMatchObject({ kind: 'USER', user: { userName } });
  };

  describe('happy paths', () => {
    it('SP-initiated: a signed AuthnRequest, then the response to it, ends in a GraphQL session at returnTo', async () => {
      const login = await contoso.startLogin('/dashboard?tab=teams#top');
      expect(login.location.origin + login.location.pathname).toBe(contoso.idp.ssoUrl);
      expect(login.location.searchParams.get('Signature')).toBeTruthy();
      expect(login.location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      expect(login.relayState).toBe('/dashboard?tab=teams#top');
      const result = await contoso.signIn(alice, { inResponseTo: login.requestId }, login.relayState!);
      expect(result.location).toBe('/dashboard?tab=teams#top');
      await expectSignedIn(result, alice);
      const events = await signInEvents(portico, 'contoso');
      expect(events.at(-1)).toMatchObject({ type: 'SIGN_IN_SUCCEEDED', outcome: 'SUCCESS', subject_id: aliceId });
    });

    it('IdP-initiated (enabled for the tenant) signs in and goes to /', async () => {
      const result = await contoso.signIn(alice);
      expect(result.location).toBe('/');
      await expectSignedIn(result, alice);
    });

    it.each(['assertion', 'response', 'both'] as const)('accepts a response signed on the %s', async (sign) => {
      const login = await contoso.startLogin('/');
      await expectSignedIn(await contoso.signIn(alice, { inResponseTo: login.requestId, sign }), alice);
    });

    it('finds the user by objectidentifier = externalId when no userName matches the NameID', async () => {
      const result = await contoso.signIn('alice.renamed@contoso.com', { objectId: 'alice-object-id' });
      await expectSignedIn(result, alice);
    });

    it('a user provisioned over SCIM signs in the moment it exists', async () => {
      const userName = 'new.hire@contoso.com';
      expect((await contoso.scim.request('POST', '/Users', { body: entraUser({ userName }) })).status).toBe(201);
      await expectSignedIn(await contoso.signIn(userName), userName);
    });

    it('signOut ends the session it is called with', async () => {
      const result = await contoso.signIn(alice);
      const cookie = `portico_session=${result.session}`;
      expect((await portico.gql(SignOutDocument, {}, { token: null, cookie })).data?.signOut).toBe(true);
      expect(await viewerWith({ cookie })).toBeNull();
    });
  });

  describe('rejections: no session, and SIGN_IN_FAILED with the reason', () => {
    const expectRefused = async (tenant: SamlTenant, send: () => Promise<AcsResult>, reason: string, message?: RegExp) => {
      const sessionsBefore = await sessionCount(portico, tenant.slug);
      const eventsBefore = (await signInEvents(portico, tenant.slug)).length;
      const result = await send();
      expect(result.session).toBeNull();
      expect(result.status).toBeGreaterThanOrEqual(400);
      expect(result.status).toBeLessThan(500);
      expect(result.error).toBe(reason);
      expect(await sessionCount(portico, tenant.slug)).toBe(sessionsBefore);
      const events = await signInEvents(portico, tenant.slug);
      expect(events).toHaveLength(eventsBefore + 1);
      const failed = events.at(-1)!;
      expect(failed).toMatchObject({ type: 'SIGN_IN_FAILED', outcome: 'FAILURE', detail: expect.objectContaining({ reason }) });
      if (message) expect(failed.error).toMatch(message);
    };
    const signed = (extra: Parameters<SamlTenant['response']>[1] = {}) => signInResponseXml(contoso.idp, contoso.response(alice, extra));

    it('unsigned', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { sign: 'none' }), 'INVALID_RESPONSE', /signature/i);
    });

    it('signed by a key that is not pinned, with its certificate in KeyInfo', async () => {
      const stranger = createCertificate({ commonName: 'Microsoft Azure Federated SSO Certificate' });
      await expectRefused(contoso, () => contoso.signIn(alice, { signingKey: stranger }), 'INVALID_RESPONSE', /signature/i);
      await expectRefused(contoso, () => contoso.signIn(alice, { signingKey: stranger, sign: 'both' }), 'INVALID_RESPONSE', /signature/i);
    });

    it('tampered after signing', async () => {
      await expectRefused(contoso, () => contoso.postXml(attacks.tamperNameId(signed(), 'admin@contoso.com')), 'INVALID_RESPONSE', /signature/i);
    });

    it('signature wrapping: an evil assertion before the signed one', async () => {
      await expectRefused(contoso, () => contoso.postXml(attacks.wrapEvilAssertionBefore(signed(), 'admin@contoso.com')), 'INVALID_RESPONSE');
    });

    it('signature wrapping: the signed assertion hidden in Extensions, an evil one with its ID in its place', async () => {
      await expectRefused(contoso, () => contoso.postXml(attacks.wrapSignedAssertionInExtensions(signed(), 'admin@contoso.com')), 'INVALID_RESPONSE');
    });

    it('signature wrapping: the signed assertion inside the evil one\'s Signature/Object', async () => {
      await expectRefused(
        contoso,
        () => contoso.postXml(attacks.wrapSignedAssertionInsideSignatureObject(signed(), 'admin@contoso.com')),
        'INVALID_RESPONSE',
      );
    });

    it('signature wrapping: a signed Response moved into an evil Response with the same ID', async () => {
      await expectRefused(contoso, () => contoso.postXml(attacks.wrapSignedResponse(signed({ sign: 'response' }), 'admin@contoso.com')), 'INVALID_RESPONSE');
    });

    it('comment injection in NameID (validly signed)', async () => {
      const xml = attacks.commentInjectedNameId(contoso.idp, contoso.response(alice), alice, '.evil.example');
      await expectRefused(contoso, () => contoso.postXml(xml), 'INVALID_RESPONSE', /NameID/);
    });

    it('wrong Issuer', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { issuer: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/' }), 'INVALID_RESPONSE', /issuer/i);
    });

    it('wrong Audience', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { audience: 'https://evil.example/saml/metadata' }), 'INVALID_RESPONSE', /audience/i);
    });

    it('wrong Destination', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { destination: 'https://evil.example/acs' }), 'INVALID_RESPONSE', /Destination/);
    });

    it('wrong Recipient', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { recipient: 'https://evil.example/acs' }), 'INVALID_RESPONSE', /Recipient/);
    });

    it('expired', async () => {
      const now = new Date(Date.now() - 2 * 3600_000);
      await expectRefused(contoso, () => contoso.signIn(alice, { now, notOnOrAfter: new Date(Date.now() - 3600_000) }), 'INVALID_RESPONSE', /expired|NotOnOrAfter/i);
    });

    it('not yet valid', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { notBefore: new Date(Date.now() + 10 * 60_000) }), 'INVALID_RESPONSE', /not yet valid|NotBefore/i);
    });

    it('replayed, IdP-initiated: the same response twice', async () => {
      const xml = signed();
      await expectSignedIn(await contoso.postXml(xml), alice);
      await expectRefused(contoso, () => contoso.postXml(xml), 'ASSERTION_REPLAYED');
    });

    it('replayed, SP-initiated: the same response twice, and the same assertion id for another request', async () => {
      const first = await contoso.startLogin('/');
      const assertionId = `_${crypto.randomUUID()}`;
      const xml = signed({ inResponseTo: first.requestId, assertionId });
      await expectSignedIn(await contoso.postXml(xml), alice);
      await expectRefused(contoso, () => contoso.postXml(xml), 'UNKNOWN_IN_RESPONSE_TO');
      const second = await contoso.startLogin('/');
      await expectRefused(contoso, () => contoso.postXml(signed({ inResponseTo: second.requestId, assertionId })), 'ASSERTION_REPLAYED');
    });

    it('concurrent posts of one response: exactly one signs in', async () => {
      const login = await contoso.startLogin('/');
      const xml = signed({ inResponseTo: login.requestId });
      const results = await Promise.all(Array.from({ length: 5 }, () => contoso.postXml(xml)));
      expect(results.filter((r) => r.session !== null)).toHaveLength(1);
    });

    it('unknown InResponseTo', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { inResponseTo: '_never-sent' }), 'UNKNOWN_IN_RESPONSE_TO');
    });

    it('an unsigned envelope claiming a request the signed assertion does not answer', async () => {
      const login = await fabrikam.startLogin('/');
      const xml = signInResponseXml(fabrikam.idp, fabrikam.response('frank@fabrikam.com')).replace('<samlp:Response ', `<samlp:Response InResponseTo="${login.requestId}" `);
      await expectRefused(fabrikam, () => fabrikam.postXml(xml), 'INVALID_RESPONSE', /InResponseTo/);
    });

    it('IdP-initiated while the tenant has it disabled', async () => {
      await expectRefused(fabrikam, () => fabrikam.signIn('frank@fabrikam.com'), 'IDP_INITIATED_DISABLED');
    });

    it('deactivated user', async () => {
      await expectRefused(contoso, () => contoso.signIn(dave), 'USER_DEACTIVATED');
    });

    it('unknown user with JIT off', async () => {
      await expectRefused(contoso, () => contoso.signIn('stranger@contoso.com'), 'UNKNOWN_USER');
    });

    it("tenant A's response at tenant B's ACS", async () => {
      const login = await fabrikam.startLogin('/');
      const xml = signInResponseXml(contoso.idp, { ...contoso.response('frank@fabrikam.com'), inResponseTo: login.requestId });
      await expectRefused(fabrikam, () => postAcs(portico, 'fabrikam', Buffer.from(xml).toString('base64')), 'INVALID_RESPONSE');
    });

    it.each(['entities', 'plain'] as const)('a DOCTYPE (%s)', async (style) => {
      await expectRefused(contoso, () => contoso.postXml(attacks.withDoctype(signed(), style)), 'INVALID_RESPONSE', /DTD/);
    });

    it('oversized', async () => {
      await expectRefused(contoso, () => contoso.signIn(alice, { claims: { [CLAIMS.displayName]: 'x'.repeat(300_000) } }), 'INVALID_RESPONSE', /larger/);
    });

    it('two assertions', async () => {
      await expectRefused(contoso, () => contoso.postXml(attacks.twoAssertions(contoso.idp, contoso.response(alice))), 'INVALID_RESPONSE', /assertion/i);
    });

    it('no SAMLResponse at all, and garbage', async () => {
      await expectRefused(contoso, () => postAcs(portico, 'contoso', ''), 'INVALID_RESPONSE');
      await expectRefused(contoso, () => postAcs(portico, 'contoso', 'not base64 at all!'), 'INVALID_RESPONSE');
      await expectRefused(contoso, () => postAcs(portico, 'contoso', Buffer.from('<oops').toString('base64')), 'INVALID_RESPONSE');
    });

    it('an unknown tenant is a 404 page', async () => {
      expect((await postAcs(portico, 'nobody-here', 'x')).status).toBe(404);
    });
  });

  it('JIT creation, when the tenant enables it, creates the user (source SAML_JIT) with its event', async () => {
    const jit = await samlTenant(portico, 'jit-corp', { idpInitiatedSignIn: true, jitSignIn: true });
    const userName = 'walk.in@jit-corp.com';
    await expectSignedIn(await jit.signIn(userName, { objectId: 'walk-in-object-id' }), userName);
    const [user] = await sql<{ source: string; external_id: string; given_name: string }>(
      portico.databaseUrl,
      `select source, external_id, given_name from users where user_name = $1`,
      [userName],
    );
    expect(user).toEqual({ source: 'SAML_JIT', external_id: 'walk-in-object-id', given_name: 'Walk' });
    const types = await sql<{ type: string }>(
      portico.databaseUrl,
      `select e.type from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'jit-corp' and e.type in ('USER_CREATED', 'SIGN_IN_SUCCEEDED') order by e.id`,
    );
    expect(types.map((t) => t.type)).toEqual(['USER_CREATED', 'SIGN_IN_SUCCEEDED']);
  });
});
