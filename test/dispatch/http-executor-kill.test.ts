// A forced stop of an execution on an HTTP executor: the push to its /stop says
// action "kill" (a plain stop says "stop"), for one execution and for a task's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { HttpExecutorHarness, type RunRequest } from './http-executor-harness.ts';

describe('kill now on an HTTP executor', () => {
  let t: TestServer;
  let executor: HttpExecutorHarness;
  let watch: ExecutionWatch;
  let taskId = '';

  before(async () => {
    t = await startTestServer({ executor: false });
    executor = await HttpExecutorHarness.start();
    watch = watchExecutions(t);
    const registered = await t.request('POST', '/api/v1/executors/register', executor.registration('kill-now-http'));
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    executor.adopt(registered.body);
    executor.outcome = () => null; // the test reports for it
    const task = await t.request('POST', '/api/v1/tasks', { name: 'remote', handler: 'remote' });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    taskId = task.body.id;
  });
  after(async () => {
    watch.stop();
    await executor.close();
    await t.close();
  });

  async function running(): Promise<RunRequest> {
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`);
    assert.equal(triggered.status, 202);
    return executor.run(triggered.body.id);
  }

  it('pushes action kill for {"force":true}, after a plain stop pushed action stop', async () => {
    const run = await running();
    assert.equal((await t.request('POST', `/api/v1/executions/${run.id}/stop`)).status, 202);
    assert.deepEqual(await executor.stopOf(run.id), { id: run.id, action: 'stop' });
    assert.equal((await t.request('POST', `/api/v1/executions/${run.id}/stop`, { force: true })).status, 202);
    await eventually(async () => executor.stops.some((stop) => stop.id === run.id && stop.action === 'kill'), 'the kill push');
    assert.equal((await executor.callback(run, { status: 'cancelled' })).status, 200);
    assert.equal(await watch.finished(run.id), 'cancelled');
  });

  it('pushes action kill to every running execution of a task stopped with force', async () => {
    const runs = [await running(), await running()];
    const stopped = await t.request('POST', `/api/v1/tasks/${taskId}/stop`, { force: true });
    assert.equal(stopped.status, 202);
    assert.deepEqual([...stopped.body.stopped].sort(), runs.map((run) => run.id).sort());
    for (const run of runs) {
      await eventually(async () => executor.stops.some((stop) => stop.id === run.id && stop.action === 'kill'), 'the kill push');
      assert.equal((await executor.callback(run, { status: 'cancelled' })).status, 200);
      assert.equal(await watch.finished(run.id), 'cancelled');
    }
  });
});
