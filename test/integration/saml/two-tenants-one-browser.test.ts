import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../../fixtures/entra';
import { encodeSamlResponse, signInResponseXml } from '../../fixtures/saml-idp';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, sessionCount, signInEvents, type SamlTenant, viewerOf } from '../../helpers/saml';

/** Issue 11, finding 6: an IdP-initiated sign-in never silently replaces a live session of another tenant. */
describe('one browser, two tenants', () => {
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startTestPortico();
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  let alpha: SamlTenant;
  let beta: SamlTenant;
  const ann = 'ann@alpha.example';
  const bob = 'bob@beta.example';

  /** A browser's cookie jar: what Set-Cookie gave, sent back on every request (as one site's cookies are). */
  class CookieJar {
    readonly cookies = new Map<string, string>();
    header(): string {
      return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    take(response: Response): void {
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
        if (expired) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    get session(): string | undefined {
      const value = this.cookies.get('portico_session');
      return value === undefined ? undefined : decodeURIComponent(value);
    }
  }

  const postAcsWith = async (jar: CookieJar, slug: string, xml: string) => {
    const answer = await fetch(`${portico.url}/api/${slug}/saml/acs`, {
      method: 'POST',
      body: new URLSearchParams({ SAMLResponse: encodeSamlResponse(xml) }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      redirect: 'manual',
    });
    jar.take(answer);
    return { status: answer.status, error: answer.headers.get('x-portico-error'), page: await answer.text() };
  };

  beforeAll(async () => {
    alpha = await samlTenant(portico, 'alpha-corp', { idpInitiatedSignIn: true });
    beta = await samlTenant(portico, 'beta-corp', { idpInitiatedSignIn: true });
    await alpha.scim.request('POST', '/Users', { body: entraUser({ userName: ann }) });
    await beta.scim.request('POST', '/Users', { body: entraUser({ userName: bob }) });
  });

  it("an IdP-initiated sign-in for tenant B does not replace the browser's live session of tenant A: refused, with a page and an event", async () => {
    const jar = new CookieJar();
    expect((await postAcsWith(jar, 'alpha-corp', signInResponseXml(alpha.idp, alpha.response(ann)))).status).toBe(303);
    const alphaSession = jar.session!;
    expect(await viewerOf(portico, alphaSession)).toMatchObject({ user: { userName: ann } });

    const refused = await postAcsWith(jar, 'beta-corp', signInResponseXml(beta.idp, beta.response(bob)));
    expect(refused.status).toBe(409);
    expect(refused.error).toBe('OTHER_TENANT_SESSION');
    expect(refused.page).toMatch(/signed in to another organisation/);
    expect(jar.session).toBe(alphaSession);
    expect(await viewerOf(portico, alphaSession)).toMatchObject({ user: { userName: ann } });

    // A real browser leaves the SameSite=Lax session cookie out of the IdP's cross-site POST: the
    // SameSite=None marker alone still tells the ACS.
    const crossSite = new CookieJar();
    for (const [name, value] of jar.cookies) if (name !== 'portico_session') crossSite.cookies.set(name, value);
    expect(crossSite.cookies.has('portico_signed_in')).toBe(true);
    expect((await postAcsWith(crossSite, 'beta-corp', signInResponseXml(beta.idp, beta.response(bob)))).error).toBe('OTHER_TENANT_SESSION');
    expect(await sessionCount(portico, 'beta-corp')).toBe(0);
    expect((await signInEvents(portico, 'beta-corp')).at(-1)).toMatchObject({ type: 'SIGN_IN_FAILED', detail: { reason: 'OTHER_TENANT_SESSION', nameId: bob } });
  });

  it('the same browser signs in to tenant B once it signed out of A, or when B is the sign-in it started itself', async () => {
    const jar = new CookieJar();
    await postAcsWith(jar, 'alpha-corp', signInResponseXml(alpha.idp, alpha.response(ann)));
    const alphaSession = jar.session!;

    // SP-initiated: this browser asked for tenant B, so B's session replaces A's cookie.
    const login = await fetch(`${portico.url}/api/beta-corp/saml/login?returnTo=/console/`, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(login);
    const requestId = /\sID="([^"]+)"/.exec(
      inflateRawSync(Buffer.from(new URL(login.headers.get('location')!).searchParams.get('SAMLRequest')!, 'base64')).toString('utf8'),
    )![1];
    const started = await postAcsWith(jar, 'beta-corp', signInResponseXml(beta.idp, beta.response(bob, { inResponseTo: requestId })));
    expect(started.status).toBe(303);
    expect(await viewerOf(portico, jar.session!)).toMatchObject({ user: { userName: bob } });
    expect(await viewerOf(portico, alphaSession)).toMatchObject({ user: { userName: ann } });

    // After signing out, an IdP-initiated sign-in to A is accepted again.
    const logout = await fetch(`${portico.url}/api/beta-corp/saml/logout`, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(logout);
    expect(jar.session).toBeUndefined();
    expect((await postAcsWith(jar, 'alpha-corp', signInResponseXml(alpha.idp, alpha.response(ann)))).status).toBe(303);
    expect(await viewerOf(portico, jar.session!)).toMatchObject({ user: { userName: ann } });
  });

  it('a session of the other tenant that has ended does not block an IdP-initiated sign-in', async () => {
    const jar = new CookieJar();
    await postAcsWith(jar, 'alpha-corp', signInResponseXml(alpha.idp, alpha.response(ann)));
    await sql(portico.databaseUrl, `update sessions set revoked_at = now() where revoked_at is null and tenant_id = (select id from tenants where slug = 'alpha-corp')`);
    const answer = await postAcsWith(jar, 'beta-corp', signInResponseXml(beta.idp, beta.response(bob)));
    expect(answer.status).toBe(303);
    expect(await viewerOf(portico, jar.session!)).toMatchObject({ user: { userName: bob } });
  });
});
