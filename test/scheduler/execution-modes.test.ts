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

  it('sequential records the overlapping fire as skipped (reason overlap)', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'sequential');
    const [first, second] = await executions(t, task.id);
    assert.equal(first!.status, 'running');
    assert.equal(second!.status, 'skipped');
    assert.equal(second!.reason, 'overlap');
  });

  it('sequential skips a fire while the previous one is still pending (seed 001 §4.3.2)', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    // No executor carries this label: the first fire waits, pending.
    const task = await createTask(t, { name: 'sequential-pending', cron_expression: '* * * * * *', command: 'true', execution_mode: 'sequential', executor_labels: { pool: 'nowhere' } });
    await advanceAndFire(t, clock, 1000);
    await advanceAndFire(t, clock, 1000);
    await advanceAndFire(t, clock, 1000);
    const list = await executions(t, task.id);
    assert.deepEqual(statuses(list), ['pending', 'skipped', 'skipped']);
    assert.ok(list.slice(1).every((execution) => execution.reason === 'overlap'));
  });

  it('queue runs the waiting fire when the running one ends', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'queue');
    const [first, second] = await executions(t, task.id);
    assert.equal(first!.status, 'running');
    assert.equal(second!.status, 'pending');
    assert.match(second!.reason, /queue/);
    await t.request('POST', `/api/v1/executions/${first!.id}/stop`);
    await eventually(async () => (await executions(t, task.id))[1]!.status === 'running', 'the queued execution to start');
    assert.equal((await executions(t, task.id))[0]!.status, 'cancelled');
  });

  it('queue keeps at most max_queued fires waiting: a full queue skips its oldest for the newest', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await createTask(t, { name: 'queue-bounded', cron_expression: '* * * * * *', command: 'sleep', args: ['30'], execution_mode: 'queue', max_queued: 2 });
    assert.equal(task.max_queued, 2);
    const started = t.server.events.wait('execution.started');
    await advanceAndFire(t, clock, 1000);
    await started;
    for (let i = 0; i < 4; i++) await advanceAndFire(t, clock, 1000);
    const list = await executions(t, task.id);
    assert.deepEqual(statuses(list), ['running', 'skipped', 'skipped', 'pending', 'pending']);
    assert.ok(list.slice(1, 3).every((execution) => execution.reason === 'overlap'));
    // The oldest waiting fire runs next.
    await t.request('POST', `/api/v1/executions/${list[0]!.id}/stop`);
    await eventually(async () => (await executions(t, task.id))[3]!.status === 'running', 'the oldest queued fire to start');
    assert.equal((await executions(t, task.id))[4]!.status, 'pending');
  });

  it('skip records the overlapping fire as skipped', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'skip');
    const [first, second] = await executions(t, task.id);
    assert.equal(first!.status, 'running');
    assert.equal(second!.status, 'skipped');
    assert.equal(second!.reason, 'overlap');
  });

  it('replace cancels the running execution (reason replaced, not a stop on request) and runs the new one', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'replace');
    const settled = await eventually(async () => {
      const list = await executions(t, task.id);
      return list[0]!.status === 'cancelled' && list[1]!.status === 'running' ? list : undefined;
    }, 'the first execution to be cancelled');
    assert.deepEqual(statuses(settled), ['cancelled', 'running']);
    assert.equal(settled[0]!.reason, 'replaced', 'the replaced run says why it ended');
    assert.equal(settled[1]!.reason, null);
    // A person's stop of the newer run is still a stop on request.
    await t.request('POST', `/api/v1/executions/${settled[1]!.id}/stop`);
    const stopped = await eventually(async () => {
      const list = await executions(t, task.id);
      return list[1]!.status === 'cancelled' ? list[1] : undefined;
    }, 'the second execution to be stopped');
    assert.notEqual(stopped.reason, 'replaced');
  });

  it('replace of a run still pending cancels it with reason replaced', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    // No executor carries this label: every fire waits, pending, and the next replaces it.
    const task = await createTask(t, { name: 'replace-pending', cron_expression: '* * * * * *', command: 'true', execution_mode: 'replace', executor_labels: { pool: 'nowhere' } });
    await advanceAndFire(t, clock, 1000);
    await advanceAndFire(t, clock, 1000);
    const [first, second] = await executions(t, task.id);
    assert.equal(first!.status, 'cancelled');
    assert.equal(first!.reason, 'replaced');
    assert.equal(first!.error, 'replaced by a newer fire');
    assert.equal(second!.status, 'pending');
  });

  it('a manual trigger bypasses the queue', async () => {
    const clock = new FakeClock();
    t = await startTestServer({ clock });
    const task = await twoOverlappingFires(t, clock, 'queue');
    const manual = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
    await eventually(async () => (await t.request('GET', `/api/v1/executions/${manual.body.id}`)).body.status === 'running', 'the manual run to start');
  });
});
