// The workflows console (issue 19): a workflow with fan-in built in the form and its DAG
// drawn (boxes, arrows, a labelled edge), a run whose steps change state live from the
// change feed, a failed step with its dependents skipped and the reason, backfill with a
// preview on the task page, Chinese labels, no buttons for a viewer, and a 390 px phone.
// Screenshots land in .tmp/screens/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, openSignedIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const screens = join(repoRoot, '.tmp', 'screens');
const password = 'correct-horse-battery';
const phone = { width: 390, height: 844 };
const gates = mkdtempSync(join(tmpdir(), 'cronfleet-wf-ui-'));
const gate = join(gates, 'open');
const secondGate = join(gates, 'second');
type Locale = 'en-US' | 'zh-CN';

describe('workflows console', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  const pages: Page[] = [];
  const taskIds: Record<string, string> = {};

  async function api(method: string, path: string, body?: unknown, status = 200): Promise<any> {
    const response = await server.request(method, `/api/v1${path}`, body);
    assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`);
    return response.body;
  }
  const open = (username: string, locale: Locale, path: string, viewport?: typeof phone) => openSignedIn(browser, server.url, { username, password }, locale, path, pages, viewport);
  const shot = (page: Page, name: string) => page.screenshot({ path: join(screens, `workflows-${name}.png`), fullPage: true });
  /** Picks `option` in the Mantine Select `input` (typed into when searchable). */
  async function choose(page: Page, input: ReturnType<Page['locator']>, option: string, type = false) {
    await input.click();
    if (type) await input.fill(option);
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screens, { recursive: true });
    server = await startTestServer({ env: { CRONFLEET_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' } });
    for (const [username, role] of [
      ['operator-wf', 'operator'],
      ['viewer-wf', 'viewer'],
    ]) {
      await api('POST', '/users', { username, password, role }, 201);
    }
    // extract-a runs until the test opens its gate, so the run is seen under way whatever the machine's speed.
    for (const [name, command, args] of [
      ['wf-extract-a', 'sh', ['-c', `while [ ! -e '${gate}' ]; do sleep 0.1; done`]],
      ['wf-extract-b', 'true', []],
      ['wf-join', 'true', []],
      ['wf-report', 'true', []],
      ['wf-fails', 'false', []],
      ['wf-gated', 'sh', ['-c', `while [ ! -e '${secondGate}' ]; do sleep 0.1; done`]],
    ] as const) {
      taskIds[name] = (await api('POST', '/tasks', { name, command, args }, 201)).id;
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await server?.close();
    rmSync(gates, { recursive: true, force: true });
  });

  test('an operator builds a workflow with fan-in in the form, sees its DAG, runs it and watches the steps succeed live', async () => {
    const page = await open('operator-wf', 'en-US', '/workflows');
    await page.getByTestId('nav-workflows').waitFor();
    await page.getByTestId('new-workflow').click();
    await page.getByTestId('workflow-name').fill('nightly-etl');
    await page.getByTestId('workflow-cron').fill('0 3 * * *');
    await choose(page, page.getByTestId('workflow-timezone'), 'Asia/Shanghai', true);
    // Four steps: extract-a and extract-b, join after both (fan-in), report after join whatever its outcome.
    for (let index = 0; index < 3; index++) await page.getByTestId('add-step').click();
    const editors = page.getByTestId('step-editor');
    assert.equal(await editors.count(), 4);
    const steps = [
      ['extract-a', 'wf-extract-a'],
      ['extract-b', 'wf-extract-b'],
      ['join', 'wf-join'],
      ['report', 'wf-report'],
    ] as const;
    for (const [index, [name, task]] of steps.entries()) {
      const editor = editors.nth(index);
      await editor.getByTestId('step-name').fill(name);
      await choose(page, editor.getByTestId('step-task'), task, true);
    }
    // join: the first two "depends on" clicks pick extract-a, then extract-b.
    await editors.nth(2).getByTestId('add-dependency').click();
    await editors.nth(2).getByTestId('add-dependency').click();
    const joinDependencies = editors.nth(2).getByTestId('dependency-step');
    assert.deepEqual([await joinDependencies.nth(0).inputValue(), await joinDependencies.nth(1).inputValue()], ['extract-a', 'extract-b']);
    await editors.nth(3).getByTestId('add-dependency').click();
    await choose(page, editors.nth(3).getByTestId('dependency-step'), 'join');
    await choose(page, editors.nth(3).getByTestId('dependency-on'), 'ended (any outcome)');
    // The DAG beside the form is drawn as it is typed.
    await page.locator('[data-testid="dag-edge"][data-from="join"][data-to="report"][data-on="complete"]').waitFor();
    await shot(page, 'form');
    await page.getByTestId('workflow-save').click();

    await page.getByTestId('workflow-title').waitFor();
    assert.equal(await page.getByTestId('workflow-title').textContent(), 'nightly-etl');
    const dag = page.getByTestId('workflow-dag');
    assert.deepEqual(await dag.getByTestId('dag-step').evaluateAll((boxes) => boxes.map((box) => box.getAttribute('data-step')).sort()), ['extract-a', 'extract-b', 'join', 'report']);
    const edges = await dag.getByTestId('dag-edge').evaluateAll((groups) => groups.map((group) => `${group.getAttribute('data-from')}>${group.getAttribute('data-to')}:${group.getAttribute('data-on')}`).sort());
    assert.deepEqual(edges, ['extract-a>join:success', 'extract-b>join:success', 'join>report:complete']);
    // Only the edge that is not "on success" is labelled; every edge is a drawn path with an arrow.
    assert.deepEqual(await dag.getByTestId('dag-edge-label').allTextContents(), ['on completion']);
    assert.equal(await dag.locator('[data-testid="dag-edge"] path[marker-end]').count(), 3);
    // Layers by depth: the extracts side by side on top, join below both, report below join.
    const box = async (step: string) => (await dag.locator(`[data-testid="dag-step"][data-step="${step}"]`).boundingBox())!;
    const [a, b, joinBox, reportBox] = [await box('extract-a'), await box('extract-b'), await box('join'), await box('report')];
    assert.equal(a.y, b.y);
    assert.ok(joinBox.y > a.y && reportBox.y > joinBox.y, 'layers go down by depth');
    assert.ok(joinBox.x > Math.min(a.x, b.x) && joinBox.x < Math.max(a.x, b.x), 'the fan-in sits between the steps it waits for');
    await shot(page, 'detail');

    // Run now with a parameter: the run page opens with the DAG in its states.
    await page.evaluate('window.notReloaded = true');
    await page.getByTestId('workflow-trigger').click();
    await page.getByTestId('workflow-trigger-parameters').fill('{"day": "2026-12-02"}');
    await page.getByTestId('workflow-trigger-submit').click();
    await page.waitForURL(/\/workflows\/runs\//);
    await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor();
    const stateOf = (step: string) => page.locator(`[data-testid="workflow-dag"] [data-testid="dag-step"][data-step="${step}"]`).getAttribute('data-state');
    // extract-b ends, extract-a runs until its gate opens, and join waits for both (fan-in): all seen without a reload.
    const step = (name: string, state: string) => page.locator(`[data-testid="workflow-dag"] [data-testid="dag-step"][data-step="${name}"][data-state="${state}"]`);
    await step('extract-a', 'running').waitFor({ timeout: 30_000 });
    await step('extract-b', 'success').waitFor({ timeout: 30_000 });
    assert.equal(await stateOf('join'), 'waiting');
    assert.equal(await stateOf('report'), 'waiting');
    await shot(page, 'run-under-way');
    writeFileSync(gate, '');
    await page.locator('[data-testid="workflow-dag"] [data-testid="dag-step"]:not([data-state="success"])').first().waitFor({ state: 'detached', timeout: 60_000 });
    const states = new Set<string | null>();
    for (const step of ['extract-a', 'extract-b', 'join', 'report']) states.add(await stateOf(step));
    assert.deepEqual([...states], ['success']);
    await page.locator('[data-testid="run-status"][data-status="success"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate<boolean>('window.notReloaded'), true, 'updated without a reload');
    // Each step links to its execution, and the execution got the run's parameters.
    const href = await page.locator('[data-testid="dag-step"][data-step="join"]').getAttribute('href');
    assert.match(href ?? '', /^\/executions\/[^/]+$/);
    const execution = await api('GET', href!);
    assert.equal(execution.trigger, 'dependency');
    await shot(page, 'run-success');
    await page.locator('[data-testid="dag-step"][data-step="join"]').click();
    await page.waitForURL(new RegExp(`${href}$`));
    // And the execution links back to its run, naming its step.
    const back = page.getByTestId('execution-workflow-run');
    assert.equal((await back.textContent())?.trim(), 'join');
    await back.click();
    await page.locator('[data-testid="dag-step"][data-step="join"]').waitFor();

    // The list: name, schedule, steps count, latest run state.
    await page.goto(`${server.url}/workflows`);
    const row = page.locator('tr[data-workflow-name="nightly-etl"]');
    await row.getByTestId('latest-run').locator('[data-status="success"]').waitFor();
    assert.equal(await row.getByTestId('steps-count').textContent(), '4 steps');
    // The schedule with its zone, and the next fire in that zone.
    assert.match((await row.locator('td').nth(1).textContent()) ?? '', /0 3 \* \* \*\s*Asia\/Shanghai/);
    assert.match((await row.getByTestId('task-time').textContent()) ?? '', / 03:00:00 UTC\+8$/);
    await shot(page, 'list');
  });

  test("a task's page names the workflows it is a step of, with the steps, and opens them (English and Chinese)", async () => {
    const join = (await api('GET', '/tasks?search=wf-join')).items[0];
    const page = await open('operator-wf', 'en-US', `/tasks/${join.id}`);
    const card = page.getByTestId('task-workflows-card');
    await card.getByTestId('task-workflow-nightly-etl').waitFor();
    assert.match((await card.getByTestId('task-workflow-nightly-etl').textContent()) ?? '', /nightly-etl\s*as step join/);
    await shot(page, 'task-workflows-card');
    await card.getByRole('link', { name: 'nightly-etl' }).click();
    await page.getByTestId('workflow-dag').waitFor();

    const lonely = await api('POST', '/tasks', { name: 'wf-lonely', command: 'true' }, 201);
    const zh = await open('operator-wf', 'zh-CN', `/tasks/${lonely.id}`);
    const zhCard = zh.getByTestId('task-workflows-card');
    await zhCard.getByText('此任务不是任何工作流的步骤。').waitFor();
    assert.match((await zhCard.textContent()) ?? '', /所属工作流/);
  });

  test('a failed step shows failed, and the dependents it can no longer satisfy show skipped with the reason', async () => {
    const workflow = await api(
      'POST',
      '/workflows',
      {
        name: 'fails-midway',
        on_failure: 'continue',
        steps: [
          { name: 'break', task_id: taskIds['wf-fails'] },
          { name: 'publish', task_id: taskIds['wf-join'], depends_on: [{ step: 'break' }] },
          { name: 'announce', task_id: taskIds['wf-report'], depends_on: [{ step: 'publish' }] },
          { name: 'clean-up', task_id: taskIds['wf-report'], depends_on: [{ step: 'break', on: 'failure' }] },
        ],
      },
      201,
    );
    for (const locale of ['en-US', 'zh-CN'] as const) {
      const page = await open('operator-wf', locale, `/workflows/${workflow.id}`);
      await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor();
      await page.getByTestId('workflow-trigger').click();
      await page.getByTestId('workflow-trigger-submit').click();
      await page.waitForURL(/\/workflows\/runs\//);
      const step = (name: string) => page.locator(`[data-testid="workflow-dag"] [data-testid="dag-step"][data-step="${name}"]`);
      await step('break').and(page.locator('[data-state="failed"]')).waitFor({ timeout: 30_000 });
      await step('publish').and(page.locator('[data-state="skipped"]')).waitFor({ timeout: 30_000 });
      await step('announce').and(page.locator('[data-state="skipped"]')).waitFor({ timeout: 30_000 });
      await step('clean-up').and(page.locator('[data-state="success"]')).waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="run-status"][data-status="failed"]').waitFor({ timeout: 30_000 });
      const reason = await page.locator('[data-testid="run-step-row"][data-step="publish"] [data-testid="step-reason"]').textContent();
      // The server words the reason in the UI's language.
      if (locale === 'en-US') assert.match(reason ?? '', /upstream step 'break' ended failed/);
      else assert.match(reason ?? '', /上游步骤“break”/);
      assert.match((await step('publish').textContent()) ?? '', locale === 'en-US' ? /Skipped/ : /已跳过/);
      // The failure edge is labelled.
      assert.deepEqual(await page.getByTestId('dag-edge-label').allTextContents(), [locale === 'en-US' ? 'on failure' : '失败后']);
      await shot(page, `run-failed-${locale}`);
    }

    // on_failure stop: a step not started when another fails is cancelled, with the reason.
    const stopping = await api(
      'POST',
      '/workflows',
      {
        name: 'stops-on-failure',
        steps: [
          { name: 'break', task_id: taskIds['wf-fails'] },
          { name: 'long', task_id: taskIds['wf-gated'] },
          { name: 'after-long', task_id: taskIds['wf-join'], depends_on: [{ step: 'long' }] },
        ],
      },
      201,
    );
    const run = await api('POST', `/workflows/${stopping.id}/trigger`, {}, 202);
    const page = await open('operator-wf', 'en-US', `/workflows/runs/${run.id}`);
    const step = (name: string, state: string) => page.locator(`[data-testid="workflow-dag"] [data-testid="dag-step"][data-step="${name}"][data-state="${state}"]`);
    await step('break', 'failed').waitFor({ timeout: 30_000 });
    await step('long', 'running').waitFor({ timeout: 30_000 });
    writeFileSync(secondGate, '');
    await step('long', 'success').waitFor({ timeout: 30_000 });
    await step('after-long', 'cancelled').waitFor({ timeout: 30_000 });
    assert.match((await page.locator('[data-testid="run-step-row"][data-step="after-long"] [data-testid="step-reason"]').textContent()) ?? '', /step 'break' failed and the workflow stops on failure/);
    // Every badge whole: none cut to an ellipsis by the long reason beside it.
    const clipped = await page.locator('.mantine-Badge-label').evaluateAll((labels) => labels.filter((label) => label.scrollWidth > label.clientWidth + 1).map((label) => label.textContent));
    assert.deepEqual(clipped, []);
    await shot(page, 'run-stopped');
  });

  test('backfill on the task page: the range in the task’s zone, a preview of the instants (new and already in the ledger), then the result', async () => {
    const task = await api('POST', '/tasks', { name: 'wf-backfilled', command: 'true', cron_expression: '*/10 * * * *', timezone: 'Asia/Shanghai' }, 201);
    // An hour boundary at least six hours ago; Shanghai is UTC+8 all year.
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
    const iso = (ms: number) => new Date(ms).toISOString();
    // Instants from 4 h to 3 h ago are in the ledger already: 7 of them.
    const first = await api('POST', `/tasks/${task.id}/backfill`, { from: iso(hour - 4 * 3_600_000), to: iso(hour - 3 * 3_600_000) }, 202);
    assert.equal(first.created, 7);

    const page = await open('operator-wf', 'en-US', `/tasks/${task.id}`);
    await page.getByTestId('task-backfill').click();
    const modal = page.getByRole('dialog');
    assert.match((await modal.getByText(/^From \(/).textContent()) ?? '', /Asia\/Shanghai, UTC\+8/);
    assert.match((await modal.getByText(/^To \(/).textContent()) ?? '', /Asia\/Shanghai, UTC\+8/);
    await page.getByTestId('backfill-from').fill(shanghai(hour - 6 * 3_600_000));
    await page.getByTestId('backfill-to').fill(shanghai(hour - 3_600_000));
    // Nothing to confirm before a preview.
    assert.equal(await page.getByTestId('backfill-confirm').isDisabled(), true);
    await page.getByTestId('backfill-preview-button').click();
    await page.getByTestId('backfill-preview').waitFor();
    // Every 10 minutes over 5 hours, both ends included: 31 instants, 7 already in the ledger.
    assert.equal(await page.getByTestId('backfill-instant').count(), 31);
    assert.equal(await page.locator('[data-testid="backfill-instant"][data-new="false"]').count(), 7);
    assert.equal(await page.getByTestId('backfill-new-count').textContent(), '24 to run');
    assert.equal(await page.getByTestId('backfill-existing-count').textContent(), '7 already in the ledger');
    // The instants are written in the task's zone.
    assert.match((await page.getByTestId('backfill-instant').first().textContent()) ?? '', new RegExp(`^${shanghai(hour - 6 * 3_600_000).replace('T', ' ')}:00 UTC\\+8`));
    await shot(page, 'backfill-preview');
    // A changed range makes the preview stale.
    await page.getByTestId('backfill-max-runs').fill('1000');
    await page.getByTestId('backfill-preview').waitFor({ state: 'detached' });
    await page.getByTestId('backfill-preview-button').click();
    await page.getByTestId('backfill-confirm').click();
    await page.getByTestId('backfill-result').waitFor();
    assert.equal(await page.locator('[data-testid="backfill-result"] [data-created]').getAttribute('data-created'), '24');
    await shot(page, 'backfill-result');
    const executions = await api('GET', `/executions?task_id=${task.id}&page_size=100`);
    assert.equal(executions.items.filter((execution: { trigger: string }) => execution.trigger === 'backfill').length, 31);

    // The same range again adds nothing: nothing to confirm.
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('task-backfill').click();
    await page.getByTestId('backfill-from').fill(shanghai(hour - 6 * 3_600_000));
    await page.getByTestId('backfill-to').fill(shanghai(hour - 3_600_000));
    await page.getByTestId('backfill-preview-button').click();
    await page.getByTestId('backfill-preview').waitFor();
    assert.equal(await page.getByTestId('backfill-new-count').textContent(), '0 to run');
    assert.equal(await page.getByTestId('backfill-confirm').isDisabled(), true);
  });

  test('in Chinese every label of the workflow pages and the backfill dialog is Chinese, and server errors too', async () => {
    const page = await open('operator-wf', 'zh-CN', '/workflows');
    assert.equal(await page.getByTestId('nav-workflows').textContent(), '工作流');
    await page.locator('tr[data-workflow-name="nightly-etl"]').waitFor();
    assert.deepEqual(await page.locator('[data-testid="workflow-table"] th').allTextContents(), ['名称', '调度', '步骤', '最近一次运行', '下次触发', '']);
    assert.equal(await page.locator('tr[data-workflow-name="nightly-etl"] [data-testid="steps-count"]').textContent(), '4 个步骤');
    await shot(page, 'list-zh');
    await page.locator('tr[data-workflow-name="nightly-etl"] a').first().click();
    await page.getByTestId('workflow-dag').waitFor();
    assert.deepEqual(await page.getByTestId('dag-edge-label').allTextContents(), ['结束后']);
    assert.equal(await page.getByTestId('workflow-trigger').textContent(), '立即运行');
    await shot(page, 'detail-zh');

    // A cycle typed in the form: the server's refusal, in Chinese.
    await page.getByTestId('workflow-edit').click();
    const editors = page.getByTestId('step-editor');
    await editors.first().waitFor();
    await editors.nth(0).getByTestId('add-dependency').click();
    await choose(page, editors.nth(0).getByTestId('dependency-step'), 'report');
    // Seen in the form at once: the graph's card names the cycle.
    assert.match((await page.getByTestId('workflow-cycle').textContent()) ?? '', /循环：extract-a → report → join → extract-a/);
    await page.getByTestId('workflow-save').click();
    const alert = page.getByRole('alert', { name: '出错了' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /步骤之间形成了循环/);
    await shot(page, 'form-cycle-zh');

    const task = (await api('GET', '/tasks?search=wf-backfilled')).items[0];
    await page.goto(`${server.url}/tasks/${task.id}`);
    await page.getByTestId('task-backfill').click();
    const modal = page.getByRole('dialog');
    await modal.getByText('补跑 wf-backfilled').waitFor();
    assert.match((await modal.getByText(/^从（/).textContent()) ?? '', /Asia\/Shanghai/);
    assert.equal(await page.getByTestId('backfill-preview-button').textContent(), '预览');
    await shot(page, 'backfill-zh');
  });

  test('a workflow backfills too: the preview lists its daily instants in its zone, and confirming starts one run per instant', async () => {
    const workflow = (await api('GET', '/workflows')).items.find((item: { name: string }) => item.name === 'nightly-etl');
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
    // 03:00 in Shanghai is 19:00 UTC: the instants of the last three days, both ends included.
    const expected: string[] = [];
    for (let ms = hour - 72 * 3_600_000; ms <= hour; ms += 3_600_000) if (new Date(ms).getUTCHours() === 19) expected.push(`${shanghai(ms).replace('T', ' ')}:00 UTC+8`);
    const page = await open('operator-wf', 'en-US', `/workflows/${workflow.id}`);
    await page.getByTestId('workflow-backfill').click();
    assert.match(
      (await page
        .getByRole('dialog')
        .getByText(/^From \(/)
        .textContent()) ?? '',
      /Asia\/Shanghai, UTC\+8/,
    );
    await page.getByTestId('backfill-from').fill(shanghai(hour - 72 * 3_600_000));
    await page.getByTestId('backfill-to').fill(shanghai(hour));
    await page.getByTestId('backfill-preview-button').click();
    await page.getByTestId('backfill-preview').waitFor();
    assert.deepEqual(await page.getByTestId('backfill-instant').locator('[data-testid="task-time"]').allTextContents(), expected);
    await page.getByTestId('backfill-confirm').click();
    await page.getByTestId('backfill-result').waitFor();
    assert.equal(await page.locator('[data-testid="backfill-result"] [data-created]').getAttribute('data-created'), String(expected.length));
    await page.getByRole('button', { name: 'Done' }).click();
    // The runs appear in the workflow's runs, with trigger Backfill and their scheduled instants.
    await page.getByTestId('workflow-run-row').nth(expected.length).waitFor();
    const rows = await page.getByTestId('workflow-run-row').allTextContents();
    assert.equal(rows.filter((row) => row.includes('Backfill')).length, expected.length);
    await shot(page, 'workflow-backfilled');
  });

  test('a viewer sees workflows, runs and the task page with no button that changes anything', async () => {
    const workflow = (await api('GET', '/workflows')).items.find((item: { name: string }) => item.name === 'nightly-etl');
    const run = (await api('GET', `/workflows/${workflow.id}/runs`)).items[0];
    const task = (await api('GET', '/tasks?search=wf-backfilled')).items[0];
    const page = await open('viewer-wf', 'en-US', '/workflows');
    await page.locator('tr[data-workflow-name="nightly-etl"]').waitFor();
    for (const testId of ['new-workflow', 'workflow-row-trigger', 'workflow-row-edit', 'workflow-row-delete']) assert.equal(await page.getByTestId(testId).count(), 0, testId);
    await page.goto(`${server.url}/workflows/${workflow.id}`);
    await page.getByTestId('workflow-dag').waitFor();
    for (const testId of ['workflow-trigger', 'workflow-backfill', 'workflow-edit', 'workflow-delete']) assert.equal(await page.getByTestId(testId).count(), 0, testId);
    await page.goto(`${server.url}/workflows/runs/${run.id}`);
    await page.getByTestId('run-steps').waitFor();
    assert.equal(await page.locator('main button').count(), 0);
    await page.goto(`${server.url}/workflows/new`);
    await page.getByTestId('workflow-read-only').waitFor();
    await page.goto(`${server.url}/tasks/${task.id}`);
    await page.getByTestId('task-title').waitFor();
    assert.equal(await page.getByTestId('task-backfill').count(), 0);
    await shot(page, 'viewer-detail');
  });

  test('on a 390 px phone the workflow, its run and the backfill dialog fit the screen', async () => {
    const workflow = (await api('GET', '/workflows')).items.find((item: { name: string }) => item.name === 'nightly-etl');
    const run = (await api('GET', `/workflows/${workflow.id}/runs`)).items[0];
    const page = await open('operator-wf', 'en-US', `/workflows/${workflow.id}`, phone);
    const fits = async (what: string) => {
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= phone.width, `${what}: the page is ${width} px wide`);
    };
    await page.getByTestId('workflow-dag').waitFor();
    await fits('workflow page');
    // Two steps side by side fit the phone's card: the boxes narrow rather than scroll out of sight.
    const dag = await page.getByTestId('workflow-dag').evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
    assert.ok(dag.scroll <= dag.client, `the DAG fits its card: ${JSON.stringify(dag)}`);
    for (const testId of ['workflow-trigger', 'workflow-edit', 'workflow-delete']) {
      const box = await page.getByTestId(testId).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= phone.width, `${testId} on screen: ${JSON.stringify(box)}`);
    }
    await shot(page, 'phone-detail');
    await page.goto(`${server.url}/workflows/runs/${run.id}`);
    await page.getByTestId('run-steps').waitFor();
    await fits('run page');
    await shot(page, 'phone-run');
    // The state colours hold on a dark page too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.getByTestId('run-steps').waitFor();
    await shot(page, 'phone-run-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${server.url}/workflows/${workflow.id}/edit`);
    await page.getByTestId('step-editor').first().waitFor();
    await fits('form');
    await shot(page, 'phone-form');
    const task = (await api('GET', '/tasks?search=wf-backfilled')).items[0];
    await page.goto(`${server.url}/tasks/${task.id}`);
    await page.getByTestId('task-backfill').click();
    await page.getByTestId('backfill-preview-button').click();
    await page.getByTestId('backfill-preview').waitFor();
    const dialog = await page.getByRole('dialog').boundingBox();
    assert.ok(dialog && dialog.x >= 0 && dialog.x + dialog.width <= phone.width, `dialog on screen: ${JSON.stringify(dialog)}`);
    await shot(page, 'phone-backfill');
  });
});
