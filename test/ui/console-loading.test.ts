// The console as it loads: each page's code comes when that page is opened (routes are
// lazy), the charts only with the pages that draw them, the assets compressed, and the
// sign-in check (/api/v1/auth/me) asked once, by the preload in index.html that the app's
// own request reuses. After all that, the pages still show their data and work.
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const credentials = { username: 'loading-tester', password: 'correct-horse-battery' };

/** What one page load asked the server for: script and style file names, and API paths with their counts. */
interface Traffic {
  scripts: string[];
  encodings: Map<string, string | undefined>;
  api: string[];
  problems: string[];
}

function watch(page: Page): Traffic {
  const traffic: Traffic = { scripts: [], encodings: new Map(), api: [], problems: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/assets/')) traffic.scripts.push(url.pathname.slice('/assets/'.length));
    if (url.pathname.startsWith('/api/')) traffic.api.push(url.pathname);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/assets/')) traffic.encodings.set(url.pathname.slice('/assets/'.length), response.headers()['content-encoding']);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') traffic.problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => traffic.problems.push(`pageerror: ${error.message}`));
  return traffic;
}

/** Whether a chunk of this name (Vite's `<name>-<hash>.js`) was loaded. */
const loaded = (traffic: Traffic, name: string) => traffic.scripts.some((file) => new RegExp(`^${name}-[\\w-]{8}\\.js$`).test(file));

describe('console loading', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let taskId = '';

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false });
    const user = await server.request('POST', '/api/v1/users', { ...credentials, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    for (const name of ['loading_alpha', 'loading_beta', 'loading_gamma']) {
      const task = await server.request('POST', '/api/v1/tasks', { name, cron_expression: '0 3 * * *', type: 'command', command: 'true' });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      if (name === 'loading_alpha') taskId = (task.body as { id: string }).id;
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const signedIn = await signIn(browser, server.url, credentials);
    context = signedIn.context();
    await signedIn.close();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  test('the task list opened directly loads its own chunk, not the other pages or the charts', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    await page.goto(`${server.url}/tasks`);
    await page.locator('[data-testid="task-table"] tbody tr', { hasText: 'loading_alpha' }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.ok(loaded(traffic, 'tasks'), `tasks chunk among ${traffic.scripts.join(' ')}`);
    for (const other of ['dashboard', 'task-detail', 'task-edit', 'executions', 'settings', 'charts']) assert.ok(!loaded(traffic, other), `${other} loaded on the task list: ${traffic.scripts.join(' ')}`);
    assert.equal(traffic.api.filter((path) => path === '/api/v1/auth/me').length, 1, `auth/me asked once: ${traffic.api.join(' ')}`);
    // The build leaves files under 512 bytes uncompressed (scripts/compress-web.ts).
    const scripts = [...traffic.encodings].filter(([file]) => file.endsWith('.js') && statSync(join(repoRoot, 'web', 'dist', 'assets', file)).size >= 1024);
    assert.ok(scripts.length > 3);
    for (const [file, encoding] of scripts) assert.equal(encoding, 'br', `${file} came as ${encoding}`);
    assert.deepEqual(traffic.problems, []);

    // Client-side navigation: the task page's chunk (and the charts it draws) load now.
    await page.locator('[data-task-name="loading_alpha"] a').first().click();
    await page.waitForURL(`**/tasks/${taskId}`);
    await page.getByTestId('task-title').filter({ hasText: 'loading_alpha' }).waitFor();
    assert.ok(loaded(traffic, 'task-detail'));
    assert.ok(loaded(traffic, 'charts'));
    await page.close();
  });

  test('the dashboard opened directly shows its figures and still works', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="metric-running"] .stat-value', { hasText: /\d/ }).waitFor();
    await page.getByTestId('metric-leader').filter({ hasText: /\S/ }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.ok(loaded(traffic, 'dashboard'));
    for (const other of ['tasks', 'task-detail', 'task-edit', 'executions']) assert.ok(!loaded(traffic, other), `${other} loaded on the dashboard: ${traffic.scripts.join(' ')}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(screenshotDir, 'console-loading-dashboard.png'), fullPage: true });

    // It works: the window switch asks for the other window, the nav opens the task list.
    const overview = page.waitForRequest((request) => request.url().includes('/api/v1/stats/overview') && request.url().includes('window=7d'));
    await page.getByText('7 days', { exact: false }).first().click();
    await overview;
    await page.getByTestId('nav-tasks').click();
    await page.locator('[data-testid="task-table"] tbody tr', { hasText: 'loading_gamma' }).waitFor();
    assert.ok(loaded(traffic, 'tasks'));
    assert.deepEqual(traffic.problems, []);
    await page.close();
  });

  test('a page navigation the console does not know shows the app, not a server error', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    const response = await page.goto(`${server.url}/no/such/page`);
    assert.equal(response?.status(), 200);
    // The router sends an unknown route to the dashboard.
    await page.waitForURL(`${server.url}/`);
    await page.locator('[data-testid="metric-running"] .stat-value', { hasText: /\d/ }).waitFor();
    assert.deepEqual(traffic.problems, []);
    await page.close();
  });
});
