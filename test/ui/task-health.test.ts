// The task page's health-over-time chart in a real browser: executions written on known
// days (today and 30 days ago) show as one day with a rate and a duration in the 7-day
// view and two in the 90-day view; the switch asks the server for the other window; the
// chart speaks English and Simplified Chinese. Screenshots land in test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { executionRow } from '../helpers/execution-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const username = 'ui-health';
const password = 'correct-horse-battery';
const DAY = 86_400_000;

describe('task page: health over time', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let taskId = '';
  const statsRequests: string[] = [];

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false });
    const user = await server.request('POST', '/api/v1/users', { username, password, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui_health_job', command: 'true', status: 'paused' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = (created.body as { id: string }).id;
    // Early in today's UTC day and 30 days before: whatever the hour the test runs at, the
    // first stays within the last 7 days and the second within 90 but not 7.
    const today = Date.now() - (Date.now() % DAY);
    await rawDatabase(server.server.store)
      .db.insertInto('executions')
      .values([executionRow(taskId, 'success', today + 60_000, 2000), executionRow(taskId, 'failed', today + 120_000, 4000), executionRow(taskId, 'success', today - 30 * DAY + 60_000, 9000)])
      .execute();
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await signIn(browser, server.url, { username, password });
    context = page.context();
    page.on('request', (request) => {
      if (request.url().includes(`/tasks/${taskId}/stats`)) statsRequests.push(new URL(request.url()).searchParams.get('window') ?? '');
    });
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  const chart = () => page.getByTestId('task-health');

  test('the 7-day view draws today: a success-rate line and an average-duration bar', async () => {
    await page.goto(`${server.url}/tasks/${taskId}`);
    await chart().getByText('Health over time').waitFor();
    await page.locator('[data-testid="task-health"][data-window="7d"][data-loaded="true"]').waitFor();
    assert.equal(await chart().getAttribute('data-rated-days'), '1');
    assert.equal(await chart().getAttribute('data-timed-days'), '1');
    // One day with outcomes: one dot on the rate line (a lone day has no segment to draw), one bar.
    await page.getByTestId('task-health-rate').locator('.recharts-line-dot').first().waitFor();
    assert.equal(await page.getByTestId('task-health-rate').locator('.recharts-line-dot').count(), 1);
    await page.getByTestId('task-health-duration').locator('.recharts-bar-rectangle').first().waitFor();
    assert.equal(await page.getByTestId('task-health-duration').locator('.recharts-bar-rectangle').count(), 1);
    await page.mouse.move(0, 0);
    await chart().screenshot({ path: join(screenshotDir, 'task-health-7d.png') });
  });

  test('the switch to 90 days asks for the 90-day window and draws the older day too', async () => {
    await page.getByTestId('task-health-window').getByText('90 days').click();
    await page.locator('[data-testid="task-health"][data-window="90d"][data-loaded="true"]').waitFor();
    assert.ok(statsRequests.includes('90d'), `stats requested for ${statsRequests.join(', ')}`);
    assert.equal(await chart().getAttribute('data-rated-days'), '2');
    assert.equal(await chart().getAttribute('data-timed-days'), '2');
    await page.locator('[data-testid="task-health-duration"] .recharts-bar-rectangle').nth(1).waitFor();
    assert.equal(await page.getByTestId('task-health-duration').locator('.recharts-bar-rectangle').count(), 2);
    assert.equal(await page.getByTestId('task-health-rate').locator('.recharts-line-dot').count(), 2);
    await page.mouse.move(0, 0);
    await chart().screenshot({ path: join(screenshotDir, 'task-health-90d.png') });
    await page.getByTestId('task-health-window').getByText('7 days').click();
    await page.locator('[data-testid="task-health"][data-window="7d"][data-loaded="true"][data-timed-days="1"]').waitFor();
  });

  test('in Chinese the chart and its switch are translated', async () => {
    await page.getByTestId('language-menu').click();
    await page.getByTestId('language-zh-CN').click();
    await chart().getByText('健康趋势').waitFor();
    await page.getByTestId('task-health-rate').getByText('每日成功率').waitFor();
    await page.getByTestId('task-health-duration').getByText('每日平均耗时').waitFor();
    await chart().getByText('按 UTC 日历日统计').waitFor();
    await page.getByTestId('task-health-window').getByText('90 天').click();
    await page.locator('[data-testid="task-health"][data-window="90d"][data-timed-days="2"]').waitFor();
    await page.mouse.move(0, 0);
    await chart().screenshot({ path: join(screenshotDir, 'task-health-90d-zh.png') });
  });
});
