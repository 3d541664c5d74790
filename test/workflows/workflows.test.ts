// Workflows (issue 19): fan-in, dependency conditions, failure policies, parameter passing,
// refusal of bad graphs, and on_success_trigger chains, against a real server and executor.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually, executions } from '../scheduler/helpers.ts';
import { commandTasks, createWorkflow, executionOf, stepOf, waitForRun } from './helpers.ts';

describe('workflows', () => {
  let t: TestServer;
  let gateDir: string;
  before(async () => {
    t = await startTestServer();
    gateDir = mkdtempSync(join(tmpdir(), 'cronfleet-gate-'));
  });
  after(async () => {
    await t.close();
    rmSync(gateDir, { recursive: true, force: true });
  });

  it('starts a step once all its dependencies succeeded (fan-in), passing parameters and upstream results', async () => {
    const tasks = await commandTasks(t, { 'fan-a': 'true', 'fan-b': 'true', 'fan-c': 'true' });
    const workflow = await createWorkflow(t, {
      name: 'fan-in',
      steps: [
        { name: 'a', task_id: tasks['fan-a'] },
        { name: 'b', task_id: tasks['fan-b'] },
        { name: 'c', task_id: tasks['fan-c'], depends_on: [{ step: 'a' }, { step: 'b', on: 'success' }] },
      ],
    });
    assert.equal(workflow.on_failure, 'stop');
    assert.equal(workflow.latest_run, null, 'no run yet');
    assert.deepEqual(workflow.steps[2].depends_on, [
      { step: 'a', on: 'success' },
      { step: 'b', on: 'success' },
    ]);
    const triggered = await t.request('POST', `/api/v1/workflows/${workflow.id}/trigger`, { parameters: { region: 'eu' } });
    assert.equal(triggered.status, 202);
    assert.equal(stepOf(triggered.body, 'c').state, 'waiting');
    const run = await waitForRun(t, triggered.body.id);
    assert.equal(run.status, 'success');
    assert.deepEqual(
      run.steps.map((step: { state: string }) => step.state),
      ['success', 'success', 'success'],
    );
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => executionOf(t, stepOf(run, name).execution_id)));
    assert.ok(Date.parse(c!.start_time) >= Math.max(Date.parse(a!.end_time), Date.parse(b!.end_time)), 'c starts after both a and b ended');
    for (const execution of [a, b, c]) {
      assert.equal(execution!.trigger, 'dependency');
      assert.equal(execution!.workflow_run_id, run.id);
      assert.equal(execution!.parameters.region, 'eu');
    }
    assert.deepEqual(Object.keys(c!.parameters.upstream).sort(), ['a', 'b']);
    assert.equal(c!.parameters.upstream.a.status, 'success');
    assert.equal(c!.parameters.upstream.a.result.exit_code, 0);
    const runs = await t.request('GET', `/api/v1/workflows/${workflow.id}/runs`);
    assert.equal(runs.body.total, 1);
    assert.equal(runs.body.items[0].id, run.id);
    // The workflow itself names its newest run, in the list and alone.
    const latest = { id: run.id, status: 'success', created_at: run.created_at, end_time: run.end_time };
    assert.deepEqual((await t.request('GET', `/api/v1/workflows/${workflow.id}`)).body.latest_run, latest);
    const listed = (await t.request('GET', '/api/v1/workflows?page_size=1000')).body.items.find((item: { id: string }) => item.id === workflow.id);
    assert.deepEqual(listed.latest_run, latest);
  });

  it('passes upstream results to the step process itself', async () => {
    const out = join(gateDir, 'upstream.json');
    const tasks = await commandTasks(t, { give: 'true', take: `printf '%s' "$CRONFLEET_PARAM_UPSTREAM" > '${out}'` });
    const workflow = await createWorkflow(t, {
      name: 'hand-over',
      steps: [
        { name: 'give', task_id: tasks.give },
        { name: 'take', task_id: tasks.take, depends_on: [{ step: 'give' }] },
      ],
    });
    const run = await waitForRun(t, (await t.request('POST', `/api/v1/workflows/${workflow.id}/trigger`)).body.id);
    assert.equal(run.status, 'success');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).give.result.exit_code, 0);
  });

  it('on_failure stop cancels the steps not started yet, and running ones finish', async () => {
    const gate = join(gateDir, 'stop-gate');
    const tasks = await commandTasks(t, { 'stop-fails': 'exit 3', 'stop-slow': `while [ ! -e '${gate}' ]; do sleep 0.05; done`, 'stop-after': 'true' });
    const workflow = await createWorkflow(t, {
      name: 'stops',
      on_failure: 'stop',
      steps: [
        { name: 'fails', task_id: tasks['stop-fails'] },
        { name: 'slow', task_id: tasks['stop-slow'] },
        { name: 'after', task_id: tasks['stop-after'], depends_on: [{ step: 'slow' }] },
      ],
    });
    const runId = (await t.request('POST', `/api/v1/workflows/${workflow.id}/trigger`)).body.id;
    const stopped = await waitForRun(t, runId, (run) => stepOf(run, 'after').state === 'cancelled', 'the waiting step to be cancelled');
    assert.equal(stepOf(stopped, 'fails').state, 'failed');
    assert.equal(stepOf(stopped, 'slow').state, 'running');
    assert.match(stepOf(stopped, 'after').reason, /'fails' failed/);
    assert.equal(stopped.status, 'running', 'the run lasts while a step runs');
    writeFileSync(gate, '');
    const run = await waitForRun(t, runId);
    assert.equal(run.status, 'failed');
    assert.equal(stepOf(run, 'slow').state, 'success');
    assert.equal(stepOf(run, 'after').execution_trigger, 'dependency');
  });

  it('on_failure continue runs what the dependencies allow; unmet ones are skipped with the reason', async () => {
    const tasks = await commandTasks(t, { 'go-fails': 'exit 1', 'go-other': 'true', 'go-next': 'true', 'go-cleanup': 'true', 'go-always': 'true' });
    const workflow = await createWorkflow(t, {
      name: 'continues',
      on_failure: 'continue',
      steps: [
        { name: 'fails', task_id: tasks['go-fails'] },
        { name: 'other', task_id: tasks['go-other'] },
        { name: 'next', task_id: tasks['go-next'], depends_on: [{ step: 'fails' }] },
        { name: 'cleanup', task_id: tasks['go-cleanup'], depends_on: [{ step: 'fails', on: 'failure' }] },
        { name: 'always', task_id: tasks['go-always'], depends_on: [{ step: 'next', on: 'complete' }, { step: 'other' }] },
      ],
    });
    const run = await waitForRun(t, (await t.request('POST', `/api/v1/workflows/${workflow.id}/trigger`)).body.id);
    assert.deepEqual(Object.fromEntries(run.steps.map((step: { name: string; state: string }) => [step.name, step.state])), { fails: 'failed', other: 'success', next: 'skipped', cleanup: 'success', always: 'success' });
    assert.match(stepOf(run, 'next').reason, /'fails' ended failed/);
    assert.equal(run.status, 'failed');
    const zh = await fetch(`${t.url}/api/v1/workflow-runs/${run.id}`, { headers: { authorization: `Bearer ${t.token}`, 'accept-language': 'zh-CN' } });
    assert.match(stepOf((await zh.json()) as Record<string, any>, 'next').reason, /上游步骤/);
  });

  it('a failure handled by a failure step does not stop the run', async () => {
    const tasks = await commandTasks(t, { 'h-fails': 'exit 1', 'h-handler': 'true' });
    const workflow = await createWorkflow(t, {
      name: 'handled',
      steps: [
        { name: 'fails', task_id: tasks['h-fails'] },
        { name: 'handler', task_id: tasks['h-handler'], depends_on: [{ step: 'fails', on: 'failure' }] },
      ],
    });
    const run = await waitForRun(t, (await t.request('POST', `/api/v1/workflows/${workflow.id}/trigger`)).body.id);
    assert.equal(stepOf(run, 'handler').state, 'success');
  });

  it('refuses a cycle, an unknown step, a step depending on itself and an unknown task, naming them', async () => {
    const tasks = await commandTasks(t, { 'bad-x': 'true' });
    const x = tasks['bad-x'];
    const refuse = async (steps: unknown[]) => {
      const response = await t.request('POST', '/api/v1/workflows', { name: 'bad', steps });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error.code, 'invalid_workflow');
      return response.body.error;
    };
    const cycle = await refuse([
      { name: 'a', task_id: x, depends_on: [{ step: 'c' }] },
      { name: 'b', task_id: x, depends_on: [{ step: 'a' }] },
      { name: 'c', task_id: x, depends_on: [{ step: 'b' }] },
    ]);
    assert.deepEqual(cycle.details.cycle, ['a', 'c', 'b', 'a']);
    assert.match(cycle.message, /cycle: a → c → b → a/);
    assert.equal((await refuse([{ name: 'a', task_id: x, depends_on: [{ step: 'ghost' }] }])).details.unknown_step, 'ghost');
    const self = await refuse([{ name: 'a', task_id: x, depends_on: [{ step: 'a' }] }]);
    assert.match(self.message, /'a' depends on itself/);
    assert.equal((await refuse([{ name: 'a', task_id: 'no-such-task' }])).details.unknown_task, 'no-such-task');
    await refuse([]);
  });

  it("a task's on_success_trigger starts the named tasks once per success, with its result (trigger dependency)", async () => {
    const child = await createTask(t, { name: 'chain-child', command: 'true' });
    const parent = await createTask(t, { name: 'chain-parent', command: 'true', on_success_trigger: [child.id] });
    assert.deepEqual(parent.on_success_trigger, [child.id]);
    const run = await t.request('POST', `/api/v1/tasks/${parent.id}/trigger`, {});
    const childRuns = await eventually(async () => {
      const list = await executions(t, child.id);
      return list.length === 1 && list[0]!.status === 'success' ? list : undefined;
    }, 'the child to run');
    assert.equal(childRuns[0]!.trigger, 'dependency');
    assert.equal(childRuns[0]!.parameters.upstream['chain-parent'].result.exit_code, 0);
    const chain = (await t.request('GET', `/api/v1/workflow-runs/${childRuns[0]!.workflow_run_id}`)).body;
    assert.equal(chain.source_execution_id, run.body.id);
    assert.equal(chain.workflow_id, null);
    await waitForRun(t, chain.id);
    assert.equal((await executions(t, child.id)).length, 1, 'once per success');

    const selfLoop = await t.request('PUT', `/api/v1/tasks/${child.id}`, { on_success_trigger: [parent.id] });
    assert.equal(selfLoop.status, 400, 'parent → child → parent would never end');
    assert.equal(selfLoop.body.error.details.field, 'on_success_trigger');
    const unknown = await t.request('POST', '/api/v1/tasks', { name: 'chain-bad', command: 'true', on_success_trigger: ['nope'] });
    assert.equal(unknown.status, 400);
  });
});

describe('workflow reads', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('answers 404 for an unknown workflow or run', async () => {
    t = await startTestServer({ executor: false });
    assert.equal((await t.request('GET', '/api/v1/workflows/nope')).body.error.code, 'workflow_not_found');
    assert.equal((await t.request('GET', '/api/v1/workflow-runs/nope')).body.error.code, 'workflow_run_not_found');
  });
});

describe('the workflows a task is a step of', () => {
  let t: TestServer;
  after(() => t.close());

  it('lists, by name and a page at a time, the live workflows with a step that runs the task (task_id)', async () => {
    t = await startTestServer({ executor: false });
    const tasks = await commandTasks(t, { shared: 'true', other: 'true' });
    const beta = await createWorkflow(t, {
      name: 'beta',
      steps: [
        { name: 'first', task_id: tasks.shared },
        { name: 'again', task_id: tasks.shared, depends_on: [{ step: 'first' }] },
      ],
    });
    await createWorkflow(t, { name: 'alpha', steps: [{ name: 'only', task_id: tasks.shared }] });
    await createWorkflow(t, { name: 'unrelated', steps: [{ name: 'x', task_id: tasks.other }] });
    const gone = await createWorkflow(t, { name: 'deleted-one', steps: [{ name: 'y', task_id: tasks.shared }] });
    assert.equal((await t.request('DELETE', `/api/v1/workflows/${gone.id}`)).status, 204);

    const of = async (query: string) => (await t.request('GET', `/api/v1/workflows?${query}`)).body;
    const all = await of(`task_id=${tasks.shared}`);
    assert.deepEqual(
      all.items.map((workflow: { name: string }) => workflow.name),
      ['alpha', 'beta'],
    );
    assert.equal(all.total, 2);
    assert.deepEqual(
      all.items[1].steps.map((step: { name: string }) => step.name),
      ['first', 'again'],
    );
    const second = await of(`task_id=${tasks.shared}&page=2&page_size=1`);
    assert.deepEqual([second.total, second.items.map((workflow: { id: string }) => workflow.id)], [2, [beta.id]]);
    assert.deepEqual(await of('task_id=no-such-task'), { items: [], total: 0, page: 1, page_size: 20 });
    assert.equal((await of('')).total, 3, 'without task_id: every live workflow');
    const empty = await t.request('GET', '/api/v1/workflows?task_id=');
    assert.equal(empty.status, 400);
  });
});
