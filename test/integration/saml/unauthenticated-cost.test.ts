import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTenantDocument, TenantDocument } from '../../generated/graphql';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, type SamlTenant } from '../../helpers/saml';
import { createDomainServices } from '../../../src/domain/services';
import { systemActor } from '../../../src/domain/shared/scope';

/** Issue 11, finding 8: what anyone can make the SAML routes (and tenant lookups) cost without credentials. */
describe('unauthenticated cost', () => {
  let portico: TestPortico;
  let configured: SamlTenant;

  beforeAll(async () => {
    // One request every 5 s per address once the burst is spent: slow enough that no token comes back while
    // a test checks the refusals on a busy machine.
    portico = await startTestPortico({ PORTICO_SAML_RATE_PER_SECOND: '0.2', PORTICO_SAML_RATE_BURST: '5' });
    configured = await samlTenant(portico, 'ratelimited');
  }, 90_000);

  afterAll(async () => {
    await portico?.stop();
  });

  /** A request as if from `address` (express trusts X-Forwarded-For from loopback, as behind a local proxy). */
  const fromAddress = (address: string, path: string, init: RequestInit = {}) =>
    fetch(`${portico.url}${path}`, { redirect: 'manual', ...init, headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': address } });
  let addressCounter = 0;
  /** A client address no other request of this file used (each has its own budget). */
  const freshAddress = () => {
    addressCounter += 1;
    return `198.51.100.${addressCounter}`;
  };

  /** Counts the database transactions (reads and writes) the domain opens while `work` runs. */
  const countTransactions = async (work: () => Promise<void>): Promise<{ reads: number; writes: number }> => {
    const uow = portico.services.uow;
    const read = uow.read.bind(uow);
    const write = uow.write.bind(uow);
    const count = { reads: 0, writes: 0 };
    uow.read = (fn) => ((count.reads += 1), read(fn));
    uow.write = (fn) => ((count.writes += 1), write(fn));
    try {
      await work();
    } finally {
      uow.read = read;
      uow.write = write;
    }
    return count;
  };

  describe('per-address rate limit on the SAML routes', () => {
    const pendingRequests = async () =>
      Number((await sql<{ n: string }>(portico.databaseUrl, `select count(*) as n from saml_pending_requests`))[0].n);

    it('login beyond the burst answers 429 with Retry-After and a page, writing nothing; other addresses are not affected', async () => {
      const address = '203.0.113.7';
      for (let i = 0; i < 5; i += 1) expect((await fromAddress(address, '/api/ratelimited/saml/login')).status).toBe(302);
      const pendingBefore = await pendingRequests();
      const refused = await fromAddress(address, '/api/ratelimited/saml/login');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(4);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(5);
      expect(refused.headers.get('x-portico-error')).toBe('TOO_MANY_REQUESTS');
      expect(refused.headers.get('content-type')).toMatch(/text\/html/);
      expect(await refused.text()).toMatch(/try again in \d+ seconds/i);
      expect(await pendingRequests()).toBe(pendingBefore);

      // The ACS and logout of the same address are in the same budget; unknown tenants too.
      expect((await fromAddress(address, '/api/ratelimited/saml/acs', { method: 'POST', body: new URLSearchParams({ SAMLResponse: 'x' }) })).status).toBe(429);
      expect((await fromAddress(address, '/api/ratelimited/saml/logout', { method: 'POST', body: new URLSearchParams({ SAMLRequest: 'x' }) })).status).toBe(429);
      expect((await fromAddress(address, '/api/no-such-tenant/saml/login')).status).toBe(429);

      expect((await fromAddress('203.0.113.8', '/api/ratelimited/saml/login')).status).toBe(302);

      // The budget refills at the configured rate.
      await new Promise((resolve) => setTimeout(resolve, Number(refused.headers.get('retry-after')) * 1000 + 100));
      expect((await fromAddress(address, '/api/ratelimited/saml/login')).status).toBe(302);
    });

    it('an IPv6 client is limited by its /64, not by each address in it', async () => {
      for (let i = 0; i < 5; i += 1) expect((await fromAddress(`2001:db8:1:2::${i + 1}`, '/api/ratelimited/saml/login')).status).toBe(302);
      expect((await fromAddress('2001:db8:1:2:ffff::9', '/api/ratelimited/saml/login')).status).toBe(429);
      expect((await fromAddress('2001:db8:1:3::1', '/api/ratelimited/saml/login')).status).toBe(302);
    });

    it('sign-in still works for an address within its budget', async () => {
      const { requestId } = await configured.startLogin();
      expect(requestId).toBeTruthy();
    });
  });

  describe('the SP key pair', () => {
    it('20 concurrent first metadata requests generate and store one key pair; every answer shows its certificate', async () => {
      await createTenant(portico, 'keyrace');
      let answers: string[] = [];
      const transactions = await countTransactions(async () => {
        answers = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const response = await fromAddress(freshAddress(), '/api/keyrace/saml/metadata');
            expect(response.status).toBe(200);
            return response.text();
          }),
        );
      });
      const certificateOf = (xml: string) => /<(?:ds:)?X509Certificate>([^<]+)</.exec(xml)![1].replace(/\s+/g, '');
      expect(new Set(answers.map(certificateOf)).size).toBe(1);
      const stored = await sql<{ sp_certificate: string }>(
        portico.databaseUrl,
        `select c.sp_certificate from saml_connections c join tenants t on t.id = c.tenant_id where t.slug = 'keyrace'`,
      );
      expect(stored).toHaveLength(1);
      expect(stored[0].sp_certificate.replace(/-----[A-Z ]+-----|\s+/g, '')).toBe(certificateOf(answers[0]));
      const generated = await sql(
        portico.databaseUrl,
        `select 1 from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'keyrace' and e.summary = 'SAML service provider key pair generated'`,
      );
      expect(generated).toHaveLength(1);
      // One generation (the only write) for all of them, not one per request.
      expect(transactions.writes).toBe(1);
    });

    it('two processes racing on a new tenant: one key pair, the same certificate from both', async () => {
      await createTenant(portico, 'keyrace-two');
      // A second domain layer on the same database: another process's caches and in-process state.
      const other = createDomainServices(portico.orm.em, { secretKey: portico.secretKey });
      const ctx = { actor: systemActor('test'), source: 'SYSTEM' as const, requestId: 'key-race' };
      const [here, there] = await Promise.all([portico.services.tenants.scopeFor(ctx, 'keyrace-two'), other.tenants.scopeFor(ctx, 'keyrace-two')]);
      const certificates = await Promise.all([
        ...Array.from({ length: 5 }, () => portico.services.saml.spCertificate(here)),
        ...Array.from({ length: 5 }, () => other.saml.spCertificate(there)),
      ]);
      expect(new Set(certificates).size).toBe(1);
      const events = await sql(
        portico.databaseUrl,
        `select 1 from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'keyrace-two' and e.summary = 'SAML service provider key pair generated'`,
      );
      expect(events).toHaveLength(1);
    });
  });

  describe('unknown tenants', () => {
    const REQUESTS = 30;

    it('a flood of requests for an unknown slug over SAML, SCIM and GraphQL reads the database a few times, not once per request', async () => {
      const slug = `unknown-${randomBytes(4).toString('hex')}`;
      const transactions = await countTransactions(async () => {
        for (let i = 0; i < REQUESTS; i += 1) {
          expect((await fromAddress(freshAddress(), `/api/${slug}/saml/metadata`)).status).toBe(404);
          const scim = await fetch(`${portico.url}/api/${slug}/scim/v2/Users`, { headers: { authorization: `Bearer scim_${randomBytes(16).toString('hex')}` } });
          expect(scim.status).toBe(401);
          expect((await portico.gql(TenantDocument, { tenant: slug })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        }
      });
      // The first miss of each interface at most; none of them writes.
      expect(transactions.reads + transactions.writes).toBeLessThanOrEqual(3);
    });

    it('a tenant created afterwards on this process is usable at once', async () => {
      const slug = `late-${randomBytes(4).toString('hex')}`;
      expect((await fromAddress(freshAddress(), `/api/${slug}/saml/metadata`)).status).toBe(404);
      expect((await portico.gql(TenantDocument, { tenant: slug })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const created = await portico.gql(CreateTenantDocument, { input: { slug, name: slug } });
      expect(created.errors).toBeUndefined();
      expect((await fromAddress(freshAddress(), `/api/${slug}/saml/metadata`)).status).toBe(200);
      expect((await portico.gql(TenantDocument, { tenant: slug })).data?.tenant?.slug).toBe(slug);
    });

    it('a tenant created by another process becomes usable within a few seconds', async () => {
      const slug = `elsewhere-${randomBytes(4).toString('hex')}`;
      expect((await fromAddress(freshAddress(), `/api/${slug}/saml/metadata`)).status).toBe(404);
      const other = createDomainServices(portico.orm.em, { secretKey: portico.secretKey });
      await other.tenants.create({ actor: { kind: 'OPERATOR', id: null, label: 'other process', tenantId: null, level: 'ADMINISTRATOR' }, source: 'SYSTEM', requestId: 'elsewhere' }, { slug });
      await expect
        .poll(async () => (await fromAddress(freshAddress(), `/api/${slug}/saml/metadata`)).status, { timeout: 8_000, interval: 250 })
        .toBe(200);
    });
  });
});
