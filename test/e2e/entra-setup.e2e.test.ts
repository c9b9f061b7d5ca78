import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../fixtures/entra';
import { launchBrowser, nav, openConsole, screenshot, signInWithToken, type ConsoleWindow, BROWSER_AVAILABLE } from '../helpers/browser';
import { scimHttpClient } from '../helpers/scim';
import { startTestPortico, type TestPortico } from '../helpers/portico';

/** Acceptance 1 of issue 13: the Entra setup end to end in the browser, as an operator. */
describe.runIf(BROWSER_AVAILABLE)('console: the Entra setup', () => {
  let portico: TestPortico;
  let browser: Browser;
  let win: ConsoleWindow;
  let page: Page;

  beforeAll(async () => {
    [portico, browser] = await Promise.all([startTestPortico(), launchBrowser()]);
    win = await openConsole(browser, portico.url);
    page = win.page;
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
  });

  it('signs in with a pasted token and shows an operator the tenants', async () => {
    await page.getByLabel('Token', { exact: true }).waitFor();
    await screenshot(page, 'sign-in');
    // A wrong token is refused with a message, not a blank page.
    await page.getByLabel('Token', { exact: true }).fill('pto_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in refused' }).waitFor();

    await signInWithToken(page, portico.operatorToken);
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    expect(page.url()).toBe(`${portico.url}/console/tenants`);
    await page.getByLabel('Slug').fill('contoso');
    await page.getByLabel('Name', { exact: true }).fill('Contoso Ltd');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('link', { name: 'Contoso Ltd' }).waitFor();
    await screenshot(page, 'tenants');
  });

  let token = '';
  it('turns SCIM on and copies the one-time token from the dialog', async () => {
    await page.getByRole('link', { name: 'Contoso Ltd' }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    for (const name of ['Users', 'Groups', 'Teams', 'User provisioning', 'Single sign-on', 'Directory providers', 'Provisioning log', 'API keys', 'Tenants']) {
      await nav(page, name).waitFor();
    }
    await nav(page, 'User provisioning').click();
    const scimSwitch = page.getByRole('switch', { name: 'SCIM provisioning' });
    await scimSwitch.waitFor();
    expect(await scimSwitch.getAttribute('aria-checked')).toBe('false');
    await screenshot(page, 'user-provisioning');

    await scimSwitch.click();
    const dialog = page.getByRole('dialog', { name: 'SCIM token' });
    await dialog.waitFor();
    const tenantUrl = await dialog.getByLabel('Tenant URL').inputValue();
    expect(tenantUrl).toBe('https://portico.test/api/contoso/scim/v2');
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied').waitFor();
    token = await page.evaluate('navigator.clipboard.readText()');
    expect(token).toBe(await dialog.getByLabel('Secret Token').inputValue());
    expect(token.length).toBeGreaterThan(20);
    await screenshot(page, 'scim-token-dialog');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await scimSwitch.getAttribute('aria-checked')).toBe('true');
    await page.getByText(`${token.slice(0, 6)}`).first().waitFor();
  });

  it('shows a user that Entra provisions on Users, with the Microsoft Entra badge, and in the Provisioning log within 2 s', async () => {
    await nav(page, 'Users').click();
    await page.getByText('No users').waitFor();
    // A second tab on the Provisioning log, live too.
    const logTab = await win.context.newPage();
    await logTab.goto('/console/t/contoso/provisioning-log');
    await signInWithToken(logTab, portico.operatorToken);
    await logTab.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const scim = scimHttpClient(portico.url, 'contoso', token);
    const posted = await scim.post('/Users', entraUser({ userName: 'adele.vance@contoso.test', displayName: 'Adele Vance' }));
    expect(posted.status).toBe(201);
    const startedAt = Date.now();
    const row = page.getByRole('row', { name: /Adele Vance/ });
    await row.waitFor({ timeout: 2_000 });
    await row.getByText('Microsoft Entra', { exact: true }).waitFor({ timeout: 2_000 - (Date.now() - startedAt) });
    await logTab
      .getByRole('list', { name: 'Provisioning events, newest first' })
      .getByRole('listitem')
      .first()
      .filter({ hasText: 'User created' })
      .waitFor({ timeout: Math.max(2_000 - (Date.now() - startedAt), 1) });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await screenshot(page, 'users');
    await screenshot(logTab, 'provisioning-log');

    // The user's page: attributes, groups, effective access, events.
    await row.getByRole('link', { name: 'Adele Vance' }).click();
    await page.getByRole('heading', { name: 'Adele Vance', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Effective access' }).waitFor();
    await page.getByRole('list', { name: 'Events of Adele Vance' }).getByText('User created').waitFor();
    await screenshot(page, 'user');
    await logTab.close();
  });

  it('searches users on the server', async () => {
    await page.goBack();
    const scim = scimHttpClient(portico.url, 'contoso', token);
    for (const name of ['Megan Bowen', 'Nestor Wilke']) {
      const userName = `${name.split(' ')[0].toLowerCase()}@contoso.test`;
      expect((await scim.post('/Users', entraUser({ userName, displayName: name }))).status).toBe(201);
    }
    await page.getByRole('row', { name: /Nestor Wilke/ }).waitFor();
    await page.getByLabel('Search users').fill('megan');
    await page.getByRole('row', { name: /Nestor Wilke/ }).waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /Megan Bowen/ }).waitFor();
    expect(page.url()).toContain('search=megan');
    expect(win.consoleErrors).toEqual([]);
  });

  it('Provisioning log: live, resumes after a dropped connection without a gap, filters by type, and shows what a refused request sent and why', async () => {
    const sockets: WebSocketRoute[] = [];
    let down = false;
    const logTab = await win.context.newPage();
    // The browser's WebSocket goes through a proxy this test can cut, as a network drop would; while the
    // network is down, every new connection is dropped at once.
    await logTab.routeWebSocket(/\/graphql$/, (ws) => {
      sockets.push(ws);
      if (down) void ws.close({ code: 1012, reason: 'test: network down' });
      else ws.connectToServer();
    });
    await logTab.goto('/console/t/contoso/provisioning-log');
    await signInWithToken(logTab, portico.operatorToken);
    const live = logTab.getByRole('status').filter({ hasText: /^Live/ });
    await live.waitFor();
    const events = logTab.getByRole('list', { name: 'Provisioning events, newest first' });

    const scim = scimHttpClient(portico.url, 'contoso', token);
    down = true;
    await Promise.all(sockets.map((ws) => ws.close({ code: 1012, reason: 'test: connection dropped' })));
    await logTab.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor();
    // While the console has no connection, Entra goes on provisioning.
    for (const name of ['Lynne Robbins', 'Diego Siciliani']) {
      const userName = `${name.split(' ')[0].toLowerCase()}@contoso.test`;
      expect((await scim.post('/Users', entraUser({ userName, displayName: name }))).status).toBe(201);
    }
    const attempts = sockets.length;
    await expect.poll(() => sockets.length, { timeout: 5_000 }).toBeGreaterThan(attempts);
    down = false;
    await live.waitFor();
    for (const userName of ['lynne@contoso.test', 'diego@contoso.test']) {
      const item = events.getByRole('listitem').filter({ hasText: `User ${userName} created` });
      await item.waitFor();
      expect(await item.count()).toBe(1);
    }
    // Newest first.
    expect(await events.getByRole('listitem').first().textContent()).toContain('diego@contoso.test');
    expect(sockets.length).toBeGreaterThan(1);

    // A refused SCIM request: what was sent, and why.
    const refused = await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], displayName: 'No User Name' });
    expect(refused.status).toBe(400);
    const rejected = events.getByRole('listitem').filter({ hasText: 'SCIM request rejected' }).first();
    await rejected.waitFor({ timeout: 2_000 });
    await rejected.getByRole('heading', { name: 'What was sent' }).waitFor();
    await rejected.getByText('POST /Users', { exact: true }).waitFor();
    expect(await rejected.getByLabel('Request body').textContent()).toContain('No User Name');
    await rejected.getByRole('heading', { name: 'Why it was refused' }).waitFor();
    await screenshot(logTab, 'provisioning-log-rejected');

    await logTab.getByLabel('Event type').selectOption({ label: 'SCIM request rejected' });
    await events.getByRole('listitem').filter({ hasText: 'User created' }).first().waitFor({ state: 'detached' });
    expect(await events.getByRole('listitem').count()).toBe(1);
    expect(logTab.url()).toContain('type=SCIM_REQUEST_REJECTED');
    await screenshot(logTab, 'provisioning-log-filtered');
    await logTab.close();
  });

  it('regenerates the SCIM token with an overlap period: both tokens work for that time', async () => {
    // What Entra sent so far (six requests, one refused), written now rather than at the next periodic flush.
    await portico.services.scimRequests.flush();
    await nav(page, 'User provisioning').click();
    const requests = page.getByText('Requests from Entra in the last 24 h', { exact: true }).locator('..');
    await requests.getByText('6', { exact: true }).waitFor();
    await page.getByText('Refused in the last 24 h', { exact: true }).locator('..').getByRole('link', { name: '1 refused' }).waitFor();
    await page.getByRole('button', { name: 'Regenerate token' }).click();
    const warning = page.getByRole('dialog', { name: 'Regenerate token' });
    await warning.getByText('A new token invalidates the current one').waitFor();
    await warning.getByLabel('Overlap period').selectOption({ label: '1 hour' });
    await screenshot(page, 'regenerate-token');
    await warning.getByRole('button', { name: 'Generate new token' }).click();
    const dialog = page.getByRole('dialog', { name: 'SCIM token' });
    const fresh = await dialog.getByLabel('Secret Token').inputValue();
    expect(fresh).not.toBe(token);
    await dialog.getByRole('button', { name: 'Done' }).click();
    for (const bearer of [token, fresh]) expect((await scimHttpClient(portico.url, 'contoso', bearer).get('/Users', { count: '1' })).status).toBe(200);
    // The refused request above is counted and linked.
    await page.getByRole('link', { name: '1 refused' }).click();
    await page.getByRole('heading', { name: 'Provisioning log', level: 1 }).waitFor();
    expect(await page.getByLabel('Event type').inputValue()).toBe('SCIM_REQUEST_REJECTED');
    expect(win.consoleErrors).toEqual([]);
  });

  it('shows on Users a user Entra provisioned while the live feed was still connecting', async () => {
    // The page read the users before this one existed, and its feed reached the server only after it was created
    // (a slow network, a busy server): the user must show all the same, without a reload.
    const tab = await win.context.newPage();
    const held: string[] = [];
    let holding = true;
    let server: WebSocketRoute | null = null;
    await tab.routeWebSocket(/\/graphql$/, (ws) => {
      const toServer = ws.connectToServer();
      server = toServer;
      // The connection itself goes through; only the subscription waits.
      ws.onMessage((message) => {
        const text = typeof message === 'string' ? message : message.toString();
        if (holding && (JSON.parse(text) as { type?: string }).type === 'subscribe') held.push(text);
        else toServer.send(message);
      });
    });
    await tab.goto('/console/t/contoso/users');
    await signInWithToken(tab, portico.operatorToken);
    await tab.getByRole('row', { name: /Nestor Wilke/ }).waitFor();
    await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // The first token: still good for the overlap hour the test above gave it.
    const scim = scimHttpClient(portico.url, 'contoso', token);
    expect((await scim.post('/Users', entraUser({ userName: 'patti@contoso.test', displayName: 'Patti Fernandez' }))).status).toBe(201);
    holding = false;
    for (const text of held.splice(0)) server!.send(text);
    await tab.getByRole('row', { name: /Patti Fernandez/ }).waitFor({ timeout: 5_000 });
    await tab.close();
  });
});
