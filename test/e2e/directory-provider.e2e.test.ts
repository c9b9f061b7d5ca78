import { randomBytes, randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateApiKeyDocument } from '../generated/graphql';
import { startFakeMicrosoft, type FakeMicrosoft } from '../fixtures/fake-microsoft';
import { launchBrowser, nav, openConsole, screenshot, signInWithToken, type ConsoleWindow, BROWSER_AVAILABLE } from '../helpers/browser';
import { directoryApi, directoryEnv, provisionPeople } from '../helpers/directory';
import { startTestPortico, type TestPortico } from '../helpers/portico';
import { scimTenant } from '../helpers/scim';

const SIZE = 96;

/** A size×size PNG that looks like an avatar (a head and shoulders on a coloured ground): a real image to decode. */
function avatarPng(ground: [number, number, number], size = SIZE): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const row = 1 + size * 3;
  const raw = Buffer.alloc(size * row);
  for (let y = 0; y < size; y++) {
    raw[y * row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const head = (x - size / 2) ** 2 + (y - size * 0.4) ** 2 < (size * 0.2) ** 2;
      const shoulders = (x - size / 2) ** 2 / (size * 0.36) ** 2 + (y - size) ** 2 / (size * 0.33) ** 2 < 1;
      raw.set(head || shoulders ? [245, 240, 232] : ground, y * row + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A date `days` from today as a date field takes it (yyyy-mm-dd). */
const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The width the browser decoded the image at (0 while it has not loaded, or when it failed). */
const decodedWidth = (img: Locator) => img.evaluate((el) => ((el as HTMLImageElement).complete ? (el as HTMLImageElement).naturalWidth : 0));

/**
 * What a screen reader reads in `region` as a description list: each term with its definition. (ARIA gives
 * a definition no name of its own, so it is found by the term before it in the accessibility tree.)
 */
async function terms(region: Locator): Promise<Record<string, string>> {
  const lines = (await region.ariaSnapshot()).split('\n').map((line) => line.trim());
  const found: Record<string, string> = {};
  lines.forEach((line, i) => {
    const term = /^- term: (.*)$/.exec(line);
    const definition = /^- definition: (.*)$/.exec(lines[i + 1] ?? '');
    if (term && definition) found[term[1].replace(/^"|"$/g, '')] = definition[1].replace(/^"|"$/g, '');
  });
  return found;
}

/**
 * Acceptance 4 of issue 13: the Directory providers screen against the fake login and Graph endpoints, signed
 * in as a tenant administrator with a pasted API key (a bearer token: no cookie reaches the photo route).
 */
describe.runIf(BROWSER_AVAILABLE)('console: Directory providers (Microsoft Entra ID photos)', () => {
  let fake: FakeMicrosoft;
  let portico: TestPortico;
  let browser: Browser;
  let win: ConsoleWindow;
  let page: Page;
  let adminKey: string;

  beforeAll(async () => {
    fake = await startFakeMicrosoft();
    [portico, browser] = await Promise.all([startTestPortico(directoryEnv(fake)), launchBrowser()]);
    const scim = await scimTenant(portico, 'fabrikam');
    await provisionPeople(scim, fake, [
      { userName: 'adele.vance@fabrikam.test', displayName: 'Adele Vance', photo: avatarPng([37, 99, 235]) },
      { userName: 'megan.bowen@fabrikam.test', displayName: 'Megan Bowen', photo: avatarPng([22, 163, 74]) },
      { userName: 'nestor.wilke@fabrikam.test', displayName: 'Nestor Wilke', photo: null },
    ]);
    const key = await portico.gql(CreateApiKeyDocument, { tenant: 'fabrikam', input: { name: 'console e2e', level: 'ADMINISTRATOR' } });
    expect(key.errors).toBeUndefined();
    adminKey = key.data!.createApiKey.token;
    win = await openConsole(browser, portico.url);
    page = win.page;
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
    await fake?.close();
  });

  const field = (name: string) => page.getByLabel(name, { exact: true });
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const expiryWarning = () => page.getByRole('alert').filter({ hasText: 'The client secret expires in' });

  it('refuses a pasted secret ID on Save, and a wrong secret value fails Test connection with what to do', async () => {
    await signInWithToken(page, adminKey);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await nav(page, 'Directory providers').click();
    await page.getByRole('heading', { name: 'Directory providers', level: 1 }).waitFor();
    expect(await button('Test connection').isDisabled()).toBe(true);
    expect(await button('Sync now').count()).toBe(0);
    await screenshot(page, 'directory-providers');

    await field('Client ID').fill(fake.app.clientId);
    await field('Tenant ID').fill(fake.app.directoryTenantId);
    // The Secret ID column of Azure's "Certificates & secrets", pasted for the value: a GUID.
    await field('Secret Key').fill(randomUUID());
    await field('Secret expires').fill(dateIn(90));
    await button('Save').click();
    await page.getByRole('alert').filter({ hasText: "looks like the secret's ID (a GUID): paste the secret's Value instead" }).waitFor();
    await screenshot(page, 'directory-providers-secret-id');

    // A secret value, but not this app's.
    const wrong = `Wr8Q~${randomBytes(24).toString('base64url').slice(0, 35)}`;
    await field('Secret Key').fill(wrong);
    await button('Save').click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await field('Secret Key').inputValue()).toBe('');
    await button('Test connection').click();
    const failed = page.getByRole('status').filter({ hasText: 'Connection failed:' });
    await failed.waitFor();
    expect(await failed.textContent()).toContain("Microsoft refused the client secret (AADSTS7000215): paste the secret's Value, not its Secret ID");
    expect(fake.secretsReceived.has(wrong)).toBe(true);
    // 90 days left: no warning.
    expect(await expiryWarning().count()).toBe(0);
    await screenshot(page, 'directory-providers-wrong-secret');
  });

  it('with the right secret the connection works, and a secret that expires within 14 days is warned about', async () => {
    await field('Secret Key').fill(fake.app.clientSecret);
    await field('Secret expires').fill(dateIn(10));
    await button('Save').click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expiryWarning().waitFor();
    expect(await expiryWarning().textContent()).toMatch(/expires in (9|10) days/);
    await button('Test connection').click();
    await page.getByRole('status').filter({ hasText: 'Connection works:' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Connection failed:' }).count()).toBe(0);
    await screenshot(page, 'directory-providers-connected');
  });

  it('Sync now shows the last sync with its counts, without a reload', async () => {
    const sync = page.getByRole('region', { name: 'Sync' });
    await sync.getByText('No sync has run yet.').waitFor();
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    await button('Sync now').click();
    await sync.getByText('Succeeded', { exact: true }).waitFor();
    expect(await terms(sync)).toEqual({ 'Photos downloaded': '2', 'Photos unchanged': '0', 'Photos skipped': '0', 'Users without a photo': '1' });
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await screenshot(page, 'directory-providers-synced');
  });

  it('shows the photos on Users and on a user’s page, fetched with the console’s own credential', async () => {
    await nav(page, 'Users').click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    for (const name of ['Adele Vance', 'Megan Bowen']) {
      const photo = page.getByRole('row', { name: new RegExp(name) }).getByRole('img', { name: `Photo of ${name}` });
      await photo.waitFor();
      await expect.poll(() => decodedWidth(photo)).toBe(SIZE);
    }
    // No photo in Entra: initials, no image.
    const nestor = page.getByRole('row', { name: /Nestor Wilke/ });
    await nestor.waitFor();
    expect(await nestor.getByRole('img').count()).toBe(0);
    await screenshot(page, 'directory-providers-users');

    // Megan's photo changes in Entra and the next sync downloads it (same URL, new ETag): the list, open all
    // along, shows the new one without a reload.
    fake.setPhoto('megan.bowen@fabrikam.test', avatarPng([219, 39, 119], 80));
    const next = await directoryApi(portico.url, 'fabrikam', { token: adminKey }).sync();
    expect(next).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1, photosUnchanged: 1 });
    const megan = page.getByRole('row', { name: /Megan Bowen/ }).getByRole('img', { name: 'Photo of Megan Bowen' });
    await expect.poll(() => decodedWidth(megan), { timeout: 5_000 }).toBe(80);
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);

    await page.getByRole('link', { name: 'Adele Vance' }).click();
    await page.getByRole('heading', { name: 'Adele Vance', level: 1 }).waitFor();
    const photo = page.getByRole('img', { name: 'Photo of Adele Vance' });
    await photo.waitFor();
    await expect.poll(() => decodedWidth(photo)).toBe(SIZE);
    await screenshot(page, 'directory-providers-user-photo');
    expect(win.consoleErrors).toEqual([]);
  });
});
