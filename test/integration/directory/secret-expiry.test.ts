import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft } from '../../fixtures/fake-microsoft';
import { tinyPng } from '../../fixtures/images';
import { daysFromNow, directoryApi, directoryEnv, inputFor, metricValue, provisionPeople } from '../../helpers/directory';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { createLogger } from '../../../src/http/logger';
import { directoryPassOnce } from '../../../src/jobs/directory-sync';
import { scimTenant } from '../../helpers/scim';

const METRIC = 'portico_directory_secret_days_left';

/**
 * Issue 12, acceptance 1 (the expiry warning) and the days-left gauge: DIRECTORY_SECRET_EXPIRING is raised once
 * when the secret comes within 14 days of secretExpiresAt and once more when it has expired, never again for the
 * same phase; configuring a new expiry starts over.
 */
describe('the client secret\'s expiry', () => {
  let fake: FakeMicrosoft;
  let portico: TestPortico;

  beforeAll(async () => {
    fake = await startFakeMicrosoft();
    portico = await startTestPortico(directoryEnv(fake));
  });
  afterAll(async () => {
    await portico?.stop();
    await fake?.close();
  });

  it('warns once within 14 days, once more when expired, and again only after a reconfigure with a new expiry', async () => {
    const scim = await scimTenant(portico, 'expiry');
    await provisionPeople(scim, fake, [{ userName: 'e@contoso.example', photo: tinyPng() }]);
    const api = directoryApi(portico.url, 'expiry', { token: portico.operatorToken });
    const warnings = () => api.events(['DIRECTORY_SECRET_EXPIRING']);

    // Ten days ahead: warned at configure.
    const configured = await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(10) }));
    expect(configured.secretExpiresInDays).toBeGreaterThanOrEqual(9);
    expect(configured.secretExpiresInDays).toBeLessThanOrEqual(10);
    let seen = await warnings();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ subjectType: expect.any(String) });
    expect(`${seen[0].summary} ${JSON.stringify(seen[0].detail)}`).toMatch(/expire/i);

    // Each sync checks again, but the warning is not repeated.
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED' });
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED' });
    expect(await warnings()).toHaveLength(1);
    // Nor does a reconfigure with the same expiry repeat it.
    await api.configure(inputFor(fake, { secretExpiresAt: configured.secretExpiresAt }));
    expect(await warnings()).toHaveLength(1);

    const daysLeft = await metricValue(portico.url, METRIC, { tenant: 'expiry' });
    expect(daysLeft).toBeGreaterThan(9);
    expect(daysLeft).toBeLessThanOrEqual(10);

    // Expired: one more.
    const expiredAt = daysFromNow(-1);
    await api.configure(inputFor(fake, { secretExpiresAt: expiredAt }));
    seen = await warnings();
    expect(seen).toHaveLength(2);
    expect(`${seen[1].summary} ${seen[1].error ?? ''}`).toMatch(/expired/i);
    expect((await api.provider())!.secretExpiresInDays).toBeLessThan(0);
    expect(await metricValue(portico.url, METRIC, { tenant: 'expiry' })).toBeLessThanOrEqual(0);
    await api.configure(inputFor(fake, { secretExpiresAt: expiredAt }));
    expect(await warnings()).toHaveLength(2);

    // A new secret, far from expiry: nothing to warn about.
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(700) }));
    expect(await warnings()).toHaveLength(2);
    expect(await metricValue(portico.url, METRIC, { tenant: 'expiry' })).toBeGreaterThan(699);

    // That reset the warning: a later expiry within 14 days warns again.
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(5) }));
    expect(await warnings()).toHaveLength(3);
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED' });
    expect(await warnings()).toHaveLength(3);
  });

  it('no expiry date: no warning, no gauge sample', async () => {
    const scim = await scimTenant(portico, 'no-expiry');
    await provisionPeople(scim, fake, [{ userName: 'n@contoso.example', photo: tinyPng() }]);
    const api = directoryApi(portico.url, 'no-expiry', { token: portico.operatorToken });
    const configured = await api.configure(inputFor(fake));
    expect(configured).toMatchObject({ secretExpiresAt: null, secretExpiresInDays: null });
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED' });
    expect(await api.events(['DIRECTORY_SECRET_EXPIRING'])).toEqual([]);
    expect(await metricValue(portico.url, METRIC, { tenant: 'no-expiry' })).toBeUndefined();
  });

  it('the gauge follows the provider: removed, its sample goes', async () => {
    await scimTenant(portico, 'gauge');
    const api = directoryApi(portico.url, 'gauge', { token: portico.operatorToken });
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(30) }));
    const days = await metricValue(portico.url, METRIC, { tenant: 'gauge' });
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);
    expect(await api.events(['DIRECTORY_SECRET_EXPIRING'])).toEqual([]);
    await api.removeRaw();
    expect(await metricValue(portico.url, METRIC, { tenant: 'gauge' })).toBeUndefined();
  });

  it('the schedule notices a secret that came within 14 days while nobody configured or synced anything', async () => {
    const scim = await scimTenant(portico, 'scheduled');
    await provisionPeople(scim, fake, [{ userName: 's@contoso.example', photo: tinyPng() }]);
    const api = directoryApi(portico.url, 'scheduled', { token: portico.operatorToken });
    await api.configure(inputFor(fake, { secretExpiresAt: daysFromNow(40) }));
    const logger = createLogger('silent');
    await directoryPassOnce(portico.services, logger, 0);
    expect(await api.events(['DIRECTORY_SECRET_EXPIRING'])).toEqual([]);

    // Time passes (the expiry moves closer, to the microsecond, as a clock would have it).
    await sql(portico.databaseUrl, `update directory_providers set secret_expires_at = now() + interval '13 days 5 hours' where client_id = '${fake.app.clientId}'`);
    await Promise.all([directoryPassOnce(portico.services, logger, 0), directoryPassOnce(portico.services, logger, 0)]);
    const warned = await api.events(['DIRECTORY_SECRET_EXPIRING']);
    expect(warned).toHaveLength(1);
    expect(warned[0].summary).toMatch(/in 13 days/);

    await sql(portico.databaseUrl, `update directory_providers set secret_expires_at = now() - interval '1 minute' where client_id = '${fake.app.clientId}'`);
    await directoryPassOnce(portico.services, logger, 0);
    await directoryPassOnce(portico.services, logger, 0);
    const expired = await api.events(['DIRECTORY_SECRET_EXPIRING']);
    expect(expired).toHaveLength(2);
    expect(expired.map((e) => e.outcome).sort()).toEqual(['FAILURE', 'SUCCESS']);
  });

  it('the schedule syncs a tenant whose last sync is older than PORTICO_DIRECTORY_SYNC_MINUTES, once', async () => {
    const scim = await scimTenant(portico, 'due');
    await provisionPeople(scim, fake, [{ userName: 'd@contoso.example', photo: tinyPng() }]);
    const api = directoryApi(portico.url, 'due', { token: portico.operatorToken });
    await api.configure(inputFor(fake));
    const logger = createLogger('silent');
    // Never synced: due. Other tenants of this file are due too; each is synced once.
    await directoryPassOnce(portico.services, logger, 40);
    expect((await api.provider())!.lastSync).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1 });
    const syncs = () => sql(portico.databaseUrl, `select s.trigger from directory_syncs s join tenants t on t.id = s.tenant_id where t.slug = 'due'`);
    expect(await syncs()).toEqual([{ trigger: 'SCHEDULE' }]);
    // Synced a moment ago: not due again.
    await directoryPassOnce(portico.services, logger, 40);
    expect(await syncs()).toHaveLength(1);
  });

  it('a sync whose process died (its heartbeat stale) does not hold the schedule back: it is failed, with its event, and a new one runs', async () => {
    const scim = await scimTenant(portico, 'stale');
    await provisionPeople(scim, fake, [{ userName: 'st@contoso.example', photo: tinyPng() }]);
    const api = directoryApi(portico.url, 'stale', { token: portico.operatorToken });
    await api.configure(inputFor(fake));
    const [{ id: tenantId }] = await sql(portico.databaseUrl, `select id from tenants where slug = 'stale'`);
    await sql(
      portico.databaseUrl,
      `insert into directory_syncs (id, tenant_id, state, trigger, started_at, heartbeat_at)
       values (gen_random_uuid(), '${tenantId}', 'RUNNING', 'SCHEDULE', now() - interval '10 minutes', now() - interval '9 minutes')`,
    );
    await directoryPassOnce(portico.services, createLogger('silent'), 40);
    const syncs = await sql(portico.databaseUrl, `select state, error from directory_syncs where tenant_id = '${tenantId}' order by started_at`);
    expect(syncs).toEqual([
      { state: 'FAILED', error: expect.stringMatching(/stopped before it finished/) },
      { state: 'SUCCEEDED', error: null },
    ]);
    const failed = await api.events(['DIRECTORY_SYNC_FAILED']);
    expect(failed).toHaveLength(1);
    expect(failed[0].summary).toMatch(/stopped before it finished/);
  });
});
