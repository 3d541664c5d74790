// The task list and task page as operators of XXL-JOB, Cronicle and Dkron expect them
// (issue 14): latest runs per row, tags, sorting, page size, bulk actions with a named
// confirmation, clone, deleted tasks read-only with Restore, version history with field
// diffs, no buttons a viewer cannot use, and a phone layout that hides nothing silently.
// English and Simplified Chinese; screenshots land in test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { executionRow } from '../helpers/execution-rows.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, openSignedIn, screenshotDir } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';
const locales = ['en-US', 'zh-CN'] as const;
type Locale = (typeof locales)[number];
const phone = { width: 390, height: 844 };

/** A daily cron firing `hours` after now (UTC), so the order of next fires never depends on the time of day. */
const started = new Date();
const hoursFromNow = (hours: number) => `${started.getUTCMinutes()} ${(started.getUTCHours() + hours) % 24} * * *`;

describe('task list and task page for operators', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  const pages: Page[] = [];

  async function createTask(body: Record<string, unknown>): Promise<{ id: string; name: string }> {
    const response = await server.request('POST', '/api/v1/tasks', { command: '/bin/true', cron_expression: hoursFromNow(7), ...body });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  }
  const open = (username: string, locale: Locale, path: string, viewport?: typeof phone) => openSignedIn(browser, server.url, { username, password }, locale, path, pages, viewport);
  const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshotDir, `task-console-${name}.png`), fullPage: true });
  const taskStatus = async (id: string) => (await server.request('GET', `/api/v1/tasks/${id}?include_deleted=1`)).body.status as string;

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    // Each test signs in afresh, in both languages: more sign-ins per minute than the login limit allows one user.
    server = await startTestServer({ executor: false, env: { CRONFLEET_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' } });
    for (const [username, role] of [
      ['operator-tc', 'operator'],
      ['viewer-tc', 'viewer'],
    ]) {
      const user = await server.request('POST', '/api/v1/users', { username, password, role });
      assert.equal(user.status, 201, JSON.stringify(user.body));
    }
    const history = await createTask({ name: 'aa-history', tags: ['billing', 'nightly'], timeout_seconds: 300 });
    assert.equal((await server.request('PUT', `/api/v1/tasks/${history.id}`, { timeout_seconds: 600, env: { TOKEN: { secret: 'hunter2' } } })).status, 200);
    const base = Date.now() - 3_600_000;
    const statuses = ['success', 'failed', 'success', 'timeout', 'success', 'success', 'failed', 'success', 'success', 'failed'] as const;
    const rows = statuses.map((status, index) => ({ ...executionRow(history.id, status, base + index * 60_000, 500), created_at: base + index * 60_000 }));
    await rawDatabase(server.server.store).db.insertInto('executions').values(rows).execute();
    // Fillers fire 2, 4 … 22 hours from now; every other task 7 hours from now, between them.
    for (let i = 1; i <= 11; i++) await createTask({ name: `filler-${String(i).padStart(2, '0')}`, cron_expression: hoursFromNow(2 * i) });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });

  after(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await server?.close();
  });

  test('each row shows its last result, its latest runs as dots and its tags', async () => {
    for (const locale of locales) {
      const page = await open('operator-tc', locale, '/tasks');
      const row = page.locator('tr[data-task-name="aa-history"]');
      await row.getByTestId('run-dots').waitFor();
      assert.equal(await row.getByTestId('run-dot').count(), 10);
      // Oldest on the left, the newest (failed) on the right, next to its badge.
      assert.equal(await row.getByTestId('run-dot').last().getAttribute('data-status'), 'failed');
      assert.equal(await row.getByTestId('run-dot').first().getAttribute('data-status'), 'success');
      await row
        .getByText(locale === 'zh-CN' ? '失败' : 'Failed', { exact: true })
        .first()
        .waitFor();
      await row.getByText('billing').waitFor();
      await row.getByText('nightly').waitFor();
      assert.ok(
        await page
          .locator('tr[data-task-name="filler-01"]')
          .getByText(locale === 'zh-CN' ? '还没有运行' : 'No runs yet')
          .isVisible(),
      );
      await shot(page, `list-${locale}`);
    }
  });

  test('a column header sorts on the server, and the page size is chosen', async () => {
    for (const locale of locales) {
      const page = await open('operator-tc', locale, '/tasks');
      await page.locator('tr[data-task-name="aa-history"]').waitFor();
      const names = () => page.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task-name')));
      await page.getByTestId('sort-next_fire_at').click();
      await page.waitForURL(/sort=next_fire_at/);
      await page.locator('tbody tr').first().and(page.locator('[data-task-name="filler-01"]')).waitFor();
      await page.getByTestId('sort-next_fire_at').click();
      await page.waitForURL(/sort=-next_fire_at/);
      await page.locator('tbody tr').first().and(page.locator('[data-task-name="filler-11"]')).waitFor();
      assert.equal((await names()).length, 12);
      await page.getByTestId('page-size').click();
      await page.getByRole('option', { name: '10', exact: true }).click();
      await page.waitForURL(/page_size=10/);
      await page.locator('tbody tr').nth(9).waitFor();
      await page.locator('tbody tr').nth(10).waitFor({ state: 'detached' });
      assert.equal((await names())[0], 'filler-11', 'the order holds across the page size change');
    }
  });

  test('bulk pause names the action and the count, and a partial failure is reported', async () => {
    const a = await createTask({ name: 'bulk-a' });
    const b = await createTask({ name: 'bulk-b' });
    for (const locale of locales) {
      const page = await open('operator-tc', locale, '/tasks?search=bulk-');
      await page.locator('tr[data-task-name="bulk-b"]').waitFor();
      await page.locator('tr[data-task-name="bulk-a"]').getByTestId('select-row').check();
      await page.locator('tr[data-task-name="bulk-b"]').getByTestId('select-row').check();
      await page.getByTestId('bulk-pause').click();
      const confirmLabel = locale === 'zh-CN' ? '暂停 2 个任务' : 'Pause 2 tasks';
      await page
        .getByRole('dialog')
        .getByText(`${confirmLabel}${locale === 'zh-CN' ? '？' : '?'}`)
        .waitFor();
      assert.equal((await page.getByTestId('confirm').innerText()).trim(), confirmLabel);
      await shot(page, `bulk-confirm-${locale}`);
      await page.getByTestId('confirm').click();
      await page.getByText(locale === 'zh-CN' ? '暂停：2 个任务已完成' : 'Pause: done for 2 tasks').waitFor();
      assert.equal(await taskStatus(a.id), 'paused');
      assert.equal(await taskStatus(b.id), 'paused');
      await server.request('POST', `/api/v1/tasks/${a.id}/resume`);
      await server.request('POST', `/api/v1/tasks/${b.id}/resume`);
    }
    // Delete both while one of them is deleted behind the page's back: one fails, and says so.
    const page = await open('operator-tc', 'en-US', '/tasks?search=bulk-');
    await page.locator('tr[data-task-name="bulk-b"]').waitFor();
    await page.getByTestId('select-all').check();
    await page.getByTestId('bulk-delete').click();
    assert.equal((await page.getByTestId('confirm').innerText()).trim(), 'Delete 2 tasks');
    // Deleted while the confirmation is open: the live list may drop its row, the action keeps both.
    assert.equal(await server.request('DELETE', `/api/v1/tasks/${a.id}`).then((response) => response.status), 204);
    await page.getByTestId('confirm').click();
    await page.getByText(/Delete: 1 of 2 done; failed: bulk-a/).waitFor();
    await shot(page, 'bulk-partial-en-US');
    assert.equal(await taskStatus(b.id), 'deleted');
  });

  test('clone opens the new-task form with a copy, named -copy and paused', async () => {
    for (const locale of locales) {
      const source = await createTask({ name: `clone-src-${locale}`, tags: ['copyme'], timeout_seconds: 77 });
      const page = await open('operator-tc', locale, `/tasks/${source.id}`);
      await page.getByTestId('task-clone').click();
      await page.waitForURL(/\/tasks\/new\?clone=/);
      const name = page.locator('input[name="name"], [data-path="name"]').first();
      await page
        .locator('input[name="name"], [data-path="name"]')
        .first()
        .and(page.locator(`[value="clone-src-${locale}-copy"]`))
        .waitFor();
      await shot(page, `clone-form-${locale}`);
      assert.ok(await name.count());
      await page.getByTestId('task-save').click();
      await page.waitForURL((url) => /^\/tasks\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'));
      const copy = (await server.request('GET', `/api/v1/tasks?search=clone-src-${locale}-copy`)).body.items[0];
      assert.equal(copy.status, 'paused');
      assert.equal(copy.timeout_seconds, 77);
      assert.deepEqual(copy.tags, ['copyme']);
    }
  });

  test('the Deleted filter lists deleted tasks; one opens read-only with Restore, without 404s', async () => {
    for (const locale of locales) {
      const gone = await createTask({ name: `gone-${locale}`, tags: ['old'] });
      assert.equal((await server.request('DELETE', `/api/v1/tasks/${gone.id}`)).status, 204);
      const page = await open('operator-tc', locale, '/tasks?status=deleted');
      const notFound: string[] = [];
      page.on('response', (response) => {
        if (response.status() === 404) notFound.push(response.url());
      });
      await page.getByTestId('deleted-hint').waitFor();
      await page.locator(`tr[data-task-name="gone-${locale}"]`).click();
      await page.getByTestId('deleted-banner').waitFor();
      assert.equal(await page.getByTestId('task-trigger').count(), 0, 'no run button on a deleted task');
      assert.equal(await page.getByTestId('task-delete').count(), 0);
      await page.getByTestId('task-tags').getByText('old').waitFor();
      await shot(page, `deleted-${locale}`);
      await page.getByTestId('task-restore').click();
      assert.equal((await page.getByTestId('confirm').innerText()).trim(), locale === 'zh-CN' ? '还原' : 'Restore');
      await page.getByTestId('confirm').click();
      await page.getByTestId('task-resume').waitFor();
      assert.equal(await taskStatus(gone.id), 'paused');
      assert.deepEqual(notFound, []);
      await page.getByTestId('task-history').locator('[data-action="task.restore"]').waitFor();
    }
  });

  test('the task page shows its tags and a version history with the fields changed, secrets masked', async () => {
    const id = (await server.request('GET', '/api/v1/tasks?search=aa-history')).body.items[0].id;
    for (const locale of locales) {
      const page = await open('viewer-tc', locale, `/tasks/${id}`);
      await page.getByTestId('task-tags').getByText('billing').waitFor();
      const update = page.getByTestId('task-history').locator('[data-action="task.update"]');
      await update.waitFor();
      const timeout = update.locator('[data-field="timeout_seconds"]');
      await timeout.getByText('300', { exact: true }).waitFor();
      await timeout.getByText('600', { exact: true }).waitFor();
      await update
        .locator('[data-field="env"]')
        .getByText(/••••••/)
        .waitFor();
      assert.ok(!(await page.content()).includes('hunter2'));
      await update.getByText(locale === 'zh-CN' ? '修改' : 'Updated', { exact: true }).waitFor();
      await page.getByTestId('task-history').screenshot({ path: join(screenshotDir, `task-console-history-${locale}.png`) });
    }
  });

  test('a viewer sees no selection, bulk, row, clone or restore buttons', async () => {
    const gone = await createTask({ name: 'viewer-gone' });
    await server.request('DELETE', `/api/v1/tasks/${gone.id}`);
    for (const locale of locales) {
      const page = await open('viewer-tc', locale, '/tasks');
      await page.locator('tr[data-task-name="aa-history"]').waitFor();
      for (const id of ['select-all', 'select-row', 'row-trigger', 'row-more', 'new-task', 'bulk-bar']) assert.equal(await page.getByTestId(id).count(), 0, id);
      await page.goto(`${server.url}/tasks/${gone.id}`);
      await page.getByTestId('deleted-banner').waitFor();
      assert.equal(await page.getByTestId('task-restore').count(), 0);
      const id = (await server.request('GET', '/api/v1/tasks?search=aa-history')).body.items[0].id;
      await page.goto(`${server.url}/tasks/${id}`);
      await page.getByTestId('task-history').waitFor();
      for (const testId of ['task-trigger', 'task-clone', 'task-delete', 'task-pause']) assert.equal(await page.getByTestId(testId).count(), 0, testId);
    }
  });

  test('on a 390 px phone the list says it scrolls sideways, badges are whole and the task page buttons fit', async () => {
    const id = (await server.request('GET', '/api/v1/tasks?search=aa-history')).body.items[0].id;
    for (const locale of locales) {
      const page = await open('operator-tc', locale, '/tasks', phone);
      await page.locator('tr[data-task-name="aa-history"]').waitFor();
      assert.ok(await page.getByTestId('scroll-hint').isVisible(), 'the hidden columns are announced');
      const clipped = await page.locator('tbody .mantine-Badge-root').evaluateAll((badges) => badges.filter((badge) => badge.scrollWidth > badge.clientWidth + 1).map((badge) => badge.textContent));
      assert.deepEqual(clipped, []);
      await shot(page, `phone-list-${locale}`);
      await page.goto(`${server.url}/tasks/${id}`);
      await page.getByTestId('task-history').waitFor();
      for (const testId of ['task-trigger', 'task-pause', 'task-clone', 'task-delete']) {
        const box = await page.getByTestId(testId).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= phone.width, `${testId} on screen: ${JSON.stringify(box)}`);
      }
      const badgeClipped = await page.locator('.mantine-Badge-root').evaluateAll((badges) => badges.filter((badge) => badge.scrollWidth > badge.clientWidth + 1).map((badge) => badge.textContent));
      assert.deepEqual(badgeClipped, []);
      await shot(page, `phone-task-${locale}`);
    }
  });
});
