// The web UI end to end: a real server (SQLite file, local executor, real HTTP) and
// Debian's chromium driven by playwright-core. One journey, in order, as a person would
// use it: sign in, create a task through the form, watch it execute and follow its
// live log, filter the execution history, pause it, switch to Chinese, register and
// edit an executor. Screenshots of every page land in test-results/ui/ for a human to
// look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const username = 'ui-tester';
const password = 'correct-horse-battery';
const taskName = 'ui_nightly_report';

/** Polls until `check` holds (the UI catches up asynchronously). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('web UI', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let taskId = '';
  const consoleProblems: string[] = [];

  const shot = async (name: string, target: Page = page) => {
    await target.waitForLoadState('networkidle').catch(() => undefined);
    // Let dialogs finish fading in, and keep the pointer off charts (no stray tooltips).
    await target.mouse.move(0, 0).catch(() => undefined);
    await target.waitForTimeout(350);
    await target.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  };

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer();
    const created = await server.request('POST', '/api/v1/users', { username, password, role: 'admin' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleProblems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleProblems.push(`pageerror: ${error.message}`));
  });

  after(async () => {
    if (consoleProblems.length > 0) console.log(`browser console:\n${consoleProblems.join('\n')}`);
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  test('an unknown page path serves the app, an unknown API path stays a JSON 404', async () => {
    // A page navigation (Accept names text/html): anything else gets a 404 (test/server/web-ui-delivery.test.ts).
    const app = await fetch(`${server.url}/tasks/some/deep/link`, { headers: { accept: 'text/html' } });
    assert.equal(app.status, 200);
    assert.match(app.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await app.text(), /<div id="root">/);
    const api = await server.request('GET', '/api/v1/no-such-thing');
    assert.equal(api.status, 404);
    assert.equal((api.body as { error: { code: string } }).error.code, 'not_found');
  });

  test('signing in leads to the dashboard', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL('**/login');
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill('wrong-password!');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    await shot('01-login-error');
    await page.locator('input[name="password"]').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByTestId('metric-executors').getByText('1 / 1').waitFor();
    await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor();
    await page.getByTestId('executor-load-card').getByText('Executor load').waitFor();
    await page.locator('[data-executor-load="local"][data-running="0"]').waitFor();
    await shot('02-dashboard');
  });

  test("the dashboard follows executor load live, and a running execution's duration ticks", async () => {
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui_load_job', type: 'command', command: 'sleep 30', shell: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await server.request('POST', `/api/v1/tasks/${(created.body as { id: string }).id}/trigger`, {});
    const executionId = (run.body as { id: string }).id;
    const local = page.locator('[data-executor-load="local"]');
    await page.locator('[data-executor-load="local"][data-running="1"]').waitFor();
    assert.match(await local.innerText(), /1 \/ \d+/);
    await shot('02b-dashboard-load');
    await page.getByTestId('nav-executions').click();
    const elapsed = page.locator(`[data-execution-id="${executionId}"]`).getByTestId('elapsed');
    await elapsed.waitFor();
    const first = await elapsed.innerText();
    await until(async () => (await elapsed.innerText()) !== first, 'the elapsed time moves on');
    await shot('02c-executions-running');
    await page.getByTestId('nav-dashboard').click();
    await page.locator('[data-executor-load="local"][data-running="1"]').waitFor();
    const stopped = await server.request('POST', `/api/v1/executions/${executionId}/stop`, {});
    assert.ok(stopped.status < 300, JSON.stringify(stopped.body));
    await page.locator('[data-executor-load="local"][data-running="0"]').waitFor();
  });

  test('the task form shows the cron in words, the next fires, and a server error on its field', async () => {
    await page.getByTestId('nav-tasks').click();
    await page.getByTestId('new-task').click();
    await page.getByTestId('field-name').fill(taskName);
    const cron = page.getByTestId('field-cron');
    await cron.fill('*/3 * * * * *');
    await page.getByTestId('cron-words').getByText('Every 3 seconds').waitFor();
    await page.getByTestId('cron-fires').locator('li').nth(9).waitFor();
    // The same text in the two dialects: Quartz's 2 is Monday, Unix's 2 is Tuesday, and the form says which numbering it shows.
    await cron.fill('0 0 12 ? * 2');
    await page.getByTestId('cron-words').getByText('only on Tuesday').waitFor();
    await page.getByTestId('field-cron-dialect').getByText('Quartz / XXL-JOB').click();
    await page.getByTestId('cron-words').getByText('only on Monday').waitFor();
    assert.match(await page.getByTestId('cron-numbering').innerText(), /1 = Sunday … 7 = Saturday/);
    await shot('03b-task-form-quartz');
    await page.getByTestId('field-cron-dialect').getByText('Standard (Unix)').click();
    // Monthly in Berlin from November: the ten fires cross the spring clock change once.
    await cron.fill('0 3 1 * *');
    await page.getByTestId('field-timezone').click();
    await page.getByTestId('field-timezone').fill('Europe/Berl');
    await page.getByRole('option', { name: 'Europe/Berlin' }).click();
    await page.getByTestId('cron-helper').getByText('Europe/Berlin').waitFor();
    await page.getByTestId('dst-flag').first().waitFor();
    assert.equal(await page.getByTestId('dst-flag').count(), 1);
    await shot('03a-task-form-dst');
    // A schedule the preview cannot read: the server's error lands on the cron field.
    await cron.fill('0 0 31 2 * * 1999');
    await page.getByTestId('field-command').fill('echo');
    await page.getByTestId('task-save').click();
    const cronError = page.locator('[data-path="cron_expression"]').locator('xpath=ancestor::div[contains(@class,"mantine-InputWrapper-root")]').locator('.mantine-InputWrapper-error');
    await cronError.waitFor();
    assert.match(await cronError.innerText(), /\S/);
    await shot('03-task-form-error');
    await cron.fill('*/3 * * * * *');
    await page.getByTestId('field-command').fill('for i in 1 2 3 4 5; do echo "report line $i"; sleep 0.3; done');
    await page.getByTestId('field-shell').check(); // a shell loop: shell is off by default, as in the API
    await page.getByTestId('task-save').click();
    await page.getByTestId('task-title').getByText(taskName).waitFor();
    taskId = page.url().split('/tasks/')[1] ?? '';
    assert.ok(taskId, 'landed on the task page');
  });

  test('the schedule fires and the execution shows up on the task page without a reload', async () => {
    await page.getByTestId('execution-table').locator('[data-execution-id]').first().waitFor({ timeout: 20_000 });
    await page.getByTestId('execution-table').getByText('Success').first().waitFor({ timeout: 20_000 });
    await shot('04-task-detail');
  });

  test('a manual run with a parameter override follows its live log to the end', async () => {
    await page.getByTestId('task-trigger').click();
    await page.getByTestId('trigger-parameters').fill('{"region": "eu"}');
    await page.getByTestId('trigger-submit').click();
    await page.waitForURL('**/executions/**');
    const log = page.getByTestId('log-view');
    await log.getByText('report line 1').waitFor();
    await log.getByText('report line 5').waitFor();
    await page.getByTestId('log-ended').waitFor();
    await page.getByTestId('execution-status').getByText('Success').waitFor();
    assert.equal(await page.getByTestId('exit-code').innerText(), '0');
    await shot('05-execution-detail');
  });

  test('the execution history filters by trigger and scheduled time, kept in the URL', async () => {
    await page.getByTestId('nav-executions').click();
    const rows = page.getByTestId('execution-table').locator('[data-execution-id]');
    await rows.first().waitFor();
    await page.getByTestId('filter-trigger').click();
    await page.getByRole('option', { name: 'Manual' }).click();
    await page.waitForURL(/[?&]trigger=manual/);
    const manual = await server.request('GET', '/api/v1/executions?trigger=manual');
    const manualTotal = (manual.body as { total: number }).total;
    assert.ok(manualTotal >= 1);
    await until(async () => (await rows.count()) === manualTotal && (await rows.filter({ hasText: 'Manual' }).count()) === manualTotal, 'only manual runs are listed');

    // A range that starts in an hour matches nothing; one that ends before it starts is flagged.
    // What a datetime-local input shows for an instant, in the browser's time zone.
    const localInputAt = (instant: Date) =>
      page.evaluate<string, string>((iso) => {
        const date = new Date(iso);
        const pad = (value: number) => String(value).padStart(2, '0');
        return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
      }, instant.toISOString());
    const localInput = (offsetMinutes: number) => localInputAt(new Date(Date.now() + offsetMinutes * 60_000));
    await page.getByTestId('filter-from').fill(await localInput(60));
    await page.waitForURL(/[?&]from=/);
    await page.getByText('No execution matches these filters.').waitFor();
    await page.getByTestId('filter-to').fill(await localInput(30));
    await page.getByText('Must be later than “from”').waitFor();
    await shot('05b-executions-range-invalid');
    await page.getByTestId('clear-filters').click();
    await until(async () => !/[?&](trigger|from|to)=/.test(page.url()), 'the filters are gone from the URL');
    await until(async () => (await page.getByTestId('filter-from').inputValue()) === '', 'the inputs are cleared');
    await rows.first().waitFor();

    // A shared link opens with its filters applied and shown.
    const from = new Date(Date.now() - 10 * 60_000);
    from.setSeconds(0, 0);
    await page.goto(`${server.url}/executions?trigger=schedule&from=${encodeURIComponent(from.toISOString())}`);
    const scheduled = await server.request('GET', `/api/v1/executions?trigger=schedule&from=${encodeURIComponent(from.toISOString())}`);
    assert.ok((scheduled.body as { total: number }).total >= 1);
    await rows.first().waitFor();
    await until(async () => (await rows.count()) > 0 && (await rows.filter({ hasText: 'Schedule' }).count()) === (await rows.count()), 'only scheduled runs are listed');
    assert.equal(await page.getByTestId('filter-from').inputValue(), await localInputAt(from));
    assert.equal(await page.getByTestId('filter-trigger').inputValue(), 'Schedule');
    await shot('05c-executions-filtered');
  });

  test('pausing the task from its page shows it paused and stops its next fires', async () => {
    await page.goto(`${server.url}/tasks/${taskId}`);
    await page.getByTestId('task-pause').click();
    await page.getByTestId('task-resume').waitFor();
    const task = await server.request('GET', `/api/v1/tasks/${taskId}`);
    assert.equal((task.body as { status: string }).status, 'paused');
    await page.getByTestId('nav-tasks').click();
    await page.locator(`[data-task-name="${taskName}"]`).getByText('Paused').waitFor();
    await shot('06-task-list');
  });

  test('switching to Chinese translates the console', async () => {
    await page.getByTestId('language-menu').click();
    await page.getByTestId('language-zh-CN').click();
    await page.getByRole('heading', { name: '任务' }).waitFor();
    await page.locator(`[data-task-name="${taskName}"]`).getByText('已暂停').waitFor();
    assert.equal(await page.evaluate<string>('document.documentElement.lang'), 'zh-CN');
    await shot('07-tasks-zh');
    await page.getByTestId('nav-dashboard').click();
    await page.getByRole('heading', { name: '概览' }).waitFor();
    await shot('08-dashboard-zh');
    await page.goto(`${server.url}/tasks/${taskId}/edit`);
    await page.getByTestId('cron-words').waitFor();
    assert.match(await page.getByTestId('cron-words').innerText(), /秒/);
    await shot('09-task-form-zh');
  });

  test('a secret environment value is masked in the form and kept when the task is saved unchanged', async () => {
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui_secret_env', type: 'command', command: 'printenv API_KEY', shell: true, env: { API_KEY: { secret: 'hunter2-value' }, MODE: 'full' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = (created.body as { id: string }).id;
    await page.goto(`${server.url}/tasks/${id}/edit`);
    const secretInput = page.locator('input[type="password"][placeholder]').first();
    await secretInput.waitFor();
    assert.equal(await secretInput.inputValue(), '');
    await shot('09b-secret-env-zh');
    assert.ok(!(await page.content()).includes('hunter2-value'), 'the secret value never reaches the page');
    await page.getByTestId('task-save').click();
    await page.getByTestId('task-title').getByText('ui_secret_env').waitFor();
    const run = await server.request('POST', `/api/v1/tasks/${id}/trigger`, {});
    const executionId = (run.body as { id: string }).id;
    await page.goto(`${server.url}/executions/${executionId}`);
    await page.getByTestId('log-ended').waitFor();
    await page.getByTestId('execution-status').getByText('成功').waitFor();
  });

  test('a running execution can be stopped from its page', async () => {
    const created = await server.request('POST', '/api/v1/tasks', { name: 'ui_long_job', type: 'command', command: 'echo started; sleep 60', shell: true });
    const run = await server.request('POST', `/api/v1/tasks/${(created.body as { id: string }).id}/trigger`, {});
    await page.goto(`${server.url}/executions/${(run.body as { id: string }).id}`);
    await page.getByTestId('log-view').getByText('started').waitFor();
    await page.getByTestId('log-following').waitFor();
    await page.getByTestId('execution-stop').click();
    await page.getByTestId('confirm').click();
    await page.getByTestId('execution-status').getByText('已取消').waitFor();
    await page.getByTestId('log-ended').waitFor();
  });

  test('the executors page lists the local executor as online and healthy', async () => {
    await page.getByTestId('nav-executors').click();
    const row = page.locator('[data-executor-name="local"]');
    await row.getByText('在线').waitFor();
    await page.getByTestId('register-executor').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input').nth(0).fill('billing-http');
    await dialog.locator('input').nth(1).fill('billing-1');
    await dialog.locator('input').nth(2).fill('http://127.0.0.1:9/hooks');
    await shot('10b-register-executor-zh');
    await dialog.getByRole('button', { name: '注册' }).click();
    assert.ok((await page.getByTestId('callback-secret').innerText()).length > 10);
    await dialog.getByRole('button', { name: '完成' }).click();
    await page.locator('[data-executor-name="billing-http"]').waitFor();
    await row.getByText('健康').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await shot('10-executors-zh');

    // Editing an HTTP executor re-registers the same instance_id: same executor, new details.
    type WireExecutor = { id: string; name: string; instance_id: string; capacity: number; labels: Record<string, string>; metadata: Record<string, unknown>; runners: string[] };
    const listExecutors = async () => ((await server.request('GET', '/api/v1/executors')).body as { items: WireExecutor[] }).items;
    const before = (await listExecutors()).find((executor) => executor.name === 'billing-http')!;
    const httpRow = page.locator('[data-executor-name="billing-http"]');
    await httpRow.getByTestId('executor-edit').click();
    await dialog.getByText('编辑 billing-http').waitFor();
    assert.equal(await page.getByTestId('executor-field-name').inputValue(), 'billing-http');
    assert.equal(await page.getByTestId('executor-field-instance').inputValue(), 'billing-1');
    assert.ok(await page.getByTestId('executor-field-instance').isDisabled(), 'the instance id cannot change');
    assert.equal(await page.getByTestId('executor-field-base-url').inputValue(), 'http://127.0.0.1:9/hooks');
    await page.getByTestId('executor-field-capacity').fill('3');
    await page.getByTestId('executor-field-health-url').fill('http://127.0.0.1:9/health');
    await page.getByTestId('executor-field-labels').getByRole('button', { name: '添加' }).click();
    await page.getByTestId('executor-field-labels').locator('input').nth(0).fill('team');
    await page.getByTestId('executor-field-labels').locator('input').nth(1).fill('billing');
    await page.getByTestId('executor-field-metadata').fill('{"owner": "billing-team"}');
    await shot('10c-edit-executor-zh');
    await page.getByTestId('executor-save').click();
    await dialog.waitFor({ state: 'hidden' });
    await httpRow.getByText('team=billing').waitFor();
    await httpRow.getByText('运行 0 / 3').waitFor();
    const edited = (await listExecutors()).filter((executor) => executor.instance_id === 'billing-1');
    assert.equal(edited.length, 1);
    assert.equal(edited[0]!.id, before.id);
    assert.equal(edited[0]!.capacity, 3);
    assert.deepEqual(edited[0]!.labels, { team: 'billing' });
    assert.deepEqual(edited[0]!.metadata, { owner: 'billing-team' });
    assert.deepEqual(edited[0]!.runners, before.runners, 'the runners are kept');
    // The form opens with what was saved.
    await httpRow.getByTestId('executor-edit').click();
    await dialog.getByText('编辑 billing-http').waitFor();
    assert.equal(await page.getByTestId('executor-field-capacity').inputValue(), '3');
    assert.match(await page.getByTestId('executor-field-metadata').inputValue(), /billing-team/);
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // An agent reports its own details: a note, not a form.
    await row.getByTestId('executor-edit').click();
    await page.getByTestId('agent-note').getByText('--capacity', { exact: false }).waitFor();
    assert.equal(await dialog.getByTestId('executor-form').count(), 0);
    await shot('10d-agent-note-zh');
    await dialog.getByRole('button', { name: '完成' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByTestId('executor-maintenance').click();
    await page.getByTestId('confirm').click(); // maintenance asks first, naming the action
    await row.getByText('维护中').waitFor();
    await row.getByTestId('executor-online').click();
    await row.getByText('在线').waitFor();
    await page.getByTestId('nav-executions').click();
    await page.getByTestId('execution-table').waitFor();
    await shot('11-executions-zh');
    await page.getByTestId('filter-trigger').click();
    await page.getByRole('option', { name: '手动' }).click();
    await page.waitForURL(/[?&]trigger=manual/);
    await page.getByTestId('clear-filters').getByText('清除筛选').waitFor();
    await shot('11b-executions-filtered-zh');
    await page.getByTestId('nav-cluster').click();
    await page.getByTestId('cluster-leader').waitFor();
    await shot('12-cluster-zh');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-tab-users').waitFor();
    await page.getByRole('cell', { name: username }).waitFor();
    await shot('13-settings-zh');
  });

  test('an API token is shown once on creation, and the audit log records it', async () => {
    await page.getByTestId('settings-tab-tokens').click();
    await page.getByTestId('new-api-token').click();
    await page.getByRole('dialog').locator('input').first().fill('ci-deploy');
    await page.getByRole('dialog').getByRole('button', { name: '创建' }).click();
    await page.getByTestId('secret-once').waitFor();
    assert.ok((await page.getByTestId('secret-once').innerText()).length > 20);
    await page.getByRole('cell', { name: 'ci-deploy' }).waitFor();
    await shot('13b-api-tokens-zh');
    await page.getByTestId('settings-tab-audit').click();
    await page.getByRole('cell', { name: username }).first().waitFor();
    await shot('13c-audit-zh');
  });

  test('a viewer sees the tasks but no buttons that change them', async () => {
    const viewer = await server.request('POST', '/api/v1/users', { username: 'ui-viewer', password, role: 'viewer' });
    assert.equal(viewer.status, 201, JSON.stringify(viewer.body));
    const viewerContext = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      const viewerPage = await viewerContext.newPage();
      viewerPage.setDefaultTimeout(15_000);
      await viewerPage.goto(`${server.url}/login`);
      await viewerPage.locator('input[name="username"]').fill('ui-viewer');
      await viewerPage.locator('input[name="password"]').fill(password);
      await viewerPage.getByTestId('login-submit').click();
      await viewerPage.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await viewerPage.goto(`${server.url}/tasks`);
      await viewerPage.locator(`[data-task-name="${taskName}"]`).waitFor();
      assert.equal(await viewerPage.getByTestId('new-task').count(), 0);
      assert.equal(await viewerPage.getByTestId('row-trigger').count(), 0);
      await viewerPage.goto(`${server.url}/tasks/${taskId}`);
      await viewerPage.getByTestId('task-title').waitFor();
      assert.equal(await viewerPage.getByTestId('task-resume').count(), 0);
    } finally {
      await viewerContext.close();
    }
  });

  test('the browser saw no script errors', () => {
    assert.deepEqual(
      consoleProblems.filter((problem) => problem.startsWith('pageerror')),
      [],
    );
  });

  test('on a phone, in the dark theme, the dashboard and the execution log fit the screen', async () => {
    const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' });
    try {
      const mobile = await phone.newPage();
      mobile.setDefaultTimeout(15_000);
      await mobile.goto(`${server.url}/login`);
      await mobile.locator('input[name="username"]').fill(username);
      await mobile.locator('input[name="password"]').fill(password);
      await mobile.getByTestId('login-submit').click();
      await mobile.getByRole('heading', { name: '概览' }).waitFor();
      const overflow = await mobile.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
      await shot('14-phone-dashboard-dark', mobile);
      const executions = await server.request('GET', `/api/v1/executions?task_id=${taskId}&status=success&page_size=1`);
      const executionId = (executions.body as { items: { id: string }[] }).items[0]!.id;
      await mobile.goto(`${server.url}/executions/${executionId}`);
      await mobile.getByTestId('log-view').getByText('report line 5').waitFor();
      await shot('15-phone-execution-dark', mobile);
      await mobile.goto(`${server.url}/tasks/new`);
      await mobile.getByTestId('cron-fires').locator('li').nth(9).waitFor();
      const formOverflow = await mobile.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(formOverflow <= 1, `the task form scrolls sideways by ${formOverflow}px`);
      await shot('16-phone-task-form-dark', mobile);
      await mobile.goto(`${server.url}/executions?trigger=manual`);
      await mobile.getByTestId('execution-table').waitFor();
      await mobile.getByTestId('filter-from').waitFor();
      const executionsOverflow = await mobile.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(executionsOverflow <= 1, `the executions page scrolls sideways by ${executionsOverflow}px`);
      await shot('17-phone-executions-dark', mobile);
      await mobile.goto(`${server.url}/executors`);
      await mobile.locator('[data-executor-name="billing-http"]').getByTestId('executor-edit').click();
      await mobile.getByTestId('executor-form').waitFor();
      await shot('18-phone-edit-executor-dark', mobile);
    } finally {
      await phone.close();
    }
  });
});
