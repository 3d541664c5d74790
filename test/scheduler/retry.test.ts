import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually, executions } from './helpers.ts';

describe('retries', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('a failing execution is retried max_retry times with exponential backoff, each retry linked to the first', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await createTask(t, { name: 'flaky', command: 'false', max_retry: 2, retry_backoff_seconds: 10 });
    await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
    const waitFor = (count: number) =>
      eventually(async () => {
        const list = await executions(t, task.id);
        return list.length === count && list.every((execution) => execution.status !== 'running') ? list : undefined;
      }, `${count} executions`);

    let list = await waitFor(2); // the failure and its scheduled retry
    assert.equal(list[0]!.status, 'failed');
    const firstRetry = list[1]!;
    assert.equal(firstRetry.status, 'pending');
    assert.equal(firstRetry.attempt, 2);
    assert.equal(firstRetry.trigger, 'retry');
    assert.equal(firstRetry.retry_of, list[0]!.id);
    const delay1 = Date.parse(firstRetry.run_at) - clock.now();
    assert.ok(delay1 >= 5000 && delay1 <= 10_000, `first backoff ${delay1} ms within 5–10 s`);

    await clock.advance(delay1 - 1);
    assert.equal((await executions(t, task.id))[1]!.status, 'pending', 'not before its backoff ends');
    await clock.advance(1);
    list = await waitFor(3);
    const secondRetry = list[2]!;
    assert.equal(secondRetry.attempt, 3);
    assert.equal(secondRetry.retry_of, list[0]!.id);
    const delay2 = Date.parse(secondRetry.run_at) - clock.now();
    assert.ok(delay2 >= 10_000 && delay2 <= 20_000, `second backoff ${delay2} ms within 10–20 s`);

    await clock.advance(delay2);
    await eventually(async () => {
      const all = await executions(t, task.id);
      return all[2]!.status === 'failed' ? all : undefined;
    }, 'the last attempt to fail');
    await t.server.dispatcher.settled();
    assert.equal((await executions(t, task.id)).length, 3, 'no retry after max_retry');
  });

  it('a stopped execution is not retried', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await createTask(t, { name: 'stopped', command: 'sleep', args: ['30'], max_retry: 3 });
    const started = t.server.events.wait('execution.started');
    const run = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
    await started;
    await t.request('POST', `/api/v1/executions/${run.body.id}/stop`);
    await eventually(async () => (await t.request('GET', `/api/v1/executions/${run.body.id}`)).body.status === 'cancelled', 'cancelled');
    assert.equal((await executions(t, task.id)).length, 1);
  });
});
