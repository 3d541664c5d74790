// Executions through the REST API: list with filters and pages, get, stop.
// Real child processes run on the test server's local executor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { watchExecutions, type ExecutionWatch } from './execution-watch.ts';

async function createTask(t: TestServer, body: Record<string, unknown>): Promise<string> {
  const response = await t.request('POST', '/api/v1/tasks', body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
}

async function trigger(t: TestServer, taskId: string, parameters: Record<string, unknown> = {}): Promise<string> {
  const response = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, { parameters });
  assert.equal(response.status, 202, JSON.stringify(response.body));
  return response.body.id;
}

describe('execution listing and details', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  let okTask: string;
  let failingTask: string;
  const okRuns: string[] = [];
  const failedRuns: string[] = [];

  before(async () => {
    t = await startTestServer();
    watch = watchExecutions(t);
    okTask = await createTask(t, { name: 'greeter', command: '/bin/echo', args: ['hello'] });
    failingTask = await createTask(t, { name: 'grumbler', command: 'echo oops >&2; exit 3', shell: true });
    // One at a time, so creation order is also finishing order.
    for (let i = 0; i < 3; i++) {
      okRuns.push(await trigger(t, okTask, { run: i }));
      assert.equal(await watch.finished(okRuns[i]!), 'success');
    }
    for (let i = 0; i < 2; i++) {
      failedRuns.push(await trigger(t, failingTask));
      assert.equal(await watch.finished(failedRuns[i]!), 'failed');
    }
  });
  after(async () => {
    watch.stop();
    await t.close();
  });

  it('filters by scheduled time window and trigger', async () => {
    const all = (await t.request('GET', '/api/v1/executions?page_size=100')).body.items as Array<{ id: string; scheduled_time: string }>;
    const times = all.map((execution) => execution.scheduled_time).sort();
    const middle = times[2]!;
    const from = await t.request('GET', `/api/v1/executions?from=${encodeURIComponent(middle)}&page_size=100`);
    assert.equal(from.body.total, all.filter((execution) => execution.scheduled_time >= middle).length);
    const to = await t.request('GET', `/api/v1/executions?to=${encodeURIComponent(middle)}&page_size=100`);
    assert.equal(to.body.total, all.filter((execution) => execution.scheduled_time < middle).length);
    assert.equal((await t.request('GET', '/api/v1/executions?trigger=manual')).body.total, all.length);
    assert.equal((await t.request('GET', '/api/v1/executions?trigger=schedule')).body.total, 0);
    const bad = await t.request('GET', '/api/v1/executions?from=yesterday');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'from');
  });
  it('lists the executions of one task, newest first', async () => {
    const list = await t.request('GET', `/api/v1/executions?task_id=${okTask}`);
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(list.body).sort(), ['items', 'page', 'page_size', 'total']);
    assert.equal(list.body.total, 3);
    assert.deepEqual(
      list.body.items.map((execution: { id: string }) => execution.id),
      [...okRuns].reverse(),
    );
    assert.ok(list.body.items.every((execution: { task_id: string; task_name: string }) => execution.task_id === okTask && execution.task_name === 'greeter'));
  });

  it('filters by status, alone and with a task', async () => {
    const failed = await t.request('GET', '/api/v1/executions?status=failed');
    assert.deepEqual(failed.body.items.map((execution: { id: string }) => execution.id).sort(), [...failedRuns].sort());
    const none = await t.request('GET', `/api/v1/executions?task_id=${okTask}&status=failed`);
    assert.equal(none.body.total, 0);
    assert.deepEqual(none.body.items, []);
    const succeeded = await t.request('GET', `/api/v1/executions?task_id=${okTask}&status=success&page=1&page_size=50`);
    assert.equal(succeeded.body.total, 3);
  });

  it('pages through executions without gaps or repeats', async () => {
    const first = await t.request('GET', '/api/v1/executions?page=1&page_size=2');
    const second = await t.request('GET', '/api/v1/executions?page=2&page_size=2');
    const third = await t.request('GET', '/api/v1/executions?page=3&page_size=2');
    assert.equal(first.body.total, 5);
    assert.equal(second.body.page, 2);
    assert.equal(second.body.page_size, 2);
    const ids = [...first.body.items, ...second.body.items, ...third.body.items].map((execution: { id: string }) => execution.id);
    assert.deepEqual(ids, [...okRuns, ...failedRuns].reverse());
  });

  it('gets one execution with its outcome and timing', async () => {
    const response = await t.request('GET', `/api/v1/executions/${okRuns[0]}`);
    assert.equal(response.status, 200);
    const execution = response.body;
    assert.equal(execution.id, okRuns[0]);
    assert.equal(execution.task_id, okTask);
    assert.equal(execution.trigger, 'manual');
    assert.equal(execution.status, 'success');
    assert.equal(execution.exit_code, 0);
    assert.deepEqual(execution.parameters, { run: 0 });
    assert.ok(execution.executor_id, 'executor_id is set');
    assert.ok(Date.parse(execution.start_time) <= Date.parse(execution.end_time));
    assert.equal(execution.duration_ms, Date.parse(execution.end_time) - Date.parse(execution.start_time));
  });

  it('records the exit code of a failed command', async () => {
    const execution = (await t.request('GET', `/api/v1/executions/${failedRuns[0]}`)).body;
    assert.equal(execution.status, 'failed');
    assert.equal(execution.exit_code, 3);
  });

  it('refuses to stop a finished execution with 409 invalid_state and leaves it as it was', async () => {
    const response = await t.request('POST', `/api/v1/executions/${okRuns[0]}/stop`);
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'invalid_state');
    assert.equal((await t.request('GET', `/api/v1/executions/${okRuns[0]}`)).body.status, 'success');
  });
});

describe('stopping executions', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  before(async () => {
    t = await startTestServer();
    watch = watchExecutions(t);
  });
  after(async () => {
    watch.stop();
    await t.close();
  });

  it('stops a running sleep 30: the execution ends cancelled', async () => {
    const taskId = await createTask(t, { name: 'long-sleep', command: 'sleep', args: ['30'] });
    const id = await trigger(t, taskId);
    await watch.started(id);
    assert.equal((await t.request('GET', `/api/v1/executions/${id}`)).body.status, 'running');
    const stopped = await t.request('POST', `/api/v1/executions/${id}/stop`);
    assert.equal(stopped.status, 202);
    assert.equal(stopped.body.id, id);
    assert.equal(await watch.finished(id), 'cancelled');
    const execution = (await t.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(execution.status, 'cancelled');
    assert.ok(execution.end_time);
    const again = await t.request('POST', `/api/v1/executions/${id}/stop`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'invalid_state');
  });
});

describe('stopping a pending execution', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('cancels an execution no executor has taken yet', async () => {
    const taskId = await createTask(t, { name: 'queued', command: '/bin/true' });
    const id = await trigger(t, taskId);
    assert.equal((await t.request('GET', `/api/v1/executions/${id}`)).body.status, 'pending');
    assert.equal((await t.request('POST', `/api/v1/executions/${id}/stop`)).status, 202);
    assert.equal((await t.request('GET', `/api/v1/executions/${id}`)).body.status, 'cancelled');
    const pending = await t.request('GET', `/api/v1/executions?task_id=${taskId}&status=pending`);
    assert.equal(pending.body.total, 0);
  });
});
