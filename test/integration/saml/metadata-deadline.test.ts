import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigureSamlDocument, SamlSettingsDocument } from '../../generated/graphql';
import { createTestIdp, federationMetadataXml } from '../../fixtures/saml-idp';
import { sql } from '../../helpers/database';
import { createTenant, operatorScope, startTestPortico, type TestPortico } from '../../helpers/portico';
import { SamlMetadataReader } from '../../../src/saml/metadata-reader';
import { startMetadataRefresh } from '../../../src/saml/metadata-refresh';

/**
 * A stand-in IdP metadata endpoint per tenant (`?tenant=`): the metadata at once, or, for a tenant in
 * `dripping`, a 200 whose body comes one byte a second and never ends (no idle timeout ever fires).
 */
async function metadataServer(xml: string) {
  const dripping = new Set<string>();
  const server: Server = createServer((req, res) => {
    const tenant = new URL(req.url ?? '/', 'http://x').searchParams.get('tenant') ?? '';
    if (!dripping.has(tenant)) {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.write('<');
    const drip = setInterval(() => res.write(' '), 1_000);
    res.on('close', () => clearInterval(drip));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (tenant: string) => `http://127.0.0.1:${port}/federationmetadata.xml?tenant=${tenant}`,
    dripping,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Issue 11, finding 5: a slow IdP metadata URL is cut at a total deadline and never stalls other tenants. */
describe('IdP metadata fetch deadline and independent refresh', () => {
  const DEADLINE_SECONDS = 5;
  let portico: TestPortico;
  let idpServer: Awaited<ReturnType<typeof metadataServer>>;

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_SAML_METADATA_INSECURE: 'true', PORTICO_SAML_METADATA_TIMEOUT_SECONDS: String(DEADLINE_SECONDS) });
    idpServer = await metadataServer(federationMetadataXml(createTestIdp()));
    for (const slug of ['slowco', 'fastco', 'stampco']) {
      await createTenant(portico, slug);
      const configured = await portico.gql(ConfigureSamlDocument, { tenant: slug, input: { metadataUrl: idpServer.urlFor(slug) } });
      expect(configured.errors).toBeUndefined();
    }
  }, 90_000);

  afterAll(async () => {
    await idpServer?.close();
    await portico?.stop();
  });

  const attemptedAt = async (slug: string) => {
    const [row] = await sql<{ metadata_attempted_at: Date | null }>(
      portico.databaseUrl,
      `select c.metadata_attempted_at from saml_connections c join tenants t on t.id = c.tenant_id where t.slug = $1`,
      [slug],
    );
    return row.metadata_attempted_at?.getTime() ?? 0;
  };

  it('a server that sends a byte a second is cut at the total deadline', async () => {
    idpServer.dripping.add('drip-direct');
    const reader = new SamlMetadataReader(true, 1_500);
    const started = Date.now();
    await expect(reader.fetch(idpServer.urlFor('drip-direct'))).rejects.toThrow(/did not answer within 1.5 s/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(4_000);
  }, 15_000);

  it('configureSaml from a dripping URL fails with BAD_USER_INPUT at the configured deadline', async () => {
    idpServer.dripping.add('drip-configure');
    await createTenant(portico, 'dripconf');
    const started = Date.now();
    const result = await portico.gql(ConfigureSamlDocument, { tenant: 'dripconf', input: { metadataUrl: idpServer.urlFor('drip-configure') } });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining(`within ${DEADLINE_SECONDS} s`) });
    expect(Date.now() - started).toBeLessThan(DEADLINE_SECONDS * 1000 + 3_000);
  }, 15_000);

  it('the attempt is stamped in the database before the fetch returns', async () => {
    idpServer.dripping.add('stampco');
    const before = await attemptedAt('stampco');
    let settled = false;
    const refreshing = operatorScope(portico, 'stampco').then((scope) => portico.services.saml.refreshMetadata(scope));
    void refreshing.finally(() => (settled = true));
    await expect.poll(() => attemptedAt('stampco'), { timeout: 3_000, interval: 50 }).toBeGreaterThan(before);
    expect(settled).toBe(false); // still fetching
    const view = await refreshing;
    expect(view.metadataRefreshError).toMatch(new RegExp(`within ${DEADLINE_SECONDS} s`));
    idpServer.dripping.delete('stampco');
  }, 15_000);

  it('one slow tenant does not delay the refresh of another; both are stamped before their fetch returns', async () => {
    idpServer.dripping.add('slowco');
    // Both due, the slow one first in line (it waited longest).
    await sql(portico.databaseUrl, `update saml_connections c set metadata_attempted_at = $2 from tenants t where t.id = c.tenant_id and t.slug = $1`, ['slowco', new Date('2000-01-01')]);
    await sql(portico.databaseUrl, `update saml_connections c set metadata_attempted_at = $2 from tenants t where t.id = c.tenant_id and t.slug = $1`, ['fastco', new Date('2000-01-02')]);
    await sql(portico.databaseUrl, `update saml_connections set metadata_attempted_at = now() where metadata_attempted_at is null or metadata_attempted_at > '2000-01-03'`);
    const refreshedAt = async (slug: string) => (await portico.gql(SamlSettingsDocument, { tenant: slug })).data!.samlSettings.metadataRefreshedAt;
    const fastBefore = await refreshedAt('fastco');
    const slowBefore = await attemptedAt('slowco');

    const started = Date.now();
    const stop = startMetadataRefresh({ services: portico.services, logger: portico.logger, maxAgeMs: 24 * 3600 * 1000, checkEveryMs: 50 });
    try {
      // Well before the slow tenant's deadline: the fast one did not wait behind it.
      await expect.poll(() => refreshedAt('fastco'), { timeout: 4_000, interval: 50 }).not.toBe(fastBefore);
      expect(Date.now() - started).toBeLessThan(DEADLINE_SECONDS * 1000);
      expect(await attemptedAt('slowco')).toBeGreaterThan(slowBefore);
      const slowSettings = (await portico.gql(SamlSettingsDocument, { tenant: 'slowco' })).data!.samlSettings;
      expect(slowSettings.metadataRefreshError).toBeNull(); // its fetch has not returned yet
      // Then the slow one ends at its deadline, as a failed refresh that keeps the last good configuration.
      await expect
        .poll(async () => (await portico.gql(SamlSettingsDocument, { tenant: 'slowco' })).data!.samlSettings.metadataRefreshError, { timeout: DEADLINE_SECONDS * 1000 + 3_000, interval: 100 })
        .toMatch(new RegExp(`within ${DEADLINE_SECONDS} s`));
    } finally {
      stop();
    }
  }, 20_000);
});
