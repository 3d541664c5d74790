// A run's recorded duration agrees with what its executor did: a run the executor timed
// out after 1 s lasted at least 1 s, however late the server heard that it started.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startLocalExecutor, type LocalExecutor } from '../../src/cli/local-executor.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually } from '../scheduler/helpers.ts';

describe('run durations', () => {
  let t: TestServer;
  let executor: LocalExecutor | null = null;
  afterEach(async () => {
    await executor?.stop();
    executor = null;
    await t.close();
  });

  it('a run timed out after 1 s by its executor lasts at least 1 s, even when its start was heard late', async () => {
    // The server's clock stands still while the run goes on, as if the "running" report
    // had been held up until the end: the start and end it hears are the same instant.
    const clock = new FakeClock();
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'times-out', command: 'sleep', args: ['30'], timeout_seconds: 1 });
    const triggered = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
    assert.equal(triggered.status, 202);
    // It waited 5 s for an executor: its creation is well before anything the run reports.
    await clock.advance(5000);
    executor = await startLocalExecutor(t.server.gateway, { name: 'local', capacity: 1, labels: {}, version: 'test', killGraceMs: 200 });
    const ended = await eventually(async () => {
      const execution = (await t.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      return execution.status === 'timeout' ? execution : undefined;
    }, 'the run to time out');
    assert.equal(ended.error, 'timed out after 1s');
    assert.ok(ended.duration_ms >= 1000, `a run timed out after 1s lasted ${ended.duration_ms} ms`);
    assert.equal(Date.parse(ended.end_time) - Date.parse(ended.start_time), ended.duration_ms);
    assert.ok(Date.parse(ended.start_time) >= Date.parse(ended.created_at), 'it did not start before it existed');
    assert.equal(Date.parse(ended.end_time), clock.now(), "the end is the server's clock when it heard the end");
  });

  it('a start is never moved before the execution existed, whatever length the executor reports', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'quick', command: 'true' });
    const triggered = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
    executor = await startLocalExecutor(t.server.gateway, { name: 'local', capacity: 1, labels: {}, version: 'test' });
    const ended = await eventually(async () => {
      const execution = (await t.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      return execution.status === 'success' ? execution : undefined;
    }, 'the run to end');
    // The clock stood still: created, started and ended at the same instant on the server.
    assert.equal(ended.start_time, ended.created_at);
    assert.equal(ended.duration_ms, 0);
  });
});
