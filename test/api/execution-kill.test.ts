// "Kill now": POST /executions/{id}/stop {"force":true} and POST /tasks/{id}/stop, with
// real process groups whose shell traps SIGTERM and whose child ignores it. The kill
// grace is far longer than any wait here, so only a SIGKILL sent at once can end them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isRunning, killIfRunning, parsePids, stillRunningAfter } from '../executor/process-probe.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { watchExecutions, type ExecutionWatch } from './execution-watch.ts';

/** Far past every wait in these tests: a run ends within them only if killed at once. */
const KILL_GRACE_MS = 600_000;

/**
 * Prints "<shell pid> <child pid>", then waits for a child that ignores SIGTERM; the shell
 * prints "term" on each SIGTERM and keeps waiting. The whole group survives SIGTERM.
 */
const TERM_IGNORING = `trap 'echo term' TERM; (trap '' TERM; exec sleep 300) & echo "$$ $!"; while kill -0 $! 2>/dev/null; do wait $!; done`;

describe('stopping with force', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  const spawned: number[] = [];
  let taskId = '';

  before(async () => {
    t = await startTestServer({ killGraceMs: KILL_GRACE_MS });
    watch = watchExecutions(t);
    const created = await t.request('POST', '/api/v1/tasks', { name: 'term-ignoring', command: TERM_IGNORING, shell: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = created.body.id;
  });
  after(async () => {
    watch.stop();
    await t.close();
    killIfRunning(spawned);
  });

  async function output(id: string): Promise<string> {
    const logs = await t.request('GET', `/api/v1/executions/${id}/logs`);
    return (logs.body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');
  }

  /** Triggers the task and resolves once its process group runs, with the pids it printed. */
  async function startRun(task = taskId): Promise<{ id: string; pids: number[] }> {
    const triggered = await t.request('POST', `/api/v1/tasks/${task}/trigger`);
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    const id: string = triggered.body.id;
    const pids = await eventually(async () => {
      const found = parsePids((await output(id)).split('\n')[0] ?? '');
      return found.length === 2 ? found : undefined;
    }, `the pids of ${id}`);
    spawned.push(...pids);
    return { id, pids };
  }

  const status = async (id: string) => (await t.request('GET', `/api/v1/executions/${id}`)).body.status as string;

  it('refuses a non-boolean force, an unknown field or a null body with a 400, and stops nothing', async () => {
    const { id, pids } = await startRun();
    for (const [body, field] of [
      [{ force: 'yes' }, 'force'],
      [{ force: 1 }, 'force'],
      [{ forse: true }, 'forse'],
    ] as const) {
      const refused = await t.request('POST', `/api/v1/executions/${id}/stop`, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'invalid_request');
      assert.equal(refused.body.error.details.field, field);
      assert.match(refused.body.error.message, new RegExp(field));
    }
    // A JSON null is a body, and not an object: refused too (no body at all means {}).
    for (const route of [`/api/v1/executions/${id}/stop`, `/api/v1/tasks/${taskId}/stop`]) {
      const refused = await t.request('POST', route, 'null');
      assert.equal(refused.status, 400, route);
      assert.equal(refused.body.error.code, 'invalid_request');
    }
    assert.equal(await status(id), 'running');
    assert.ok(pids.every(isRunning));
    assert.equal((await t.request('POST', `/api/v1/executions/${id}/stop`, { force: true })).status, 202);
    assert.equal(await watch.finished(id), 'cancelled');
  });

  it('a plain stop leaves a SIGTERM-ignoring group running in its grace; force then kills the whole group at once', async () => {
    const { id, pids } = await startRun();
    const stopped = await t.request('POST', `/api/v1/executions/${id}/stop`);
    assert.equal(stopped.status, 202);
    // The shell got the SIGTERM (it says so) and goes on, as does its child.
    await eventually(async () => (await output(id)).includes('term'), 'the SIGTERM to arrive');
    assert.equal(await status(id), 'running');
    assert.deepEqual(pids.filter(isRunning), pids);

    const killed = await t.request('POST', `/api/v1/executions/${id}/stop`, { force: true });
    assert.equal(killed.status, 202);
    assert.equal(await watch.finished(id), 'cancelled');
    const execution = (await t.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(execution.status, 'cancelled');
    assert.equal(execution.error, 'killed on request');
    assert.equal(execution.result.signal, 'SIGKILL');
    assert.deepEqual(await stillRunningAfter(pids), [], 'no process of the group is left');
  });

  it('force on a running execution SIGKILLs its group at once and it ends cancelled', async () => {
    const { id, pids } = await startRun();
    const killed = await t.request('POST', `/api/v1/executions/${id}/stop`, { force: true });
    assert.equal(killed.status, 202);
    assert.equal(killed.body.id, id);
    assert.equal(await watch.finished(id), 'cancelled');
    const execution = (await t.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(execution.error, 'killed on request');
    assert.equal(execution.result.signal, 'SIGKILL');
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('{"force":false}, {} and an empty body stop as before: SIGTERM first', async () => {
    const sleeper = await t.request('POST', '/api/v1/tasks', { name: 'plain-sleep', command: 'sleep', args: ['300'] });
    for (const body of [{ force: false }, {}, '']) {
      const triggered = await t.request('POST', `/api/v1/tasks/${sleeper.body.id}/trigger`);
      await watch.started(triggered.body.id);
      await eventually(async () => (await t.request('GET', `/api/v1/executions/${triggered.body.id}`)).body.start_time !== null, 'the sleep to start');
      assert.equal((await t.request('POST', `/api/v1/executions/${triggered.body.id}/stop`, body)).status, 202);
      assert.equal(await watch.finished(triggered.body.id), 'cancelled');
      const execution = (await t.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      assert.equal(execution.error, 'stopped on request', JSON.stringify(body));
      assert.equal(execution.result.signal, 'SIGTERM', JSON.stringify(body));
    }
  });

  it("POST /tasks/{id}/stop with force kills every running execution of the task, and only that task's", async () => {
    const bystander = await t.request('POST', '/api/v1/tasks', { name: 'bystander', command: TERM_IGNORING, shell: true });
    const other = await startRun(bystander.body.id);
    const first = await startRun();
    const second = await startRun();
    const stopped = await t.request('POST', `/api/v1/tasks/${taskId}/stop`, { force: true });
    assert.equal(stopped.status, 202);
    assert.deepEqual(stopped.body, { task_id: taskId, force: true, stopped: [first.id, second.id] });
    for (const run of [first, second]) {
      assert.equal(await watch.finished(run.id), 'cancelled');
      assert.equal((await t.request('GET', `/api/v1/executions/${run.id}`)).body.error, 'killed on request');
      assert.deepEqual(await stillRunningAfter(run.pids), []);
    }
    assert.equal(await status(other.id), 'running');
    assert.deepEqual(other.pids.filter(isRunning), other.pids);

    // Nothing left to stop: an empty list. A plain stop of the bystander only sends SIGTERM.
    assert.deepEqual((await t.request('POST', `/api/v1/tasks/${taskId}/stop`)).body, { task_id: taskId, force: false, stopped: [] });
    assert.deepEqual((await t.request('POST', `/api/v1/tasks/${bystander.body.id}/stop`, { force: false })).body.stopped, [other.id]);
    await eventually(async () => (await output(other.id)).includes('term'), 'the SIGTERM to arrive');
    assert.equal(await status(other.id), 'running');
    assert.equal((await t.request('POST', `/api/v1/tasks/${bystander.body.id}/stop`, { force: true })).status, 202);
    assert.equal(await watch.finished(other.id), 'cancelled');
    assert.deepEqual(await stillRunningAfter(other.pids), []);
  });

  it('POST /tasks/{id}/stop answers 404 for an unknown task and 400 naming a bad field', async () => {
    const missing = await t.request('POST', '/api/v1/tasks/no-such-task/stop', { force: true });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'task_not_found');
    const refused = await t.request('POST', `/api/v1/tasks/${taskId}/stop`, { force: 'now' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details.field, 'force');
    const unknown = await t.request('POST', `/api/v1/tasks/${taskId}/stop`, { all: true });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details.field, 'all');
  });
});

describe('stopping the pending executions of a task', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('cancels every execution no executor has taken yet', async () => {
    const task = await t.request('POST', '/api/v1/tasks', { name: 'waiting', command: '/bin/true' });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`)).body.id);
    const stopped = await t.request('POST', `/api/v1/tasks/${task.body.id}/stop`);
    assert.equal(stopped.status, 202);
    assert.deepEqual(stopped.body.stopped, ids);
    for (const id of ids) assert.equal((await t.request('GET', `/api/v1/executions/${id}`)).body.status, 'cancelled');
  });
});
