// Times that name their zone, in a real browser running in Asia/Shanghai: a task scheduled in
// America/New_York shows its next fires in New York time, labelled by offset (winter UTC-5,
// summer UTC-4), in the task list, on its page and in the form's cron helper; an execution's
// times show in the browser's zone (UTC+8) until the header's switch picks UTC, a choice that
// survives a reload; the executions filter reads its inputs in the chosen zone and says so.
// English and Chinese, desktop and a 390 px phone. Screenshots land in test-results/ui/.
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
const username = 'ui-zones';
const password = 'correct-horse-battery';
const browserZone = 'Asia/Shanghai';
const taskZone = 'America/New_York';
// 12:00 UTC on 15 June 2026: 20:00 in Shanghai (no DST there).
const executionAt = Date.UTC(2026, 5, 15, 12, 0, 0);

/** "UTC-5" for New York on a winter date, computed by the test with Intl's own offset name. */
function expectedOffset(instant: Date, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(instant).find((part) => part.type === 'timeZoneName')!.value;
  return name === 'GMT' ? 'UTC+0' : name.replace('GMT', 'UTC');
}

/** "2027-01-01" on the wall calendar of `timeZone`. */
function wallDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

describe('times name their zone', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let taskId = '';
  let nextFire = '';
  const executionId = 'row-000001';

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false });
    const user = await server.request('POST', '/api/v1/users', { username, password, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    // 09:00 on the first of each month in New York: the next five span winter and summer.
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ny_monthly_report', command: 'true', cron_expression: '0 9 1 * *', timezone: taskZone });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = (created.body as { id: string }).id;
    nextFire = (created.body as { next_fire_at: string }).next_fire_at;
    assert.ok(nextFire, 'the task has a next fire');
    const row = executionRow(taskId, 'success', executionAt, 2000);
    assert.equal(row.id, executionId);
    // And one an hour ago, for the dashboard's chart of the last 24 hours.
    await rawDatabase(server.server.store)
      .db.insertInto('executions')
      .values([row, executionRow(taskId, 'failed', Date.now() - 3_600_000, 1000)])
      .execute();
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    // Signed in once; the session cookie moves to a context whose browser runs in Shanghai.
    const login = await signIn(browser, server.url, { username, password });
    const storageState = await login.context().storageState();
    await login.context().close();
    context = await browser.newContext({ storageState, timezoneId: browserZone, locale: 'en-US', viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  const fireText = () => `${wallDate(new Date(nextFire), taskZone)} 09:00:00 ${expectedOffset(new Date(nextFire), taskZone)}`;

  test('the task list shows the next fire in the task’s zone, labelled, and the zone beside the schedule', async () => {
    await page.goto(`${server.url}/tasks`);
    const row = page.locator('tr', { hasText: 'ny_monthly_report' });
    await row.getByText(fireText(), { exact: true }).waitFor();
    await row.getByText(taskZone, { exact: true }).waitFor();
    // The header says which zone the other times are in: the browser's, UTC+8.
    assert.equal(await page.getByTestId('time-zone-menu').getAttribute('data-choice'), 'browser');
    assert.equal((await page.getByTestId('time-zone-menu').innerText()).trim(), 'UTC+8');
    await page.screenshot({ path: join(screenshotDir, 'time-zones-task-list.png') });
  });

  test('the task page lists next fires in New York time, winter UTC-5 and summer UTC-4', async () => {
    await page.goto(`${server.url}/tasks/${taskId}`);
    const fires = page.getByTestId('task-time');
    await fires.first().waitFor();
    const texts = await fires.allInnerTexts();
    assert.equal(texts.length, 5, texts.join(' | '));
    assert.equal(texts[0], fireText());
    for (const text of texts) assert.match(text, /^\d{4}-\d{2}-01 09:00:00 UTC-[45]$/);
    // Five consecutive months from any start include at least one month on each side of a DST change.
    assert.ok(
      texts.some((text) => text.endsWith('UTC-5')),
      texts.join(' | '),
    );
    assert.ok(
      texts.some((text) => text.endsWith('UTC-4')),
      texts.join(' | '),
    );
    assert.equal(await fires.first().getAttribute('data-zone'), taskZone);
    await page.getByText(`(${taskZone})`).first().waitFor();
    await page.screenshot({ path: join(screenshotDir, 'time-zones-task-page.png'), fullPage: true });
  });

  test('the form’s cron helper labels each fire with its offset and flags the DST change', async () => {
    await page.goto(`${server.url}/tasks/${taskId}/edit`);
    const fires = page.getByTestId('cron-fire');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('[data-testid="cron-fire"]').length === 10);
    const texts = await fires.allInnerTexts();
    assert.equal(texts.length, 10, texts.join(' | '));
    for (const text of texts) assert.match(text, /^\S+ \d{4}-\d{2}-01 09:00:00 UTC-[45]$/);
    await page.getByTestId('dst-flag').first().waitFor();
    await page.getByTestId('cron-helper').screenshot({ path: join(screenshotDir, 'time-zones-cron-helper.png') });
  });

  test('a new task’s zone is the API’s default, UTC, and the browser’s zone is one click away', async () => {
    await page.goto(`${server.url}/tasks/new`);
    const zone = page.getByTestId('field-timezone');
    await zone.waitFor();
    assert.equal(await zone.inputValue(), 'UTC');
    await page.getByTestId('use-browser-zone').click();
    assert.equal(await zone.inputValue(), browserZone);
    await page.getByTestId('use-browser-zone').waitFor({ state: 'detached' });
  });

  test('an execution’s times show in the browser’s zone, labelled UTC+8', async () => {
    await page.goto(`${server.url}/executions/${executionId}`);
    await page.getByText('2026-06-15 20:00:00 UTC+8').first().waitFor();
    await page.getByText('2026-06-15 20:00:02 UTC+8').waitFor();
    await page.goto(`${server.url}/executions`);
    const ago = page.locator(`[data-time="2026-06-15 20:00:00 UTC+8"]`).first();
    await ago.waitFor();
    await ago.hover();
    await page.getByRole('tooltip').getByText('2026-06-15 20:00:00 UTC+8').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'time-zones-executions-browser.png') });
  });

  test('the dashboard chart’s hours are in the browser’s zone, said under the axis and in the tooltip', async () => {
    await page.goto(`${server.url}/`);
    const chart = page.getByTestId('trend-chart');
    await chart.getByText('Times in UTC+8').waitFor();
    assert.equal(await chart.getAttribute('data-zone'), browserZone);
    // Any column of the plot shows the tooltip, an empty hour too.
    const plot = await chart.locator('.recharts-cartesian-grid').boundingBox();
    assert.ok(plot, 'the chart has a plot area');
    await page.mouse.move(plot.x + plot.width / 2, plot.y + plot.height / 2);
    const tooltip = page.locator('.recharts-tooltip-wrapper');
    await tooltip.getByText(/^\d{4}-\d{2}-\d{2} \d{2}:00 UTC\+8$/).waitFor();
    await page.screenshot({ path: join(screenshotDir, 'time-zones-dashboard.png') });
  });

  test('the executions filter reads its inputs in the browser’s zone and says so', async () => {
    await page.goto(`${server.url}/executions`);
    await page.getByText('Read in UTC+8').first().waitFor();
    await page.getByTestId('filter-from').fill('2026-06-15T19:00');
    await page.waitForURL((url) => url.searchParams.get('from') === '2026-06-15T11:00:00.000Z');
  });

  test('the header switch to UTC shows every other time in UTC, labelled, and survives a reload', async () => {
    await page.getByTestId('time-zone-menu').click();
    await page.getByTestId('time-zone-utc').click();
    assert.equal(await page.getByTestId('time-zone-menu').getAttribute('data-choice'), 'utc');
    // The filter keeps its instant and now reads it in UTC.
    assert.equal(await page.getByTestId('filter-from').inputValue(), '2026-06-15T11:00');
    await page.getByText('Read in UTC', { exact: true }).first().waitFor();
    await page.getByTestId('filter-to').fill('2026-06-15T13:00');
    await page.waitForURL((url) => url.searchParams.get('to') === '2026-06-15T13:00:00.000Z');
    await page.locator(`[data-time="2026-06-15 12:00:00 UTC"]`).first().waitFor();
    await page.goto(`${server.url}/executions/${executionId}`);
    await page.getByText('2026-06-15 12:00:00 UTC').first().waitFor();
    await page.reload();
    await page.getByText('2026-06-15 12:00:02 UTC').waitFor();
    assert.equal(await page.getByTestId('time-zone-menu').getAttribute('data-choice'), 'utc');
    assert.equal((await page.getByTestId('time-zone-menu').innerText()).trim(), 'UTC');
    assert.equal(await page.evaluate(() => localStorage.getItem('cronfleet.time-zone')), 'utc');
    // A task's own times stay in the task's zone whatever the switch says.
    await page.goto(`${server.url}/tasks`);
    await page.locator('tr', { hasText: 'ny_monthly_report' }).getByText(fireText(), { exact: true }).waitFor();
    await page.goto(`${server.url}/`);
    await page.getByTestId('trend-chart').getByText('Times in UTC', { exact: true }).waitFor();
    await page.getByTestId('time-zone-menu').click();
    await page.getByTestId('time-zone-browser').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'time-zones-switch-menu.png') });
    await page.keyboard.press('Escape');
  });

  test('in Chinese the switch, the labels and the filter speak Chinese', async () => {
    await page.getByTestId('language-menu').click();
    await page.getByTestId('language-zh-CN').click();
    await page.getByTestId('time-zone-menu').click();
    await page.getByTestId('time-zone-browser').getByText(`浏览器时间：${browserZone}（UTC+8）`).waitFor();
    await page.getByTestId('time-zone-utc').getByText('UTC（协调世界时）').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'time-zones-switch-menu-zh.png') });
    await page.getByTestId('time-zone-browser').click();
    await page.goto(`${server.url}/executions?from=2026-06-15T11:00:00.000Z`);
    await page.getByText('按 UTC+8 时间').first().waitFor();
    assert.equal(await page.getByTestId('filter-from').inputValue(), '2026-06-15T19:00');
    await page.screenshot({ path: join(screenshotDir, 'time-zones-executions-zh.png') });
    await page.goto(`${server.url}/executions/${executionId}`);
    await page.getByText('2026-06-15 20:00:00 UTC+8').first().waitFor();
    await page.goto(`${server.url}/tasks/${taskId}`);
    assert.equal(await page.getByTestId('task-time').first().innerText(), fireText());
    await page.screenshot({ path: join(screenshotDir, 'time-zones-task-page-zh.png'), fullPage: true });
  });

  test('on a 390 px phone the switch and the labelled times fit on screen', async () => {
    const phone = await browser.newContext({ storageState: await context.storageState(), timezoneId: browserZone, locale: 'zh-CN', viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    try {
      const mobile = await phone.newPage();
      mobile.setDefaultTimeout(30_000);
      const fits = async (locator: ReturnType<Page['getByTestId']>, what: string) => {
        const box = await locator.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${what} is within the 390 px screen: ${JSON.stringify(box)}`);
      };
      await mobile.goto(`${server.url}/tasks/${taskId}`);
      const first = mobile.getByTestId('task-time').first();
      await first.waitFor();
      await fits(mobile.getByTestId('time-zone-menu'), 'the header switch');
      await fits(mobile.getByTestId('account-menu'), 'the account menu beside it');
      for (const fire of await mobile.getByTestId('task-time').all()) await fits(fire, 'a next fire');
      await mobile.screenshot({ path: join(screenshotDir, 'time-zones-phone-task-page.png'), fullPage: true });
      await mobile.goto(`${server.url}/executions/${executionId}`);
      const time = mobile.getByText('2026-06-15 20:00:00 UTC+8').first();
      await time.waitFor();
      await fits(time, 'an execution time');
      await mobile.screenshot({ path: join(screenshotDir, 'time-zones-phone-execution.png'), fullPage: true });
      await mobile.goto(`${server.url}/executions`);
      await mobile.getByText('按 UTC+8 时间').first().waitFor();
      await fits(mobile.getByText('按 UTC+8 时间').first(), 'the filter’s zone');
      await mobile.screenshot({ path: join(screenshotDir, 'time-zones-phone-executions.png'), fullPage: true });
      await mobile.goto(`${server.url}/tasks`);
      await mobile.locator('tr', { hasText: 'ny_monthly_report' }).waitFor();
      await mobile.screenshot({ path: join(screenshotDir, 'time-zones-phone-task-list.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
