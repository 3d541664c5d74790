// "Kill now" in the web UI, in a real browser: the execution page's Stop leaves a process
// group that ignores SIGTERM running (the grace here is far longer than the test), its
// Kill now ends it at once; the task page's "Stop all running" with Kill now ticked ends
// every running execution of the task. English and Simplified Chinese; a viewer sees none.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { isRunning, killIfRunning, parsePids, stillRunningAfter } from '../executor/process-probe.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';
const TERM_IGNORING = `trap 'echo term' TERM; (trap '' TERM; exec sleep 300) & echo "$$ $!"; while kill -0 $! 2>/dev/null; do wait $!; done`;

describe('kill now in the web UI', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let taskId = '';
  const spawned: number[] = [];

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ killGraceMs: 600_000 });
    for (const [username, role] of [
      ['operator-ui', 'operator'],
      ['viewer-ui', 'viewer'],
    ]) {
      const created = await server.request('POST', '/api/v1/users', { username, password, role });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const task = await server.request('POST', '/api/v1/tasks', { name: 'stubborn', command: TERM_IGNORING, shell: true });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    taskId = task.body.id;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    killIfRunning(spawned);
  });

  async function signIn(username: string, locale: string, path: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/login`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.goto(`${server.url}${path}`);
    return page;
  }

  const output = async (id: string) => ((await server.request('GET', `/api/v1/executions/${id}/logs`)).body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');
  const execution = async (id: string) => (await server.request('GET', `/api/v1/executions/${id}`)).body;

  async function startRun(): Promise<{ id: string; pids: number[] }> {
    const triggered = await server.request('POST', `/api/v1/tasks/${taskId}/trigger`);
    assert.equal(triggered.status, 202);
    const id: string = triggered.body.id;
    const pids = await eventually(async () => {
      const found = parsePids((await output(id)).split('\n')[0] ?? '');
      return found.length === 2 ? found : undefined;
    }, `the pids of ${id}`);
    spawned.push(...pids);
    return { id, pids };
  }

  test('Stop leaves a SIGTERM-ignoring execution running; Kill now ends it and its process group', async () => {
    const { id, pids } = await startRun();
    const page = await signIn('operator-ui', 'en-US', `/executions/${id}`);
    const dialog = page.getByRole('dialog');

    await page.getByTestId('execution-stop').click();
    await dialog.getByText('Stop this execution?').waitFor();
    await dialog.getByTestId('confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => (await output(id)).includes('term'), 'the SIGTERM to arrive');
    assert.equal((await execution(id)).status, 'running');
    assert.deepEqual(pids.filter(isRunning), pids);

    await page.getByTestId('execution-kill').click();
    await dialog.getByText('Kill this execution now?').waitFor();
    await page.screenshot({ path: join(screenshotDir, '30-kill-now.png') });
    await dialog.getByTestId('confirm').click();
    await page.getByTestId('execution-status').getByText('cancelled', { exact: false }).waitFor();
    assert.equal(await page.getByTestId('execution-kill').count(), 0, 'no kill button on an ended execution');
    assert.equal((await execution(id)).error, 'killed on request');
    assert.deepEqual(await stillRunningAfter(pids), []);
    await page.context().close();
  });

  test('停止全部运行中 with 立即终止 kills every running execution of the task (zh-CN)', async () => {
    const runs = [await startRun(), await startRun()];
    const page = await signIn('operator-ui', 'zh-CN', `/tasks/${taskId}`);
    await page.getByTestId('task-stop-all').getByText('停止全部运行中').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('停止该任务所有运行中的执行？').waitFor();
    await dialog.getByTestId('task-stop-force').check();
    const confirm = dialog.getByTestId('task-stop-confirm');
    assert.equal((await confirm.textContent())?.trim(), '立即终止');
    await confirm.click();
    await page.getByText('已请求停止 2 个执行').waitFor();
    for (const run of runs) {
      const ended = await eventually(async () => {
        const current = await execution(run.id);
        return current.status === 'running' ? undefined : current;
      }, `${run.id} to end`);
      assert.equal(ended.status, 'cancelled');
      assert.equal(ended.error, 'killed on request');
      assert.deepEqual(await stillRunningAfter(run.pids), []);
    }
    await page.context().close();
  });

  test('a viewer gets neither button', async () => {
    const { id } = await startRun();
    const page = await signIn('viewer-ui', 'en-US', `/executions/${id}`);
    await page.getByTestId('execution-status').waitFor();
    assert.equal(await page.getByTestId('execution-stop').count(), 0);
    assert.equal(await page.getByTestId('execution-kill').count(), 0);
    await page.goto(`${server.url}/tasks/${taskId}`);
    await page.getByTestId('task-title').waitFor();
    assert.equal(await page.getByTestId('task-stop-all').count(), 0);
    await page.context().close();
    assert.equal((await server.request('POST', `/api/v1/executions/${id}/stop`, { force: true })).status, 202);
  });
});
