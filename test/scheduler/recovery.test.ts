import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { newExecution } from '../../src/domain/execution.ts';
import { newId } from '../../src/domain/ids.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually, executions } from './helpers.ts';

describe('nothing stays running forever', () => {
  let t: TestServer;
  let dataDir: string;
  afterEach(async () => {
    await t.close({ keepData: true });
    await removeTestData(dataDir);
  });

  it('an execution left running by a crashed process fails as executor_lost on restart, and is retried', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-recovery-'));
    const clock = new FakeClock();
    const first = await startTestServer({ clock, dataDir });
    const task = await createTask(first, { name: 'interrupted', command: 'true', max_retry: 1, retry_backoff_seconds: 1 });
    const executorId = (await first.request('GET', '/api/v1/executors')).body.items[0].id;
    // What a crash leaves behind: the row says running on the local executor, no process reports.
    const id = await leaveRunning(first, clock, task.id, executorId, { started: true });
    await first.close({ keepData: true });

    t = await startTestServer({ clock, dataDir });
    const lost = await eventually(async () => {
      const execution = (await t.request('GET', `/api/v1/executions/${id}`)).body;
      return execution.status === 'failed' ? execution : undefined;
    }, 'the interrupted execution to fail');
    assert.equal(lost.reason, 'executor_lost');
    await clock.advance(1000);
    const retried = await eventually(async () => {
      const list = await executions(t, task.id);
      return list.length === 2 && list[1]!.status === 'success' ? list : undefined;
    }, 'the retry to succeed');
    assert.equal(retried[1]!.retry_of, id);
  });

  it('a running execution whose executor never reports is ended as timeout after its deadline', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-deadline-'));
    const clock = new FakeClock();
    t = await startTestServer({ clock, dataDir, executor: false });
    const task = await createTask(t, { name: 'silent', command: 'true', timeout_seconds: 60 });
    const id = newId();
    await t.server.store.executions.insert([newExecution({ id, taskId: task.id, taskVersion: 1, trigger: 'manual', scheduledTime: clock.now(), parameters: {}, runAt: clock.now() + 3_600_000 })], clock.now());
    await t.server.store.executions.claim(id, 'gone-executor', clock.now(), clock.now() + 90_000);
    await clock.advance(95_000);
    await t.server.scheduler.sweeps.sweep();
    const execution = (await t.request('GET', `/api/v1/executions/${id}`)).body;
    assert.equal(execution.status, 'timeout');
    assert.equal(execution.reason, 'deadline_passed');
  });
});

describe('a run that never reached its executor', () => {
  it('is sent again after the executor reconnects, not declared lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-redeliver-'));
    const clock = new FakeClock();
    const first = await startTestServer({ clock, dataDir });
    try {
      const task = await createTask(first, { name: 'in-flight', command: 'echo', args: ['delivered'] });
      const executorId = (await first.request('GET', '/api/v1/executors')).body.items[0].id;
      // Routed and written to a socket that died before the executor read it.
      const id = await leaveRunning(first, clock, task.id, executorId, { started: false });
      await first.close({ keepData: true });

      const second = await startTestServer({ clock, dataDir });
      try {
        const done = await eventually(async () => {
          const execution = (await second.request('GET', `/api/v1/executions/${id}`)).body;
          return execution.status !== 'running' ? execution : undefined;
        }, 'the run to be delivered again and finish');
        assert.equal(done.status, 'success');
        assert.equal(done.reason, null);
      } finally {
        await second.close({ keepData: true });
      }
    } finally {
      await removeTestData(dataDir);
    }
  });
});

/**
 * A row as a crash leaves it: claimed by an executor and sent to it; started there or not.
 * The executor and the loops go first: between the claim and the delivery mark, the
 * delivery poll would otherwise send the run to the live executor, which would run it.
 */
async function leaveRunning(t: TestServer, clock: FakeClock, taskId: string, executorId: string, options: { started: boolean }): Promise<string> {
  await t.executor?.stop();
  await t.server.scheduler.stop();
  const store = t.server.store;
  const id = newId();
  await store.executions.insert([newExecution({ id, taskId, taskVersion: 1, trigger: 'manual', scheduledTime: clock.now(), parameters: {}, runAt: clock.now() + 3_600_000 })], clock.now());
  await store.executions.claim(id, executorId, clock.now(), clock.now() + 600_000);
  await store.executions.markDelivered(id, clock.now());
  if (options.started) await store.executions.markStarted([id], clock.now(), clock.now());
  return id;
}
