// The task page says why a task's runs cannot start (no online executor offers its
// handler), and the form offers the queue mode with its bound and the dispatch timeout,
// in English and Simplified Chinese. Screenshots land in test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const username = 'ui-modes';
const password = 'correct-horse-battery';

describe('task page: warnings, queue mode and dispatch timeout', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let taskId = '';

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false });
    const user = await server.request('POST', '/api/v1/users', { username, password, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    // Seed 001's kind of task: a handler no executor offers.
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui_handler_job', cron_expression: '0 */5 * * * *' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = (created.body as { id: string }).id;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await signIn(browser, server.url, { username, password });
    context = page.context();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  test('the task page warns that no online executor offers the handler', async () => {
    await page.goto(`${server.url}/tasks/${taskId}`);
    const warnings = page.getByTestId('task-warnings');
    await warnings.getByText('Runs of this task cannot start now').waitFor();
    await warnings.getByText(/handler 'ui_handler_job'/).waitFor();
    await warnings.screenshot({ path: join(screenshotDir, 'task-warnings.png') });
  });

  test('the form sets queue mode with its bound and a dispatch timeout', async () => {
    await page.goto(`${server.url}/tasks/${taskId}/edit`);
    assert.equal(await page.getByLabel('Fires waiting at most').count(), 0, 'the bound shows only in queue mode');
    await page.getByTestId('execution-mode').click();
    await page.getByRole('option', { name: /^Queue/ }).click();
    await page.getByLabel('Fires waiting at most').fill('3');
    await page.getByLabel('Dispatch timeout (s)').fill('120');
    await page.getByTestId('task-save').click();
    await page.waitForURL(new RegExp(`/tasks/${taskId}$`));
    const stored = (await server.request('GET', `/api/v1/tasks/${taskId}`)).body as Record<string, unknown>;
    assert.equal(stored.execution_mode, 'queue');
    assert.equal(stored.max_queued, 3);
    assert.equal(stored.dispatch_timeout_seconds, 120);
    await page.getByText('at most 3 waiting', { exact: false }).waitFor();
  });

  test('in Chinese the warning title and the modes are translated', async () => {
    await page.getByTestId('language-menu').click();
    await page.getByTestId('language-zh-CN').click();
    await page.getByTestId('task-warnings').getByText('此任务的执行目前无法开始').waitFor();
    await page.getByText('最多排队 3 个', { exact: false }).waitFor();
    await page.goto(`${server.url}/tasks/${taskId}/edit`);
    await page.getByLabel('最多排队的触发数').waitFor();
    await page.getByLabel('派发超时（秒）').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'task-modes-zh.png'), fullPage: true });
  });

  test('a fire skipped by the execution mode says why, in the UI language', async () => {
    // No executor carries the label: the first fire waits, and sequential skips the next.
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui_sequential_job', cron_expression: '* * * * * *', command: 'true', execution_mode: 'sequential', executor_labels: { pool: 'nowhere' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = (created.body as { id: string }).id;
    let skipped: { id: string } | undefined;
    for (let i = 0; i < 100 && !skipped; i++) {
      const page = (await server.request('GET', `/api/v1/executions?task_id=${id}&status=skipped`)).body as { items: Array<{ id: string }> };
      skipped = page.items[0];
      if (!skipped) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(skipped, 'a skipped fire');
    await server.request('POST', `/api/v1/tasks/${id}/pause`);
    await page.goto(`${server.url}/executions/${skipped.id}`);
    await page.getByTestId('execution-error').getByText('已跳过：该任务仍有运行中或待执行的实例（执行模式）').waitFor();
  });
});
