import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './process';

/** Debian's Chromium (`apt-get install chromium`): no browser is downloaded. PORTICO_CHROMIUM overrides it. */
export const CHROMIUM = process.env.PORTICO_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the console's end-to-end tests run here: CI installs Chromium (.ci/run) and always runs them; a machine
 * without it skips them, and says so, so that `npm test` passes on a fresh machine too.
 */
export const BROWSER_AVAILABLE = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!BROWSER_AVAILABLE) console.warn(`SKIPPED the console's browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'console');

/** One headless Chromium per test file (as root it needs --no-sandbox). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface ConsoleWindow {
  context: BrowserContext;
  page: Page;
  /**
   * What went wrong in the page: uncaught errors and logged errors (a CSP violation among them), less the
   * browser's note of each answer with an error status (a refusal the console shows as a message).
   */
  consoleErrors: string[];
}

/** A fresh browser context (its own cookies and storage) on the console, with the clipboard granted. */
export async function openConsole(
  browser: Browser,
  origin: string,
  options: { width?: number; height?: number; path?: string } = {},
): Promise<ConsoleWindow> {
  const context = await browser.newContext({
    baseURL: origin,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(`/console${options.path ?? '/'}`);
  return { context, page, consoleErrors };
}

/** Signs in with a pasted token, as a person does. */
export async function signInWithToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Saves a full-page screenshot as test-results/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The navigation link of a screen (SPEC §8's stable names). */
export const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });
