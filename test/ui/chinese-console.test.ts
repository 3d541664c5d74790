// Chinese all the way (issue 14): in the Chinese console, a schedule the server refuses is
// explained on the cron field in Chinese (the API answers in the UI's language), and a task
// named in Chinese (seed 001's 数据同步任务) is created, found by a search on its
// description, and opened. Screenshots land in test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const credentials = { username: 'ui-chinese', password: 'correct-horse-battery' };
const hasChinese = /[\u4e00-\u9fff]/;

describe('the console in Chinese', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false });
    const user = await server.request('POST', '/api/v1/users', { ...credentials, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await signIn(browser, server.url, credentials, 'zh-CN');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a schedule the server refuses is explained on the cron field, in Chinese', async () => {
    await page.goto(`${server.url}/tasks/new`);
    await page.getByTestId('field-cron').fill('0 0 12 * * 8');
    const field = page.locator('[data-path="cron_expression"]').locator('xpath=ancestor::div[contains(@class,"mantine-InputWrapper-root")]');
    const error = field.locator('.mantine-InputWrapper-error');
    await error.waitFor();
    const message = await error.innerText();
    assert.match(message, hasChinese, `the cron error is in Chinese: ${message}`);
    await field.screenshot({ path: join(screenshotDir, 'chinese-cron-error.png') });
  });

  test('a task named 数据同步任务 is created, found by a search on its description, and opened', async () => {
    await page.goto(`${server.url}/tasks/new`);
    await page.getByTestId('field-name').fill('数据同步任务');
    await page.getByTestId('field-cron').fill('0 */5 * * * *');
    await page.getByTestId('field-command').fill('/bin/true');
    await page.locator('[data-path="description"]').fill('把数据从 A 库同步到 B 库');
    await page.getByTestId('task-save').click();
    await page.getByTestId('task-title').getByText('数据同步任务').waitFor();
    // The server's warning (no executor yet) comes in the console's language too.
    await page
      .getByTestId('task-warnings')
      .getByText(/没有在线的执行器/)
      .waitFor();
    // A search for a word of the description finds it; one for a word in neither does not.
    await page.goto(`${server.url}/tasks`);
    await page.getByTestId('task-search').fill('同步到');
    const row = page.locator('tr[data-task-name="数据同步任务"]');
    await row.waitFor();
    await page.getByTestId('task-search').fill('不存在的词');
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('task-search').fill('数据');
    await row.click();
    await page.getByTestId('task-title').getByText('数据同步任务').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'chinese-task-page.png'), fullPage: true });
  });
});

describe('a failed run in the Chinese console', () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: true });
    const user = await server.request('POST', '/api/v1/users', { ...credentials, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('an execution that exited with code 3 says so in Chinese (stored in English, worded per request)', async () => {
    const task = await server.request('POST', '/api/v1/tasks', { name: '退出码任务', command: '/bin/sh', args: ['-c', 'exit 3'], max_retry: 0 });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const execution = await server.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const deadline = Date.now() + 20_000;
    while ((await server.request('GET', `/api/v1/executions/${execution.body.id}`)).body.status !== 'failed') {
      assert.ok(Date.now() < deadline, 'the run fails');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await server.request('GET', `/api/v1/executions/${execution.body.id}`)).body.error, 'exited with code 3', 'English without Accept-Language');
    const page: Page = await signIn(browser, server.url, credentials, 'zh-CN');
    await page.goto(`${server.url}/executions/${execution.body.id}`);
    const error = page.getByTestId('execution-error');
    await error.getByText('退出码为 3').waitFor();
    assert.doesNotMatch(await error.innerText(), /exited/);
    await page.screenshot({ path: join(screenshotDir, 'chinese-execution-exit-code.png'), fullPage: true });
    // Switching the console to English asks the server again: the same error in English.
    await page.getByTestId('language-menu').click();
    await page.getByTestId('language-en').click();
    await error.getByText('exited with code 3').waitFor();
  });
});
