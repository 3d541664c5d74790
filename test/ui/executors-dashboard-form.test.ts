// The console as an operator of XXL-JOB, Cronicle or Dkron expects it (issue 14), in a real
// browser, in English and Chinese: an executor's own page (labels, runners, load,
// heartbeat, what runs on it now and what it ran); an offline executor never reads as
// healthy; maintenance asks first, naming the executor, and says it worked; the dashboard
// lists the running executions with a live elapsed time; the new-task form starts from
// the API's defaults and marks an invalid cron with the server's reason; a viewer sees no
// form or button it cannot use; destructive confirmations name their action; and on a
// 390 px phone the executors page, an executor's page and the dashboard keep badges whole
// and nothing off-screen.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';
const phone = { width: 390, height: 844 };

describe('executors, dashboard and task form in the web UI', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let watch: ExecutionWatch;
  let localId: string;
  let sleeperTaskId: string;
  let runningId: string;
  let finishedId: string;

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ capacity: 6 });
    watch = watchExecutions(server);
    for (const [username, role] of [
      ['fleet-admin', 'admin'],
      ['task-operator', 'operator'],
      ['looker', 'viewer'],
    ]) {
      const created = await server.request('POST', '/api/v1/users', { username, password, role });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    localId = (await server.request('GET', '/api/v1/executors')).body.items.find((item: { kind: string }) => item.kind === 'agent').id;

    // One finished run and one that keeps running while the tests look at it.
    const quick = await server.request('POST', '/api/v1/tasks', { name: 'quick-report', command: '/bin/true' });
    assert.equal(quick.status, 201, JSON.stringify(quick.body));
    finishedId = (await server.request('POST', `/api/v1/tasks/${quick.body.id}/trigger`)).body.id;
    assert.equal(await watch.finished(finishedId), 'success');
    const sleeper = await server.request('POST', '/api/v1/tasks', { name: 'nightly-sync', command: 'sleep 600', shell: true });
    assert.equal(sleeper.status, 201, JSON.stringify(sleeper.body));
    sleeperTaskId = sleeper.body.id;
    runningId = (await server.request('POST', `/api/v1/tasks/${sleeperTaskId}/trigger`)).body.id;
    await watch.started(runningId);

    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    if (runningId) await server?.request('POST', `/api/v1/executions/${runningId}/stop`, { force: true });
    if (runningId) await watch?.finished(runningId).catch(() => undefined);
    watch?.stop();
    await browser?.close();
    await server?.close();
  });

  async function open(username: string, locale: string, path: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await signIn(browser, server.url, { username, password }, locale);
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(`${server.url}${path}`);
    return page;
  }

  async function register(name: string, status: 'online' | 'maintenance' | 'offline', extra: Record<string, unknown> = {}): Promise<string> {
    const registered = await server.request('POST', '/api/v1/executors/register', { name, instance_id: name, base_url: 'http://127.0.0.1:9', ...extra });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    if (status !== 'online') assert.equal((await server.request('PUT', `/api/v1/executors/${registered.body.id}/status`, { status })).status, 200);
    return registered.body.id;
  }
  const executorStatus = async (id: string) => (await server.request('GET', `/api/v1/executors/${id}`)).body.status as string;

  /** Waits until a running execution's elapsed time, as first read, changes: it is live. */
  async function elapsedMoves(page: Page, listTestId: string, executionId: string, first: string | null): Promise<void> {
    const selector = `[data-testid="${listTestId}"] [data-execution-id="${executionId}"] [data-testid="elapsed"]`;
    const exactly = new RegExp(`^${(first ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    await page.locator(selector).filter({ hasNotText: exactly }).waitFor();
  }

  /** On a phone: nothing wider than the screen, no badge cut short, no button or link of the page off-screen. */
  async function assertFitsPhone(page: Page, what: string): Promise<void> {
    // A string: the test's TypeScript has no DOM types; this runs in the page.
    const problems = await page.evaluate<{ overflow: number; cutBadges: string[]; offscreen: string[] }>(`(() => {
      const width = window.innerWidth;
      const main = document.querySelector('main');
      const overflow = document.documentElement.scrollWidth - width;
      const cutBadges = [...main.querySelectorAll('.mantine-Badge-label')].filter((label) => label.scrollWidth > label.clientWidth + 1).map((label) => label.textContent);
      const offscreen = [...main.querySelectorAll('button, a, [data-status], .mantine-Badge-root')]
        .filter((element) => {
          const box = element.getBoundingClientRect();
          return box.width > 0 && (box.right > width + 1 || box.left < -1);
        })
        .map((element) => element.textContent);
      return { overflow, cutBadges, offscreen };
    })()`);
    assert.ok(problems.overflow <= 0, `${what}: the page is ${problems.overflow}px wider than the phone`);
    assert.deepEqual(problems.cutBadges, [], `${what}: badges cut short`);
    assert.deepEqual(problems.offscreen, [], `${what}: off-screen`);
  }

  test("an executor's page shows its labels, runners, load, heartbeat, status and its current and recent executions (English and Chinese, desktop and phone)", async () => {
    const page = await open('fleet-admin', 'en-US', '/executors');
    const row = page.locator('[data-executor-name="local"]');
    await row.getByTestId('executor-link').click();
    await page.waitForURL(`**/executors/${localId}`);
    const detail = page.getByTestId('executor-detail');
    await detail.waitFor();
    await page.getByRole('heading', { name: 'local' }).waitFor();
    assert.equal(await detail.getByTestId('executor-status').locator('[data-status]').getAttribute('data-status'), 'online');
    assert.equal(await detail.getByTestId('executor-health').getAttribute('data-health'), 'healthy');
    await detail.getByTestId('executor-load-value').getByText('1 / 6 running').waitFor();
    await detail.getByTestId('executor-runners').getByText('command', { exact: true }).waitFor();
    assert.match((await detail.getByTestId('executor-heartbeat').textContent()) ?? '', /ago|now/);
    // Now: the sleeper, ticking; recently: the finished run as well.
    const current = detail.getByTestId('executor-running').locator(`[data-execution-id="${runningId}"]`);
    await current.getByText('nightly-sync').waitFor();
    const first = await current.getByTestId('elapsed').textContent();
    await elapsedMoves(page, 'executor-running', runningId, first);
    await detail.getByTestId('executor-recent').locator(`[data-execution-id="${finishedId}"]`).waitFor();
    await detail.getByTestId('executor-recent').locator(`[data-execution-id="${runningId}"]`).waitFor();
    await page.screenshot({ path: join(screenshotDir, '40-executor-detail-en.png'), fullPage: true });
    await current.getByTestId('execution-link').click();
    await page.waitForURL(`**/executions/${runningId}`);
    await page.context().close();

    const labelled = await register('edge-http', 'online', { labels: { zone: 'b', gpu: 'yes' }, capacity: 3, runners: ['http', 'handler:report'] });
    const zh = await open('fleet-admin', 'zh-CN', `/executors/${labelled}`);
    const zhDetail = zh.getByTestId('executor-detail');
    await zhDetail.getByTestId('executor-labels').getByText('zone=b').waitFor();
    await zhDetail.getByTestId('executor-labels').getByText('gpu=yes').waitFor();
    await zhDetail.getByTestId('executor-runners').getByText('handler:report').waitFor();
    await zhDetail.getByTestId('executor-load-value').getByText('运行 0 / 3').waitFor();
    await zhDetail.getByText('当前没有在它上面运行的执行。').waitFor();
    await zhDetail.getByText('它还没有运行过任何执行。').waitFor();
    await zh.screenshot({ path: join(screenshotDir, '41-executor-detail-zh.png'), fullPage: true });
    await zh.goto(`${server.url}/executors/${localId}`);
    await zh.getByTestId('executor-running').locator(`[data-execution-id="${runningId}"]`).waitFor();
    await zh.setViewportSize(phone);
    await zh.getByTestId('executor-recent').locator(`[data-execution-id="${finishedId}"]`).waitFor();
    await assertFitsPhone(zh, 'executor page (zh, phone)');
    await zh.screenshot({ path: join(screenshotDir, '42-executor-detail-zh-phone.png'), fullPage: true });
    await zh.goto(`${server.url}/executors/no-such-executor`);
    await zh.getByTestId('executor-not-found').waitFor();
    await zh.context().close();
  });

  test('an offline executor reads as not reachable, never healthy, on the list, its page and the dashboard', async () => {
    const offline = await register('gone-http', 'offline');
    for (const locale of ['en-US', 'zh-CN']) {
      const page = await open('fleet-admin', locale, '/executors');
      const row = page.locator('[data-executor-name="gone-http"]');
      const health = row.getByTestId('executor-health');
      assert.equal(await health.getAttribute('data-health'), 'offline');
      assert.equal(await health.textContent(), locale === 'en-US' ? 'Not reachable' : '不可达');
      assert.equal(await row.getByText(locale === 'en-US' ? 'Healthy' : '健康', { exact: true }).count(), 0);
      await row.getByTestId('executor-link').click();
      await page.waitForURL(`**/executors/${offline}`);
      assert.equal(await page.getByTestId('executor-detail').getByTestId('executor-health').getAttribute('data-health'), 'offline');
      await page.goto(`${server.url}/`);
      const dot = page.locator('[data-executor-load="gone-http"] [aria-label]').first();
      const label = (await dot.getAttribute('aria-label')) ?? '';
      assert.ok(!label.includes(locale === 'en-US' ? 'Healthy' : '· 健康'), label);
      await page.context().close();
    }
  });

  test('maintenance asks first, naming the executor and the action, and says it worked (English and Chinese)', async () => {
    const id = await register('drain-me', 'online');
    const page = await open('fleet-admin', 'en-US', '/executors');
    const row = page.locator('[data-executor-name="drain-me"]');
    await row.getByTestId('executor-maintenance').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Put drain-me in maintenance?').waitFor();
    assert.equal((await page.getByTestId('confirm').textContent())?.trim(), 'Set maintenance');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await executorStatus(id), 'online', 'cancelling changes nothing');
    await row.getByTestId('executor-maintenance').click();
    await page.screenshot({ path: join(screenshotDir, '43-maintenance-confirm-en.png') });
    await page.getByTestId('confirm').click();
    await page.locator('.mantine-Notification-description').getByText('drain-me is in maintenance', { exact: false }).waitFor();
    await row.locator('[data-status="maintenance"]').waitFor();
    assert.equal(await executorStatus(id), 'maintenance');
    await row.getByTestId('executor-online').click();
    await page.getByText('drain-me is online').waitFor();
    assert.equal(await executorStatus(id), 'online');
    await page.context().close();

    const zh = await open('fleet-admin', 'zh-CN', `/executors/${id}`);
    await zh.getByTestId('executor-detail').getByTestId('executor-maintenance').click();
    await zh.getByRole('dialog').getByText('让 drain-me 进入维护？').waitFor();
    assert.equal((await zh.getByTestId('confirm').textContent())?.trim(), '进入维护');
    await zh.getByTestId('confirm').click();
    await zh.locator('.mantine-Notification-description').getByText('drain-me 进入维护：', { exact: false }).waitFor();
    await zh.getByTestId('executor-status').locator('[data-status="maintenance"]').waitFor();
    assert.equal(await executorStatus(id), 'maintenance');
    await zh.context().close();
  });

  test('destructive confirmations name their action: Remove / 移除, Delete / 删除', async () => {
    await register('old-http', 'offline');
    await register('old-http-2', 'offline');
    const task = await server.request('POST', '/api/v1/tasks', { name: 'to-delete', command: '/bin/true' });
    for (const [locale, remove, del, executorName] of [
      ['en-US', 'Remove', 'Delete', 'old-http'],
      ['zh-CN', '移除', '删除', 'old-http-2'],
    ] as const) {
      const page = await open('fleet-admin', locale, '/executors');
      await page.locator(`[data-executor-name="${executorName}"]`).getByTestId('executor-remove').click();
      assert.equal((await page.getByTestId('confirm').textContent())?.trim(), remove);
      await page
        .getByRole('dialog')
        .getByRole('button', { name: locale === 'en-US' ? 'Cancel' : '取消' })
        .click();
      await page.goto(`${server.url}/tasks/${task.body.id}`);
      await page.getByRole('button', { name: del, exact: true }).click();
      const confirmText = (await page.getByTestId('confirm').textContent())?.trim() ?? '';
      assert.ok(confirmText.startsWith(del), `"${confirmText}" names the action`);
      assert.notEqual(confirmText, locale === 'en-US' ? 'Confirm' : '确认');
      await page.context().close();
    }
  });

  test('the dashboard lists the running executions with task, executor, a live elapsed time and a link (English and Chinese, desktop and phone)', async () => {
    for (const [locale, viewport, shot] of [
      ['en-US', undefined, '44-dashboard-running-en.png'],
      ['zh-CN', undefined, '45-dashboard-running-zh.png'],
      ['en-US', phone, '46-dashboard-running-en-phone.png'],
      ['zh-CN', phone, '47-dashboard-running-zh-phone.png'],
    ] as const) {
      const page = await open('looker', locale, '/', viewport);
      const entry = page.getByTestId('running-executions').locator(`[data-execution-id="${runningId}"]`);
      await entry.getByTestId('execution-task').getByText('nightly-sync').waitFor();
      // The executor's name comes from the executors list, a request of its own: until it
      // answers the row shows the id's end, so wait for the name rather than read it once.
      await entry
        .getByTestId('execution-executor')
        .filter({ hasText: /^local$/ })
        .waitFor();
      const first = await entry.getByTestId('elapsed').textContent();
      await elapsedMoves(page, 'running-executions', runningId, first);
      assert.equal(await page.getByTestId('running-executions').locator(`[data-execution-id="${finishedId}"]`).count(), 0, 'only running ones');
      await page.getByTestId('all-running').waitFor();
      if (viewport) await assertFitsPhone(page, `dashboard (${locale}, phone)`);
      await page.screenshot({ path: join(screenshotDir, shot), fullPage: true });
      if (locale === 'en-US' && !viewport) {
        await entry.getByTestId('execution-link').click();
        await page.waitForURL(`**/executions/${runningId}`);
      }
      await page.context().close();
    }
  });

  test('the executors page on a 390 px phone: cards with whole badges and every action on screen (English and Chinese)', async () => {
    await register('maint-http', 'maintenance', { labels: { region: 'cn-north-1', tier: 'batch' } });
    for (const locale of ['en-US', 'zh-CN']) {
      const page = await open('fleet-admin', locale, '/executors', phone);
      await page.getByTestId('executor-cards').waitFor();
      const card = page.locator('[data-executor-name="maint-http"]');
      await card.getByTestId('executor-online').waitFor();
      await card.getByTestId('executor-remove').waitFor();
      await card.getByText('region=cn-north-1').waitFor();
      await assertFitsPhone(page, `executors page (${locale}, phone)`);
      await page.screenshot({ path: join(screenshotDir, `48-executors-${locale}-phone.png`), fullPage: true });
      await page.setViewportSize({ width: 1360, height: 900 });
      await page.getByTestId('executor-table').waitFor();
      await page.screenshot({ path: join(screenshotDir, `49-executors-${locale}-desktop.png`) });
      await page.context().close();
    }
  });

  test("the new-task form starts from the API's defaults and a task saved untouched gets them", async () => {
    const page = await open('task-operator', 'en-US', '/tasks/new');
    const form = page.getByTestId('task-form');
    await form.waitFor();
    assert.equal(await form.getByRole('switch', { name: 'Run in a shell' }).isChecked(), false, 'shell off, as the API');
    assert.equal(await form.getByLabel('Timeout (seconds)').inputValue(), '300');
    assert.equal(await form.getByLabel('Retries').inputValue(), '0');
    await form.getByTestId('field-name').fill('form-defaults');
    await form.getByTestId('field-command').fill('/bin/true');
    await page.getByTestId('task-save').click();
    await page.waitForURL((url) => /\/tasks\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'));
    const saved = (await server.request('GET', '/api/v1/tasks?search=form-defaults')).body.items[0];
    const viaApi = await server.request('POST', '/api/v1/tasks', { name: 'api-defaults', command: '/bin/true' });
    for (const field of ['shell', 'timeout_seconds', 'max_retry', 'execution_mode', 'load_balance_strategy', 'misfire_policy', 'cron_dialect', 'timezone']) {
      assert.deepEqual(saved[field], viaApi.body[field], field);
    }
    await page.context().close();
  });

  test('an invalid cron marks the cron field with the reason the server gives (English and Chinese)', async () => {
    for (const locale of ['en-US', 'zh-CN']) {
      const page = await open('task-operator', locale, '/tasks/new');
      const cron = page.getByTestId('field-cron');
      await cron.fill('61 * * * *');
      await page.locator('[data-testid="field-cron"][aria-invalid="true"]').waitFor();
      const preview = await server.request('POST', '/api/v1/schedules/preview', { cron_expression: '61 * * * *' });
      assert.equal(preview.status, 400);
      assert.equal(preview.body.error.code, 'invalid_cron');
      const errorId = (await cron.getAttribute('aria-describedby'))?.split(' ').find((part) => part.endsWith('-error'));
      assert.ok(errorId, 'the field names its error');
      const message = (await page.locator(`[id="${errorId}"]`).textContent()) ?? '';
      assert.ok(message.length > 0, 'says why');
      await page.screenshot({ path: join(screenshotDir, `50-invalid-cron-${locale}.png`) });
      // Fixed, the mark goes away.
      await cron.fill('*/10 * * * *');
      await page.locator('[data-testid="field-cron"][aria-invalid="true"]').waitFor({ state: 'detached' });
      await page.context().close();
    }
  });

  test('a viewer sees no form or button it cannot use on the executors pages, the dashboard and the task form', async () => {
    const maint = await register('viewer-sees-http', 'maintenance'); // offline or maintenance: an admin would get every button
    for (const locale of ['en-US', 'zh-CN']) {
      const page = await open('looker', locale, '/executors');
      await page.getByTestId('executor-table').waitFor();
      for (const testId of ['register-executor', 'executor-edit', 'executor-maintenance', 'executor-online', 'executor-remove']) {
        assert.equal(await page.getByTestId(testId).count(), 0, `${testId} on the executors page`);
      }
      assert.equal(await page.getByRole('columnheader', { name: locale === 'en-US' ? 'Actions' : '操作' }).count(), 0, 'no empty actions column');
      await page.goto(`${server.url}/executors/${maint}`);
      await page.getByTestId('executor-detail').waitFor();
      assert.equal(await page.getByTestId('executor-detail').getByRole('button').count(), 0, 'no buttons on the executor page');
      await page.goto(`${server.url}/tasks/new`);
      await page.getByTestId('task-form-read-only').waitFor();
      assert.equal(await page.getByTestId('task-form').count(), 0);
      assert.equal(await page.getByTestId('task-save').count(), 0);
      await page.goto(`${server.url}/tasks/${sleeperTaskId}/edit`);
      await page.getByTestId('task-form-read-only').waitFor();
      await page.screenshot({ path: join(screenshotDir, `51-viewer-task-form-${locale}.png`) });
      await page.goto(`${server.url}/`);
      await page.getByTestId('running-executions-card').waitFor();
      assert.equal(await page.locator('main form').count(), 0, 'no forms on the dashboard');
      await page.context().close();
    }
  });
});
