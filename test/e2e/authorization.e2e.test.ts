import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateApiKeyDocument, SetDefaultMappingDocument } from '../generated/graphql';
import { entraUser } from '../fixtures/entra';
import { launchBrowser, nav, openConsole, screenshot, signInWithToken, BROWSER_AVAILABLE } from '../helpers/browser';
import { createTenant, startTestPortico, type TestPortico } from '../helpers/portico';
import { samlTenant } from '../helpers/saml';

const ADMIN_SCREENS = ['User provisioning', 'Single sign-on', 'Directory providers', 'Provisioning log', 'API keys'];

/** Acceptance 5 of issue 13: a VIEWER sees no administration control; a tenant admin stays in their tenant. */
describe.runIf(BROWSER_AVAILABLE)('console: authorization', () => {
  let portico: TestPortico;
  let browser: Browser;
  let viewerSession: string;
  let adminKey: string;

  beforeAll(async () => {
    [portico, browser] = await Promise.all([startTestPortico(), launchBrowser()]);
    const saml = await samlTenant(portico, 'northwind');
    await createTenant(portico, 'woodgrove');
    expect((await saml.scim.post('/Users', entraUser({ userName: 'pat@northwind.test', displayName: 'Pat Viewer' }))).status).toBe(201);
    const mapping = await portico.gql(SetDefaultMappingDocument, { tenant: 'northwind', input: { globalLevel: 'VIEWER', teams: [] } });
    expect(mapping.errors).toBeUndefined();
    // An SP-initiated sign-in, as the console's "Continue with SSO" starts it.
    const login = await saml.startLogin('/console/');
    const signedIn = await saml.signIn('pat@northwind.test', { inResponseTo: login.requestId }, login.relayState!);
    expect(signedIn.session).toBeTruthy();
    expect(signedIn.location).toBe('/console/');
    viewerSession = signedIn.session!;
    const key = await portico.gql(CreateApiKeyDocument, { tenant: 'northwind', input: { name: 'console admin', level: 'ADMINISTRATOR' } });
    adminKey = key.data!.createApiKey.token;
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
  });

  it('a VIEWER signed in through SAML (the session cookie) sees what they may read and no administration control', async () => {
    const win = await openConsole(browser, portico.url, { path: '/none' });
    await win.context.addCookies([{ name: 'portico_session', value: viewerSession, url: portico.url, httpOnly: true, sameSite: 'Lax' }]);
    const { page } = win;
    await page.goto('/console/');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    expect(page.url()).toBe(`${portico.url}/console/t/northwind/users`);
    await page.getByText('Pat Viewer').first().waitFor();
    for (const name of ['Users', 'Groups', 'Teams']) await nav(page, name).waitFor();
    for (const name of [...ADMIN_SCREENS, 'Tenants']) expect(await nav(page, name).count()).toBe(0);
    await screenshot(page, 'viewer-users');

    await nav(page, 'Teams').click();
    await page.getByText('No team yet.').waitFor();
    expect(await page.getByRole('button', { name: 'Create team' }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);

    await nav(page, 'Users').click();
    await page.getByRole('link', { name: 'Pat Viewer' }).click();
    await page.getByRole('heading', { name: 'Effective access' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Events' }).count()).toBe(0);

    // Typed in by hand, an administration screen says why it is not shown.
    await page.goto('/console/t/northwind/user-provisioning');
    await page.getByRole('alert').filter({ hasText: '“User provisioning” needs the Administrator level; you have viewer.' }).waitFor();
    expect(await page.getByRole('switch').count()).toBe(0);
    await screenshot(page, 'viewer-refused');

    // Signing out ends the session on the server too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.goto('/console/');
    await page.getByLabel('Token', { exact: true }).waitFor();
    expect(win.consoleErrors).toEqual([]);
    await win.context.close();
  });

  it('a tenant administrator sees their tenant’s screens and cannot reach another tenant’s', async () => {
    const win = await openConsole(browser, portico.url);
    const { page } = win;
    // By keyboard: Tab to the Token field (after the Tenant field and its button), type, Enter.
    await page.getByLabel('Tenant', { exact: true }).waitFor();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.labels[0].textContent')).toBe('Token');
    await page.keyboard.type(adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    // Skip link first, then the header's Sign out, then the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    for (const name of ['Users', 'Groups', 'Teams', ...ADMIN_SCREENS]) await nav(page, name).waitFor();
    expect(await nav(page, 'Tenants').count()).toBe(0);

    for (const path of ['/t/woodgrove/users', '/t/woodgrove/user-provisioning']) {
      // Typed in by hand (the pasted token lasts for this tab, across loads).
      await page.goto(`/console${path}`);
      await page.getByRole('alert').filter({ hasText: 'You cannot open the tenant “woodgrove”: you are signed in to “northwind”.' }).waitFor();
      expect(await page.getByRole('table').count()).toBe(0);
      expect(await nav(page, 'Users').count()).toBe(0);
    }
    await screenshot(page, 'admin-other-tenant');
    await page.goto('/console/tenants');
    await page.getByRole('alert').filter({ hasText: 'Only the platform operator sees the tenants.' }).waitFor();
    expect(win.consoleErrors).toEqual([]);
    await win.context.close();
  });

  it('an administrator creates an API key (shown once), lists and revokes it; at phone width too', async () => {
    const win = await openConsole(browser, portico.url, { width: 390, height: 844, path: '/t/northwind/api-keys' });
    const { page } = win;
    await signInWithToken(page, adminKey);
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByLabel('Key name').fill('reporting');
    await page.getByLabel('Level').selectOption('VIEWER');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'API key reporting' });
    const token = await dialog.getByLabel('API key').inputValue();
    expect(token.length).toBeGreaterThan(20);
    await screenshot(page, 'api-key-created-phone');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row', { name: /reporting/ });
    await row.waitFor();
    expect(await page.getByText(token).count()).toBe(0);
    await row.getByRole('button', { name: 'Revoke reporting' }).click();
    await page.getByRole('dialog', { name: 'Revoke reporting?' }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.getByText('Revoked').waitFor();
    await screenshot(page, 'api-keys-phone');
    await nav(page, 'User provisioning').click();
    await page.getByRole('switch', { name: 'SCIM provisioning' }).waitFor();
    await screenshot(page, 'user-provisioning-phone');
    expect(win.consoleErrors).toEqual([]);
    await win.context.close();
  });
});
