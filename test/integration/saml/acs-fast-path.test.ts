import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../src/http/app';
import { createLogger } from '../../../src/http/logger';
import { createSamlEndpoints } from '../../../src/saml/router';
import { encodeSamlResponse, signInResponseXml } from '../../fixtures/saml-idp';
import { Listeners } from '../../helpers/listeners';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { PUBLIC_URL, samlTenant, type SamlTenant } from '../../helpers/saml';

/**
 * Issue 14: POSTs to the SAML ACS skip express (src/http/saml-fast-path.ts). The same requests sent to the
 * server's listener and to the express app alone, both over the same services and the same ACS handler, get
 * the same answers: status, headers and body, for sign-ins, refusals, odd forms and odd URLs alike.
 */
describe('the SAML ACS without express answers exactly as through express', () => {
  let portico: TestPortico;
  let tenant: SamlTenant;
  const listeners = new Listeners();
  let viaExpress = '';
  let viaFastPath = '';

  beforeAll(async () => {
    portico = await startTestPortico();
    tenant = await samlTenant(portico, 'acs-fast', { idpInitiatedSignIn: true });
    await tenant.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ana@acs.example' });
    const unused: RequestHandler = (_req, res) => void res.status(418).end();
    const logger = createLogger('silent');
    const saml = createSamlEndpoints({ services: portico.services, publicUrl: PUBLIC_URL, logger, rateLimit: { perSecond: 0, burst: 0 } });
    const { app, handler } = createHttpApp({
      logger,
      graphql: unused,
      scim: unused,
      saml: saml.router,
      samlAcs: saml.acs,
      photos: unused,
      readiness: async () => ({ ready: true }),
      consoleDir: null,
    });
    viaExpress = await listeners.listen(app);
    viaFastPath = await listeners.listen(handler);
  });
  afterAll(async () => {
    await listeners.closeAll();
    await portico?.stop();
  });

  const IGNORED_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
  /** A session's token and id differ from one sign-in to the next, and the cookies' Expires with the clock. */
  const withoutSessionValues = (cookie: string) =>
    cookie
      .replace(/^(portico_session|portico_signed_in)=[^;]*/, '$1=…')
      .replace(/Expires=[^;]*/, (expires) => (expires.includes('1970') ? expires : 'Expires=…'));
  const answer = async (origin: string, path: string, init: { body?: string; headers?: Record<string, string>; method?: string } = {}) => {
    const response = await fetch(`${origin}${path}`, { method: init.method ?? 'POST', body: init.body, headers: init.headers, redirect: 'manual' });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!IGNORED_HEADERS.has(name) && name !== 'set-cookie') headers[name] = value;
    });
    return { status: response.status, headers, cookies: response.headers.getSetCookie().map(withoutSessionValues), body: await response.text() };
  };

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  /** A freshly signed response for ana (each may be accepted once). */
  const signed = () => encodeURIComponent(encodeSamlResponse(signInResponseXml(tenant.idp, tenant.response('ana@acs.example'))));

  const cases = (): [string, { body?: string; headers?: Record<string, string>; method?: string }][] => [
    ['/api/acs-fast/saml/acs', { headers: form, body: `SAMLResponse=${signed()}` }],
    ['/api/acs-fast/saml/acs', { headers: form, body: `SAMLResponse=${signed()}&RelayState=${encodeURIComponent('/console/users?x=1 2')}` }],
    ['/api/acs-fast/saml/acs', { headers: form, body: `SAMLResponse=${signed()}&RelayState=//evil.example` }],
    ['/api/acs-fast/saml/acs', { headers: { ...form, cookie: 'portico_signed_in=x.y; other=1' }, body: `SAMLResponse=${signed()}` }],
    ['/API/acs-fast/SAML/ACS?from=idp', { headers: form, body: `SAMLResponse=${signed()}` }],
    ['/api/acs%2Dfast/saml/acs', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: `SAMLResponse=${signed()}` }],
    ['/api/acs-fast/saml/acs/', { headers: form, body: `SAMLResponse=${signed()}` }],
    ['/api/acs-fast/saml/acs', { headers: form, body: '' }],
    ['/api/acs-fast/saml/acs', { headers: form, body: 'SAMLResponse=' }],
    ['/api/acs-fast/saml/acs', { headers: form, body: 'SAMLResponse=not%20base64%ZZ+x' }],
    ['/api/acs-fast/saml/acs', { headers: form, body: `SAMLResponse=${encodeURIComponent(Buffer.from('<x/>').toString('base64'))}` }],
    ['/api/acs-fast/saml/acs', { headers: form, body: 'SAMLResponse=a&SAMLResponse=b' }],
    ['/api/acs-fast/saml/acs', { headers: form, body: Array.from({ length: 11 }, (_, i) => `f${i}=1`).join('&') }],
    ['/api/acs-fast/saml/acs', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, body: 'SAMLResponse=x' }],
    ['/api/acs-fast/saml/acs', { headers: { ...form, 'content-encoding': 'gzip' }, body: 'SAMLResponse=x' }],
    ['/api/acs-fast/saml/acs', { headers: { 'content-type': 'application/json' }, body: '{"SAMLResponse":"x"}' }],
    ['/api/acs-fast/saml/acs', { headers: form, body: `SAMLResponse=${'A'.repeat(2_200_000)}` }],
    ['/api/nobody/saml/acs', { headers: form, body: 'SAMLResponse=x' }],
    ['/api/%ZZ/saml/acs', { headers: form, body: 'SAMLResponse=x' }],
    ['/api/acs-fast/saml/acs', { method: 'GET' }],
  ];

  it('gives every request the same status, headers, cookies and body', async () => {
    // Two sets of the same cases: a signed response is accepted once (a second post of it is a replay).
    const second = cases();
    for (const [i, [path, init]] of cases().entries()) {
      const expected = await answer(viaExpress, path, init);
      const actual = await answer(viaFastPath, second[i][0], second[i][1]);
      expect(actual, `${init.method ?? 'POST'} ${path} ${(init.body ?? '').slice(0, 40)}`).toEqual(expected);
    }
  });

  it('signs in through the fast path: a session cookie and a redirect', async () => {
    const result = await answer(viaFastPath, '/api/acs-fast/saml/acs', { headers: form, body: `SAMLResponse=${signed()}&RelayState=%2Fhome` });
    expect(result.status).toBe(303);
    expect(result.headers.location).toBe('/home');
    expect(result.cookies.some((c) => c.startsWith('portico_session=…; Path=/; Expires=…; HttpOnly; Secure; SameSite=Lax'))).toBe(true);
  });
});
