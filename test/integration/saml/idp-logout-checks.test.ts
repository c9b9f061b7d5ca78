import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../../fixtures/entra';
import { logoutRequestPost, logoutRequestQuery, type LogoutRequestOptions } from '../../fixtures/saml-idp';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, type SamlTenant, viewerOf } from '../../helpers/saml';

/** Issue 11, finding 6: an IdP LogoutRequest is checked for issuer, Destination, IssueInstant and replay. */
describe('IdP LogoutRequests: issuer, Destination, IssueInstant and replay', () => {
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startTestPortico();
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  let tenant: SamlTenant;
  const user = 'sloane@slo.example';

  beforeAll(async () => {
    tenant = await samlTenant(portico, 'slo-corp', { idpInitiatedSignIn: true });
    await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: user }) });
  });

  const bindings: [string, (options: LogoutRequestOptions) => Promise<Response>][] = [
    [
      'HTTP-Redirect',
      (options) => fetch(`${portico.url}/api/slo-corp/saml/logout?${logoutRequestQuery(tenant.idp, options)}`, { redirect: 'manual' }),
    ],
    [
      'HTTP-POST',
      (options) =>
        fetch(`${portico.url}/api/slo-corp/saml/logout`, {
          method: 'POST',
          body: new URLSearchParams({ SAMLRequest: logoutRequestPost(tenant.idp, options) }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          redirect: 'manual',
        }),
    ],
  ];

  for (const [binding, send] of bindings) {
    it(`${binding}: a signed request from another issuer, for another Destination, or issued too long ago ends nothing`, async () => {
      const { session } = await tenant.signIn(user);
      const refused: [LogoutRequestOptions, RegExp][] = [
        [{ destination: tenant.urls.logoutUrl, nameId: user, issuer: 'https://sts.windows.net/someone-else/' }, /issuer/i],
        [{ destination: `${portico.url}/api/other-corp/saml/logout`, nameId: user }, /Destination/],
        [{ destination: tenant.urls.logoutUrl, nameId: user, issueInstant: new Date(Date.now() - 15 * 60_000) }, /IssueInstant/],
        [{ destination: tenant.urls.logoutUrl, nameId: user, issueInstant: new Date(Date.now() + 15 * 60_000) }, /IssueInstant/],
      ];
      for (const [options, reason] of refused) {
        const answer = await send(options);
        expect(answer.status).toBe(401);
        expect(await answer.text()).toMatch(reason);
      }
      expect(await viewerOf(portico, session!)).not.toBeNull();
    });

    it(`${binding}: a LogoutRequest is accepted once; the same request again ends nothing`, async () => {
      const id = `_${binding}-${Date.now()}`;
      const options = { destination: tenant.urls.logoutUrl, nameId: user, id, issueInstant: new Date() };
      const first = await tenant.signIn(user);
      expect((await send(options)).status).toBe(302);
      expect(await viewerOf(portico, first.session!)).toBeNull();

      const second = await tenant.signIn(user);
      const replayed = await send(options);
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('x-portico-error')).toBe('LOGOUT_REPLAYED');
      expect(await viewerOf(portico, second.session!)).not.toBeNull();
    });
  }

  it('a replay over the other binding is refused too (one store of ids per tenant)', async () => {
    const id = `_cross-binding-${Date.now()}`;
    const options = { destination: tenant.urls.logoutUrl, nameId: user, id, issueInstant: new Date() };
    await tenant.signIn(user);
    expect((await bindings[0][1](options)).status).toBe(302);
    const { session } = await tenant.signIn(user);
    expect((await bindings[1][1](options)).status).toBe(401);
    expect(await viewerOf(portico, session!)).not.toBeNull();
  });
});
