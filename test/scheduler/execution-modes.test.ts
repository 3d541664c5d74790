import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { advanceAndFire, createTask, eventually, executions } from './helpers.ts';

/** A task firing every second whose runs take 30 s: two fires overlap. */
async function twoOverlappingFires(t: TestServer, clock: FakeClock, mode: string) {
  const task = await createTask(t, { name: `overlap-${mode}`, cron_expression: '* * * * * *', command: 'sleep', args: ['30'], execution_mode: mode });
  const started = t.server.events.wait('execution.started');
  await advanceAndFire(t, clock, 1000);
  await started;
  await advanceAndFire(t, clock, 1000);
  return task;
}

const statuses = (list: Array<Record<string, any>>) => list.map((execution) => execution.status);

describe('execution modes when fires overlap', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('parallel runs both', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'parallel');
    assert.deepEqual(statuses(await executions(t, task.id)), ['running', 'running']);
  });

  it('sequential queues the second until the first ends, then runs it', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'sequential');
    const [first, second] = await executions(t, task.id);
    assert.equal(first!.status, 'running');
    assert.equal(second!.status, 'pending');
    assert.match(second!.reason, /sequential/);
    await t.request('POST', `/api/v1/executions/${first!.id}/stop`);
    await eventually(async () => (await executions(t, task.id))[1]!.status === 'running', 'the queued execution to start');
    assert.equal((await executions(t, task.id))[0]!.status, 'cancelled');
  });

  it('skip records the overlapping fire as skipped', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'skip');
    const [first, second] = await executions(t, task.id);
    assert.equal(first!.status, 'running');
    assert.equal(second!.status, 'skipped');
    assert.match(second!.reason, /overlap/);
  });

  it('replace cancels the running execution and runs the new one', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'replace');
    const settled = await eventually(async () => {
      const list = await executions(t, task.id);
      return list[0]!.status === 'cancelled' && list[1]!.status === 'running' ? list : undefined;
    }, 'the first execution to be cancelled');
    assert.deepEqual(statuses(settled), ['cancelled', 'running']);
  });

  it('a manual trigger bypasses the sequential queue', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'sequential');
    const manual = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
    await eventually(async () => (await t.request('GET', `/api/v1/executions/${manual.body.id}`)).body.status === 'running', 'the manual run to start');
  });
});
