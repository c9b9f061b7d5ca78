import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../src/http/app';
import { createLogger } from '../../../src/http/logger';
import { createScimHandler } from '../../../src/scim/router';
import { entraUser } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/**
 * Issue 14: SCIM requests skip express (src/http/scim-fast-path.ts). The same requests sent to the server's
 * listener and to the express app alone, both over the same services, get the same answers: status, headers
 * and body, for reads, refusals and odd URLs alike.
 */
describe('SCIM without express answers exactly as through express', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let userId: string;
  const servers: http.Server[] = [];
  let viaExpress = '';
  let viaFastPath = '';

  const listen = async (listener: http.RequestListener): Promise<string> => {
    const server = http.createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'fast-path');
    userId = (await scim.post('/Users', entraUser({ userName: 'ana@fast.example' }))).body.id as string;
    const unused: RequestHandler = (_req, res) => void res.status(418).end();
    const logger = createLogger('silent');
    const { app, handler } = createHttpApp({
      logger,
      graphql: unused,
      scim: createScimHandler({ services: portico.services, publicUrl: 'https://portico.example', logger, rateLimit: { perSecond: 0, burst: 0 } }),
      saml: unused,
      photos: unused,
      readiness: async () => ({ ready: true }),
      consoleDir: null,
    });
    viaExpress = await listen(app);
    viaFastPath = await listen(handler);
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await portico?.stop();
  });

  const IGNORED_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
  const answer = async (origin: string, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${origin}${path}`, { method, body: init.body, headers: init.headers });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!IGNORED_HEADERS.has(name)) headers[name] = value;
    });
    return { status: response.status, headers, body: await response.text() };
  };

  const cases = (): [string, string, { body?: string; headers?: Record<string, string> }?][] => {
    const auth = { authorization: `Bearer ${scim.token}` };
    const json = { ...auth, 'content-type': 'application/scim+json' };
    return [
      ['GET', `/api/fast-path/scim/v2/Users/${userId}`, { headers: auth }],
      ['GET', `/api/fast-path/scim/v2/Users?filter=${encodeURIComponent('userName eq "ana@fast.example"')}`, { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users?startIndex=1&count=10&attributes=userName', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users?filter=a&filter=b', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users?filter=userName%20zz%20%22x%22', { headers: auth }],
      ['GET', `/API/fast-path/SCIM/V2/Users/${userId}`, { headers: auth }],
      ['GET', `/api/fast-path/scim/v2/Users/${userId}/`, { headers: auth }],
      ['GET', '/api/fast-path/scim/v2', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/ServiceProviderConfig', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users/%', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users/a/b', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users/00000000-0000-0000-0000-000000000000', { headers: auth }],
      ['GET', '/api/fast%2Dpath/scim/v2/Users?count=1', { headers: auth }],
      ['GET', '/api/%ZZ/scim/v2/Users', { headers: auth }],
      ['GET', '/api/nobody/scim/v2/Users', { headers: auth }],
      ['GET', '/api/fast-path/scim/v2/Users', {}],
      ['GET', '/api/fast-path/scim/v2/Users', { headers: { authorization: 'Bearer wrong' } }],
      ['HEAD', `/api/fast-path/scim/v2/Users/${userId}`, { headers: auth }],
      ['DELETE', '/api/fast-path/scim/v2/Schemas', { headers: auth }],
      ['POST', '/api/fast-path/scim/v2/Users', { headers: json, body: '{"userName": ' }],
      ['POST', '/api/fast-path/scim/v2/Users', { headers: json, body: `${'['.repeat(40)}${']'.repeat(40)}` }],
      ['POST', '/api/fast-path/scim/v2/Users', { headers: json, body: JSON.stringify({ schemas: [] }) }],
      ['PATCH', `/api/fast-path/scim/v2/Users/${userId}`, { headers: json, body: JSON.stringify({ Operations: [{ op: 'explode' }] }) }],
      ['POST', '/api/fast-path/scim/v2/Users/.search', { headers: json, body: JSON.stringify({ filter: 'userName sw "ana"' }) }],
    ];
  };

  it('gives every request the same status, headers and body', async () => {
    for (const [method, path, init] of cases()) {
      const expected = await answer(viaExpress, method, path, init);
      const actual = await answer(viaFastPath, method, path, init);
      expect(actual, `${method} ${path}`).toEqual(expected);
    }
  });

  it('keeps a sane X-Request-Id the client sent, and makes one up otherwise', async () => {
    const path = `/api/fast-path/scim/v2/Users/${userId}`;
    const kept = await fetch(`${viaFastPath}${path}`, { headers: { authorization: `Bearer ${scim.token}`, 'x-request-id': 'entra-1234' } });
    expect(kept.headers.get('x-request-id')).toBe('entra-1234');
    const made = await fetch(`${viaFastPath}${path}`, { headers: { authorization: `Bearer ${scim.token}`, 'x-request-id': 'not sane!' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
