// History retention in the console (issue 15), English and Simplified Chinese: an execution
// whose log the cleanup deleted says "log expired" instead of showing an empty log; the
// settings page shows the retention in force and the database size; the task form sets a
// history limit. Screenshots land in test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { executionRow } from '../helpers/execution-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const username = 'ui-retention';
const password = 'correct-horse-battery';
const DAY = 86_400_000;

describe('history retention in the console', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  const pages: Page[] = [];
  let taskId = '';
  let expiredId = '';

  const signedIn = new Map<string, Page>();

  /** One signed-in page per language (each sign-in costs seconds on a loaded machine), moved to `path`. */
  async function open(locale: 'en-US' | 'zh-CN', path: string): Promise<Page> {
    let page = signedIn.get(locale);
    if (!page) {
      page = await signIn(browser, server.url, { username, password }, locale);
      page.setDefaultTimeout(60_000);
      pages.push(page);
      signedIn.set(locale, page);
    }
    await page.goto(`${server.url}${path}`);
    return page;
  }

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false, env: { CRONFLEET_LOG_RETENTION_DAYS: '7' } });
    const user = await server.request('POST', '/api/v1/users', { username, password, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui-retention-task', command: 'true', status: 'paused' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = created.body.id;
    // Two finished runs 10 days ago with a log: the cleanup expires the log of both (older
    // than log_retention_days 7) and deletes neither (execution_retention_days 30).
    const { db } = rawDatabase(server.server.store);
    const rows = [executionRow(taskId, 'success', Date.now() - 10 * DAY, 1200), executionRow(taskId, 'success', Date.now() - 10 * DAY + 60_000, 900)];
    await db.insertInto('executions').values(rows).execute();
    await db
      .insertInto('execution_logs')
      .values(rows.map((row) => ({ execution_id: row.id, seq: 1, stream: 'stdout', chunk: 'old output\n', created_at: row.scheduled_time })))
      .execute();
    expiredId = rows[0]!.id;
    const report = await server.server.retention.runOnce();
    assert.equal(report.logsExpired, 2);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await server?.close();
  });

  test('an execution whose log expired says so, in English and Chinese', async () => {
    for (const [locale, words] of [
      ['en-US', 'Log expired'],
      ['zh-CN', '日志已过期'],
    ] as const) {
      const page = await open(locale, `/executions/${expiredId}`);
      await page.getByTestId('log-empty').getByText(words, { exact: false }).waitFor();
      await page.screenshot({ path: join(screenshotDir, `retention-log-expired-${locale}.png`), fullPage: true });
    }
  });

  test('the settings page shows the retention in force and the database size', async () => {
    for (const [locale, title, logs] of [
      ['en-US', 'History retention', '7 days'],
      ['zh-CN', '历史保留', '7 天'],
    ] as const) {
      const page = await open(locale, '/settings/retention');
      await page.getByText(title, { exact: true }).waitFor();
      await page.getByTestId('retention-log_retention_days').getByText(logs, { exact: true }).waitFor();
      await page
        .getByTestId('retention-cleanup_interval_seconds')
        .getByText(locale === 'en-US' ? '3600 seconds' : '3600 秒')
        .waitFor();
      const size = await page.getByTestId('database-size').innerText();
      assert.match(size, /^[\d.,]+ (B|KiB|MiB|GiB)$/, size);
      await page.screenshot({ path: join(screenshotDir, `retention-settings-${locale}.png`), fullPage: true });
    }
  });

  test('the task form sets and clears a history limit', async () => {
    const page = await open('en-US', `/tasks/${taskId}/edit`);
    await page.getByLabel('Finished runs kept at most').fill('50');
    await page.getByTestId('task-save').click();
    await page.waitForURL(new RegExp(`/tasks/${taskId}$`));
    assert.equal((await server.request('GET', `/api/v1/tasks/${taskId}`)).body.history_limit, 50);
    await page.goto(`${server.url}/tasks/${taskId}/edit`);
    await page.getByLabel('Finished runs kept at most').fill('');
    await page.getByTestId('task-save').click();
    await page.waitForURL(new RegExp(`/tasks/${taskId}$`));
    assert.equal((await server.request('GET', `/api/v1/tasks/${taskId}`)).body.history_limit, null);
    const chinese = await open('zh-CN', `/tasks/${taskId}/edit`);
    await chinese.getByLabel('最多保留的已结束执行数').waitFor();
  });
});
