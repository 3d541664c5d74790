// Removing an executor in the web UI, in a real browser: an admin gets a remove button
// on executors that are offline or in maintenance (never on an online one, never on the
// built-in executor), a confirm dialog, and the executor is gone from the page and the
// API. A viewer sees no button.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';

describe('removing an executor in the web UI', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer(); // with the built-in executor, which is never removable
    for (const [username, role] of [
      ['remover', 'admin'],
      ['looker', 'viewer'],
    ]) {
      const created = await server.request('POST', '/api/v1/users', { username, password, role });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openExecutors(username: string, locale: string): Promise<Page> {
    const page = await signIn(browser, server.url, { username, password }, locale);
    await page.goto(`${server.url}/executors`);
    await page.getByTestId('executor-table').waitFor();
    return page;
  }

  async function register(name: string, status: 'online' | 'maintenance' | 'offline'): Promise<string> {
    const registered = await server.request('POST', '/api/v1/executors/register', { name, instance_id: name, base_url: 'http://127.0.0.1:9' });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    if (status !== 'online') await server.request('PUT', `/api/v1/executors/${registered.body.id}/status`, { status });
    return registered.body.id;
  }
  const listedIds = async () => ((await server.request('GET', '/api/v1/executors')).body.items as Array<{ id: string }>).map((executor) => executor.id);

  test('an admin removes a maintenance executor after confirming; online and built-in ones have no button', async () => {
    const drained = await register('drained-http', 'maintenance');
    const online = await register('busy-http', 'online');
    const page = await openExecutors('remover', 'en-US');
    const row = page.locator('[data-executor-name="drained-http"]');
    await row.waitFor();
    assert.equal(await page.locator('[data-executor-name="busy-http"]').getByTestId('executor-remove').count(), 0, 'no button on an online executor');
    assert.equal(await page.locator('[data-executor-name="local"]').getByTestId('executor-remove').count(), 0, 'no button on the built-in executor');

    // Cancelling keeps it.
    await row.getByTestId('executor-remove').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Remove drained-http from the fleet?', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.ok((await listedIds()).includes(drained));

    await row.getByTestId('executor-remove').click();
    await dialog.getByText('comes back in maintenance', { exact: false }).waitFor();
    await page.screenshot({ path: join(screenshotDir, '20-remove-executor.png') });
    await page.getByTestId('confirm').click();
    await page.getByText('drained-http removed').waitFor();
    await row.waitFor({ state: 'detached' });
    assert.ok(!(await listedIds()).includes(drained), 'gone from the API too');
    assert.ok((await listedIds()).includes(online));
    await page.context().close();
  });

  test('an offline executor gets the button in Chinese too; a viewer sees none', async () => {
    const offline = await register('gone-http', 'offline');
    const viewer = await openExecutors('looker', 'en-US');
    await viewer.locator('[data-executor-name="gone-http"]').waitFor();
    assert.equal(await viewer.getByTestId('executor-remove').count(), 0, 'viewers cannot remove');
    await viewer.context().close();

    const page = await openExecutors('remover', 'zh-CN');
    const row = page.locator('[data-executor-name="gone-http"]');
    await row.getByTestId('executor-remove').getByText('移除').click();
    await page.getByRole('dialog').getByText('要把 gone-http 从执行器集群中移除吗', { exact: false }).waitFor();
    await page.getByTestId('confirm').click();
    await page.getByText('已移除 gone-http').waitFor();
    await row.waitFor({ state: 'detached' });
    assert.ok(!(await listedIds()).includes(offline));
    await page.context().close();
  });
});
