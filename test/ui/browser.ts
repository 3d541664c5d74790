// Shared setup for browser tests: Debian's chromium (never a downloaded browser), the
// flags that keep it quiet and headless, and a build of the UI when none exists yet.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const chromiumPath = process.env.CRONFLEET_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const screenshotDir = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));

/** `npm ci` builds the UI (prepare); a checkout that skipped it gets a build here. */
export function ensureWebBuild(repoRoot: string): void {
  if (existsSync(join(repoRoot, 'web', 'dist', 'index.html')) && existsSync(join(repoRoot, 'web', 'dist-server', 'entry-server.js'))) return;
  execFileSync('npm', ['run', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
}

/** A new browser context signed in to the console at `baseUrl`, on the page after login. */
export async function signIn(browser: Browser, baseUrl: string, credentials: { username: string; password: string }, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${baseUrl}/login`);
  await page.locator('input[name="username"]').fill(credentials.username);
  await page.locator('input[name="password"]').fill(credentials.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  return page;
}

/**
 * A page signed in as `credentials` in `locale` (signIn), sized to `viewport` when one is
 * given, on `path`. It is added to `opened`, for the suite's after() to close its context.
 */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  credentials: { username: string; password: string },
  locale: string,
  path: string,
  opened: Page[],
  viewport?: { width: number; height: number },
): Promise<Page> {
  const page = await signIn(browser, baseUrl, credentials, locale);
  opened.push(page);
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(`${baseUrl}${path}`);
  return page;
}

/**
 * Makes `context` a browser that never names its view: the app's view cookie is dropped and
 * never written again, so the server sends every page as the plain app, which draws itself
 * (the console as a first visit sees it, and as it was before the server drew pages).
 */
export async function withoutServerRender(context: BrowserContext): Promise<void> {
  await context.clearCookies({ name: 'cronfleet_view' });
  await context.addInitScript({
    content: `(() => {
      const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
      Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true,
        get() { return cookie.get.call(this); },
        set(value) { if (!String(value).startsWith('cronfleet_view=')) cookie.set.call(this, value); },
      });
    })()`,
  });
}
