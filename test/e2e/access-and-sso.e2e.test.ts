import { X509Certificate } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlSpUrls } from '../../src/config/urls';
import { entraGroup, entraUser, PATCH_OP } from '../fixtures/entra';
import { createTestIdp, federationMetadataXml } from '../fixtures/saml-idp';
import { launchBrowser, nav, openConsole, screenshot, signInWithToken, type ConsoleWindow, BROWSER_AVAILABLE } from '../helpers/browser';
import { startTestPortico, type TestPortico } from '../helpers/portico';
import { scimTenant, type ScimClient } from '../helpers/scim';

/** The browser's rendering of a date (the console uses the browser's time zone and locale). */
const shownDate = (date: Date) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'Europe/Berlin' }).format(date);

/** Acceptance 2 and 3 of issue 13: mapping end to end, and the SAML setup. */
describe.runIf(BROWSER_AVAILABLE)('console: teams, mappings and single sign-on', () => {
  let portico: TestPortico;
  let browser: Browser;
  let win: ConsoleWindow;
  let page: Page;
  let scim: ScimClient;
  let userId: string;
  let groupId: string;

  beforeAll(async () => {
    [portico, browser] = await Promise.all([startTestPortico(), launchBrowser()]);
    scim = await scimTenant(portico, 'fabrikam');
    const user = await scim.post('/Users', entraUser({ userName: 'lee.gu@fabrikam.test', displayName: 'Lee Gu' }));
    userId = user.body.id;
    const group = await scim.post('/Groups', entraGroup('Sales'));
    groupId = group.body.id;
    expect((await scim.post('/Groups', entraGroup('Marketing'))).status).toBe(201);
    const added = await scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] });
    expect(added.status).toBe(204);
    win = await openConsole(browser, portico.url, { path: '/t/fabrikam/teams' });
    page = win.page;
    await signInWithToken(page, portico.operatorToken);
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
  });

  it('creates, renames and deletes teams', async () => {
    await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
    for (const name of ['Field Sales', 'Temporary']) {
      await page.getByLabel('Team name').fill(name);
      await page.getByRole('button', { name: 'Create team' }).click();
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
    await screenshot(page, 'teams');
    await page.getByRole('link', { name: 'Temporary' }).click();
    await page.getByLabel('New name').fill('Short-lived');
    await page.getByRole('button', { name: 'Rename team' }).click();
    await page.getByRole('heading', { name: 'Short-lived', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete team' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete team Short-lived?' });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Short-lived' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Field Sales' }).waitFor();
  });

  it('sets the fallback team and maps a SCIM-provisioned group to a team at a level; the member’s page shows the access and the group that granted it', async () => {
    await nav(page, 'User provisioning').click();
    await page.getByLabel('Fallback team').selectOption({ label: 'Field Sales' });
    await page.getByText('Fallback team set to Field Sales.').waitFor();

    // The default mapping, with its edit (pencil) button.
    await page.getByRole('button', { name: 'Edit default mapping' }).click();
    const defaultEditor = page.getByRole('form', { name: 'Edit the default mapping' });
    await defaultEditor.getByLabel('Global level').selectOption('VIEWER');
    await defaultEditor.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Viewer globally').waitFor();

    // The group picker searches on the server: typing narrows what it offers.
    await page.getByText('2 groups.', { exact: true }).waitFor();
    await page.getByLabel('Find a group').fill('SAL');
    await page.getByText('1 group matches “SAL”.', { exact: true }).waitFor();
    const picker = page.getByLabel('Group', { exact: true });
    expect(await picker.getByRole('option').allTextContents()).toEqual(['Choose a group', 'Sales']);
    await picker.selectOption({ label: 'Sales' });
    const editor = page.getByRole('form', { name: 'Edit the mapping of Sales' });
    await editor.getByLabel('Add team').selectOption({ label: 'Field Sales' });
    await editor.getByLabel('Level in the added team').selectOption('COLLABORATOR');
    await editor.getByRole('button', { name: 'Add', exact: true }).click();
    await editor.getByLabel('Level in Field Sales').waitFor();
    await editor.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('None globally, Collaborator in Field Sales').waitFor();
    await screenshot(page, 'user-provisioning-mappings');

    await nav(page, 'Users').click();
    await page.getByRole('link', { name: 'Lee Gu' }).click();
    const access = page.getByRole('table', { name: 'Team access' });
    const row = access.getByRole('row', { name: /Field Sales/ });
    await row.waitFor();
    await row.getByRole('cell', { name: 'Collaborator' }).waitFor();
    await row.getByRole('link', { name: 'Sales', exact: true }).waitFor();
    await screenshot(page, 'user-access');

    // The team's members, and why; the group's members count and mapping.
    await row.getByRole('link', { name: 'Field Sales' }).click();
    const member = page.getByRole('row', { name: /Lee Gu/ });
    await member.getByRole('cell', { name: 'Collaborator' }).waitFor();
    await member.getByRole('link', { name: 'Sales', exact: true }).waitFor();
    await screenshot(page, 'team');
    await nav(page, 'Groups').click();
    const group = page.getByRole('row', { name: /Sales/ });
    await group.getByRole('cell', { name: '1', exact: true }).waitFor();
    await group.getByText('Collaborator in Field Sales').waitFor();
    await screenshot(page, 'groups');
    await group.getByRole('link', { name: 'Sales' }).click();
    await page.getByRole('table', { name: 'Members of Sales' }).getByRole('link', { name: 'Lee Gu' }).waitFor();
    await screenshot(page, 'group');
  });

  it('configures SAML from pasted Entra metadata XML, shows the certificate and its expiry, and copies the SP values', async () => {
    const idp = createTestIdp();
    await nav(page, 'Single sign-on').click();
    await page.getByText('SAML sign-in is not configured yet.').waitFor();
    await page.getByLabel('Federation metadata XML').fill(federationMetadataXml(idp));
    await page.getByRole('button', { name: 'Use metadata XML' }).click();
    await page.getByText('The IdP configuration was replaced from the metadata XML.').waitFor();
    await page.getByText(idp.entityId, { exact: true }).waitFor();
    const certificates = page.getByRole('table', { name: 'Signing certificates' });
    const notAfter = new Date(new X509Certificate(idp.certificatePem).validTo);
    await certificates.getByRole('cell', { name: shownDate(notAfter) }).waitFor();

    const sp = samlSpUrls('https://portico.test', 'fabrikam');
    await page.getByRole('button', { name: 'Copy Identifier (Entity ID)' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(sp.entityId);
    await page.getByRole('button', { name: 'Copy Reply URL (Assertion Consumer Service URL)' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(sp.acsUrl);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download SP metadata' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('portico-fabrikam-sp-metadata.xml');

    const jit = page.getByRole('switch', { name: 'Just-in-time user creation' });
    await jit.click();
    await expect.poll(() => jit.getAttribute('aria-checked')).toBe('true');
    await screenshot(page, 'single-sign-on');

    // A metadata URL that cannot be fetched: the refusal is said plainly, the XML configuration stays.
    await page.getByLabel('App Federation Metadata URL').fill('https://127.0.0.1:1/federationmetadata.xml');
    await page.getByRole('button', { name: 'Use metadata URL' }).click();
    await page.getByRole('alert').filter({ hasText: 'The metadata was not applied.' }).waitFor();
    await page.getByText(idp.entityId, { exact: true }).waitFor();
    expect(win.consoleErrors).toEqual([]);
  });
});
