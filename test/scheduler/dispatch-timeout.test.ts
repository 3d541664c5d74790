// Nothing waits forever: a pending execution that no executor can take fails with
// reason no_executor after its task's dispatch_timeout_seconds, and the retry policy
// applies. The create answer warns when no online executor could take the task.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { seedCreateBody } from '../helpers/example-bodies.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually, executions } from './helpers.ts';

describe('dispatch timeout (no_executor)', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it("seed 001's handler task warns on create, fails with no_executor after its dispatch timeout, and retries", async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const created = await t.request('POST', '/api/v1/tasks', { ...seedCreateBody, cron_expression: null, dispatch_timeout_seconds: 60, max_retry: 1, retry_backoff_seconds: 10 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.dispatch_timeout_seconds, 60);
    assert.equal(created.body.warnings.length, 1);
    assert.match(created.body.warnings[0], new RegExp(`handler '${created.body.handler}'`));
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${created.body.id}`)).body.warnings, created.body.warnings, 'the task page can say it too');
    const inChinese = await fetch(`${t.url}/api/v1/tasks/${created.body.id}`, { headers: { authorization: `Bearer ${t.token}`, 'accept-language': 'zh-CN' } });
    const [warning] = ((await inChinese.json()) as { warnings: string[] }).warnings;
    assert.match(warning!, /在线执行器提供处理函数 'data_sync_task'/, 'warned in the language the request asks for');

    const run = (await t.request('POST', `/api/v1/tasks/${created.body.id}/trigger`, {})).body;
    await t.server.dispatcher.settled();
    const waiting = (await t.request('GET', `/api/v1/executions/${run.id}`)).body;
    assert.equal(waiting.status, 'pending');
    assert.match(waiting.reason, /handler/, 'the UI can show why it waits');

    await clock.advance(59_000);
    await t.server.dispatcher.settled();
    assert.equal((await t.request('GET', `/api/v1/executions/${run.id}`)).body.status, 'pending', 'not before its dispatch timeout');
    await clock.advance(2_000);
    const failed = await eventually(async () => {
      await clock.advance(1000);
      const execution = (await t.request('GET', `/api/v1/executions/${run.id}`)).body;
      return execution.status === 'failed' ? execution : undefined;
    }, 'the run to fail with no_executor');
    assert.equal(failed.reason, 'no_executor');
    assert.match(failed.error, /dispatch_timeout_seconds/);

    const [, retry] = await eventually(async () => {
      const list = await executions(t, created.body.id);
      return list.length === 2 ? list : undefined;
    }, 'the retry');
    assert.equal(retry!.trigger, 'retry');
    assert.equal(retry!.status, 'pending');
    // The retry has its own dispatch timeout, counted from the end of its backoff.
    await clock.advance(10_000 + 61_000);
    await eventually(async () => {
      await clock.advance(1000); // the dispatcher's safety poll, on the fake clock
      return (await t.request('GET', `/api/v1/executions/${retry!.id}`)).body.status === 'failed';
    }, 'the retry to fail too');
    await t.server.dispatcher.settled();
    assert.equal((await executions(t, created.body.id)).length, 2, 'no retry after max_retry');
  });

  it('a run waiting for a busy executor keeps waiting past the dispatch timeout', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock, capacity: 1 });
    const busy = await createTask(t, { name: 'busy', command: 'sleep', args: ['30'] });
    const warned = await t.request('POST', '/api/v1/tasks', { name: 'behind', command: 'true', dispatch_timeout_seconds: 5 });
    assert.deepEqual(warned.body.warnings, [], 'an executor could take it');
    const started = t.server.events.wait('execution.started');
    await t.request('POST', `/api/v1/tasks/${busy.id}/trigger`, {});
    await started;
    const behind = (await t.request('POST', `/api/v1/tasks/${warned.body.id}/trigger`, {})).body;
    await clock.advance(10_000);
    await t.server.dispatcher.settled();
    const execution = (await t.request('GET', `/api/v1/executions/${behind.id}`)).body;
    assert.equal(execution.status, 'pending');
    assert.match(execution.reason, /capacity/);
  });

  it('an update that names labels no executor carries warns', async () => {
    t = await startTestServer();
    const task = await createTask(t, { name: 'labelled', command: 'true' });
    assert.deepEqual(task.warnings, []);
    const updated = await t.request('PUT', `/api/v1/tasks/${task.id}`, { executor_labels: { gpu: 'true' } });
    assert.equal(updated.status, 200);
    assert.match(updated.body.warnings[0], /labels/);
  });

  it('dispatch_timeout_seconds and max_queued are validated', async () => {
    t = await startTestServer();
    for (const [field, value] of [
      ['dispatch_timeout_seconds', 0],
      ['dispatch_timeout_seconds', 'soon'],
      ['max_queued', 0],
      ['max_queued', 1.5],
    ] as const) {
      const response = await t.request('POST', '/api/v1/tasks', { name: `bad-${field}`, command: 'true', [field]: value });
      assert.equal(response.status, 400, `${field}=${value}`);
      assert.equal(response.body.error.details.field, field);
    }
    const defaults = await createTask(t, { name: 'defaults', command: 'true' });
    assert.equal(defaults.dispatch_timeout_seconds, 300);
    assert.equal(defaults.max_queued, 1);
  });
});
