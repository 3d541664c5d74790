// The Executions page and the execution page in a real browser (issue 14), English and
// Simplified Chinese, desktop and a 390 px phone: the task filter searches the server
// (the 1,001st task can be chosen; a page opened filtered names its task); re-run with the
// same parameters (a one-off secret included; viewers see no button); log search with
// next/previous, line numbers, wrap, and a download of the whole log; a run timed out
// after 1 s lasts at least 1 s; attempts and shards numbered "2 of 4" alike in the list
// and on the page; a run replaced by a newer fire says so, not "killed on request".
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';
const phone = { width: 390, height: 844 };

describe('the executions page and the execution page', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  const pages: Page[] = [];

  async function open(username: string, locale: 'en-US' | 'zh-CN', path: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await signIn(browser, server.url, { username, password }, locale);
    pages.push(page);
    page.setDefaultTimeout(60_000); // a loaded machine: waits are for events, the bound only ends a stuck test
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(`${server.url}${path}`);
    return page;
  }

  async function createTask(body: Record<string, unknown>): Promise<string> {
    const created = await server.request('POST', '/api/v1/tasks', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  async function runToEnd(taskId: string, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const triggered = await server.request('POST', `/api/v1/tasks/${taskId}/trigger`, body);
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    return eventually(async () => {
      const execution = (await server.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      return ['success', 'failed', 'timeout', 'cancelled'].includes(execution.status) ? execution : undefined;
    }, `execution ${triggered.body.id} to end`);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshotDir, `execution-page-${name}.png`), fullPage: true });

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer();
    for (const [username, role] of [
      ['operator-ui', 'operator'],
      ['viewer-ui', 'viewer'],
    ]) {
      const created = await server.request('POST', '/api/v1/users', { username, password, role });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await server?.close();
  });

  test('the task filter searches the server: the 1,001st task can be chosen, and a filtered page names its task', async () => {
    // 1,010 tasks: more than the old filter's one page of 1,000 names.
    for (let batch = 0; batch < 1010; batch += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, index) => createTask({ name: `bulk-${String(batch + index).padStart(4, '0')}`, command: 'true' })));
    }
    const lastId = (await server.request('GET', '/api/v1/tasks?search=bulk-1009')).body.items[0].id as string;
    await runToEnd(lastId);

    for (const locale of ['en-US', 'zh-CN'] as const) {
      const page = await open('viewer-ui', locale, '/executions');
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const filter = page.getByTestId('filter-task');
      await filter.click();
      await filter.fill('bulk-1009');
      const option = page.getByRole('option', { name: 'bulk-1009' });
      await option.waitFor();
      await option.click();
      await page.waitForURL((url) => url.searchParams.get('task_id') === lastId);
      await page.locator('[data-testid="execution-table"] tbody tr').first().waitFor();
      assert.equal(await page.locator('[data-testid="execution-table"] tbody tr').count(), 1);
      assert.ok(
        requested.some((url) => url.includes('/api/v1/tasks?') && url.includes('search=bulk-1009')),
        `a server-side search was made: ${requested.join(' ')}`,
      );
      assert.ok(!requested.some((url) => url.includes('page_size=1000')), 'no list of every task');
      await shot(page, `filter-${locale}`);

      // Opened already filtered: the input names the task, fetched on its own.
      const opened = await open('viewer-ui', locale, `/executions?task_id=${lastId}`);
      await eventually(async () => (await opened.getByTestId('filter-task').inputValue()) === 'bulk-1009', 'the filter to name its task');
      await opened.context().close();
      await page.context().close();
    }
  });

  test('re-run with the same parameters, a one-off secret included; viewers see no re-run button', async () => {
    const taskId = await createTask({
      name: 'rerun-me',
      command: 'test "$CRONFLEET_PARAM_TOKEN" = one-off && echo ran with the one-off secret',
      shell: true,
      parameters: { token: { secret: 'stored' } },
    });
    const first = await runToEnd(taskId, { parameters: { token: { secret: 'one-off' } } });
    assert.equal(first.status, 'success');

    const viewer = await open('viewer-ui', 'en-US', `/executions/${first.id}`);
    await viewer.getByTestId('execution-status').waitFor();
    assert.equal(await viewer.getByTestId('execution-rerun').count(), 0, 'a viewer cannot re-run');
    await viewer.context().close();

    for (const [locale, label, confirmLabel] of [
      ['en-US', 'Re-run', 'Re-run'],
      ['zh-CN', '重新运行', '重新运行'],
    ] as const) {
      const page = await open('operator-ui', locale, `/executions/${first.id}`);
      const rerun = page.getByTestId('execution-rerun');
      assert.equal((await rerun.innerText()).trim(), label);
      await rerun.click();
      const confirm = page.getByTestId('confirm');
      assert.equal((await confirm.innerText()).trim(), confirmLabel, 'the confirmation names the action');
      await shot(page, `rerun-confirm-${locale}`);
      await confirm.click();
      await page.waitForURL((url) => url.pathname.startsWith('/executions/') && !url.pathname.endsWith(first.id));
      const newId = page.url().split('/').pop()!;
      await eventually(async () => (await page.getByTestId('execution-status').locator('[data-status]').getAttribute('data-status')) === 'success', 'the re-run to succeed');
      const again = (await server.request('GET', `/api/v1/executions/${newId}`)).body;
      assert.equal(again.status, 'success', 'it ran with the one-off secret');
      assert.equal(again.trigger, 'manual');
      await page.context().close();
    }
  });

  test('log search marks matches and steps through them; line numbers, wrap, and the whole log downloaded', async () => {
    const long = 'x'.repeat(400);
    const taskId = await createTask({ name: 'log-lines', command: `for i in $(seq 1 60); do if [ $((i % 20)) -eq 0 ]; then echo "line $i needle"; else echo "line $i ${long}"; fi; done`, shell: true });
    const run = await runToEnd(taskId);
    for (const locale of ['en-US', 'zh-CN'] as const) {
      const page = await open('operator-ui', locale, `/executions/${run.id}`);
      const view = page.getByTestId('log-view');
      await page.getByTestId('log-ended').waitFor();
      assert.equal(await view.locator('.log-line').count(), 60);

      await page.getByTestId('log-search').fill('NEEDLE');
      const count = page.getByTestId('log-match-count');
      assert.equal(await count.innerText(), locale === 'en-US' ? '1 of 3' : '第 1 处，共 3 处');
      assert.equal(await view.locator('mark.log-match').count(), 3);
      const current = () => view.locator('mark.log-match.current').evaluate((mark) => mark.closest('.log-line')!.getAttribute('data-line'));
      assert.equal(await current(), '20');
      await page.getByTestId('log-next').click();
      assert.equal(await current(), '40');
      await page.getByTestId('log-search').press('Enter');
      assert.equal(await current(), '60');
      await page.getByTestId('log-search').press('Enter');
      assert.equal(await current(), '20', 'next wraps around');
      await page.getByTestId('log-previous').click();
      assert.equal(await current(), '60');
      assert.equal(await count.innerText(), locale === 'en-US' ? '3 of 3' : '第 3 处，共 3 处');
      // The current match is scrolled into the log's view.
      const visible = await view.evaluate((box) => {
        const mark = box.querySelector('mark.current')!.getBoundingClientRect();
        const frame = box.getBoundingClientRect();
        return mark.top >= frame.top && mark.bottom <= frame.bottom;
      });
      assert.ok(visible, 'the current match is in view');
      await shot(page, `log-search-${locale}`);

      // Line numbers on by default, off with the switch.
      assert.equal(await view.locator('.log-line-number').first().innerText(), '1');
      await page.getByTestId('log-line-numbers').uncheck({ force: true });
      assert.equal(await view.locator('.log-line-number').count(), 0);
      await page.getByTestId('log-line-numbers').check({ force: true });
      // Wrap: long lines wrap (no sideways scroll); unwrapped they scroll sideways.
      const overflows = () => view.evaluate((box) => box.scrollWidth > box.clientWidth + 1);
      assert.equal(await view.getAttribute('data-wrap'), 'on');
      assert.equal(await overflows(), false);
      await page.getByTestId('log-wrap').uncheck({ force: true });
      assert.equal(await view.getAttribute('data-wrap'), 'off');
      assert.equal(await overflows(), true);
      await shot(page, `log-nowrap-${locale}`);

      // Download: the whole log, as the server's text form.
      const downloading = page.waitForEvent('download');
      await page.getByTestId('log-download').click();
      const download = await downloading;
      assert.equal(download.suggestedFilename(), `execution-${run.id}.log.txt`);
      const saved = readFileSync(await download.path(), 'utf8');
      const expected = Array.from({ length: 60 }, (_, index) => ((index + 1) % 20 === 0 ? `line ${index + 1} needle\n` : `line ${index + 1} ${long}\n`)).join('');
      assert.equal(saved, expected);
      await page.context().close();
    }
  });

  test('a run that timed out after 1 s shows at least 1 s; attempts and shards numbered alike in the list and on the page', async () => {
    const slowId = await createTask({ name: 'times-out', command: 'sleep', args: ['30'], timeout_seconds: 1 });
    const slow = await runToEnd(slowId);
    assert.equal(slow.status, 'timeout');
    assert.ok(slow.duration_ms >= 1000, `duration ${slow.duration_ms}`);

    // Fails every time, retried 3 times a second apart: attempt 2 of 4 is a retry.
    const failingId = await createTask({ name: 'fails', command: 'false', max_retry: 3, retry_backoff_seconds: 1, retry_backoff_max_seconds: 1, load_balance_strategy: 'broadcast' });
    const firstAttempt = await runToEnd(failingId);
    const second = await eventually(async () => {
      const list = (await server.request('GET', `/api/v1/executions?task_id=${failingId}`)).body.items as Array<Record<string, any>>;
      return list.find((execution) => execution.attempt === 2 && execution.status === 'failed');
    }, 'the first retry to fail');
    assert.equal(firstAttempt.max_attempts, 4);

    for (const [locale, timedOut, attempt, shard] of [
      ['en-US', /timed out/i, 'Attempt 2 of 4', 'Shard 1 of 1'],
      ['zh-CN', /超时/, '第 2 次尝试，共 4 次', '第 1 片，共 1 片'],
    ] as const) {
      const page = await open('viewer-ui', locale, `/executions/${slow.id}`);
      await page.getByTestId('execution-status').waitFor();
      assert.match(await page.getByTestId('execution-status').innerText(), timedOut);
      const duration = await page.getByTestId('execution-duration').innerText();
      const seconds = duration.endsWith(' ms') ? Number.parseFloat(duration) / 1000 : Number.parseFloat(duration);
      assert.ok(seconds >= 1, `a run timed out after 1s shows ${duration}`);

      await page.goto(`${server.url}/executions/${second.id}`);
      await page.getByTestId('execution-attempt').waitFor();
      assert.equal(await page.getByTestId('execution-attempt').innerText(), attempt);
      if (second.shard_total) assert.equal(await page.getByTestId('execution-shard').innerText(), shard);
      await shot(page, `numbering-${locale}`);

      await page.goto(`${server.url}/executions?task_id=${failingId}`);
      const row = page.locator(`tr[data-execution-id="${second.id}"]`);
      await row.waitFor();
      const numbering = await row.getByTestId('execution-numbering').innerText();
      assert.ok(numbering.startsWith(attempt), `the list says ${numbering}`);
      if (second.shard_total) assert.ok(numbering.includes(shard), `the list says ${numbering}`);
      await page.context().close();
    }
    await server.request('POST', `/api/v1/tasks/${failingId}/pause`);
  });

  test('a run replaced by a newer fire says so, not "killed on request"', async () => {
    const taskId = await createTask({ name: 'replaced-runs', cron_expression: '* * * * * *', command: 'sleep', args: ['30'], execution_mode: 'replace' });
    const replaced = await eventually(async () => {
      const list = (await server.request('GET', `/api/v1/executions?task_id=${taskId}&status=cancelled`)).body.items as Array<Record<string, any>>;
      return list[0];
    }, 'a run to be replaced');
    await server.request('POST', `/api/v1/tasks/${taskId}/pause`);
    await server.request('POST', `/api/v1/tasks/${taskId}/stop`, { force: true });
    assert.equal(replaced.reason, 'replaced');
    for (const [locale, text] of [
      ['en-US', 'Replaced by a newer fire'],
      ['zh-CN', '已被更新的一次触发替换'],
    ] as const) {
      const page = await open('viewer-ui', locale, `/executions/${replaced.id}`);
      const error = page.getByTestId('execution-error');
      await error.waitFor();
      const shown = await error.innerText();
      assert.ok(shown.startsWith(text), shown);
      assert.ok(!/on request/.test(shown), `not a stop on request: ${shown}`);
      await page.context().close();
    }
  });

  test('on a 390 px phone: status badges whole, actions on screen, and a sign that the table scrolls sideways', async () => {
    const taskId = await createTask({ name: 'on-a-phone', command: 'echo "a line of output that is longer than a phone screen is wide, so it wraps"', shell: true });
    const run = await runToEnd(taskId);
    for (const locale of ['en-US', 'zh-CN'] as const) {
      const page = await open('operator-ui', locale, `/executions/${run.id}`, phone);
      const badge = page.getByTestId('execution-status').locator('[data-status]');
      await badge.waitFor().catch(async (error: unknown) => {
        await shot(page, `phone-detail-failed-${locale}`);
        throw error;
      });
      const whole = await badge.evaluate((element) => {
        const label = element.querySelector('.mantine-Badge-label') ?? element;
        const box = element.getBoundingClientRect();
        return label.scrollWidth <= label.clientWidth + 1 && box.right <= element.ownerDocument.documentElement.clientWidth && box.left >= 0;
      });
      assert.ok(whole, 'the status badge reads whole');
      for (const id of ['execution-rerun', 'log-download', 'log-search', 'log-next', 'log-wrap']) {
        const box = await page.getByTestId(id).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= phone.width + 1, `${id} is on screen: ${JSON.stringify(box)}`);
      }
      assert.ok(await page.locator('html').evaluate((root) => root.scrollWidth <= root.clientWidth + 1), 'the page does not scroll sideways');
      await shot(page, `phone-detail-${locale}`);

      await page.goto(`${server.url}/executions`);
      await page.getByTestId('execution-table').waitFor();
      await page.getByTestId('more-columns-hint').waitFor();
      const statusBadges = await page.locator('[data-testid="execution-table"] [data-status]').evaluateAll((badges) =>
        badges.every((element) => {
          const label = element.querySelector('.mantine-Badge-label') ?? element;
          return label.scrollWidth <= label.clientWidth + 1;
        }),
      );
      await shot(page, `phone-list-${locale}`);
      assert.ok(statusBadges, 'every status badge in the list reads whole');
      await page.context().close();
    }
  });
});
