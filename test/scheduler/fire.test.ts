import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { advanceAndFire, createTask, executions, jumpAndFire } from './helpers.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';

describe('fire loop', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('a task firing every second gets exactly one execution per second', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'every-second', cron_expression: '* * * * * *', command: 'true' });
    for (let i = 0; i < 10; i++) await advanceAndFire(t, clock, 1000);
    const fires = await executions(t, task.id);
    assert.deepEqual(
      fires.map((execution) => execution.scheduled_time),
      Array.from({ length: 10 }, (_, i) => new Date(Date.parse('2026-01-05T00:00:01.000Z') + i * 1000).toISOString()),
    );
    assert.ok(fires.every((execution) => execution.trigger === 'schedule' && execution.status === 'pending'));
  });

  it('a paused task does not fire, and resuming fires from now on without catching up', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'pausable', cron_expression: '* * * * * *', command: 'true' });
    await advanceAndFire(t, clock, 1000);
    await t.request('POST', `/api/v1/tasks/${task.id}/pause`);
    await clock.advance(60_000);
    assert.equal((await executions(t, task.id)).length, 1);
    const resumed = await t.request('POST', `/api/v1/tasks/${task.id}/resume`);
    assert.equal(resumed.body.next_fire_at, '2026-01-05T00:01:02.000Z');
    await advanceAndFire(t, clock, 1000);
    const fires = await executions(t, task.id);
    assert.deepEqual(
      fires.map((execution) => execution.scheduled_time),
      ['2026-01-05T00:00:01.000Z', '2026-01-05T00:01:02.000Z'],
    );
  });

  it('pausing a task just before an instant stops that fire, though it was recorded ahead', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'paused-late', cron_expression: '* * * * * *', command: 'true' });
    await advanceAndFire(t, clock, 800); // the 00:00:01 fire is recorded, not yet due
    assert.equal((await executions(t, task.id)).length, 1);
    await t.request('POST', `/api/v1/tasks/${task.id}/pause`);
    await clock.advance(5000);
    assert.deepEqual(await executions(t, task.id), []);
  });

  it('a task in a DST time zone fires at the shifted instant once, never twice in the repeated hour', async () => {
    const clock = new FakeClock('2026-11-01T04:59:00.000Z'); // 00:59 EDT, an hour before fall-back
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'half-hourly', cron_expression: '*/30 * * * *', timezone: 'America/New_York', command: 'true' });
    for (let i = 0; i < 4; i++) await jumpAndFire(t, clock, Date.parse((await t.request('GET', `/api/v1/tasks/${task.id}`)).body.next_fire_at));
    const fires = (await executions(t, task.id)).map((execution) => execution.scheduled_time);
    // 01:00 EDT, 01:30 EDT, (01:00 and 01:30 EST skipped), 02:00 EST, 02:30 EST
    assert.deepEqual(fires, ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T07:30:00.000Z']);
  });

  it('a task changed to another schedule fires on the new one', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'changing', cron_expression: '0 * * * *', command: 'true' });
    const updated = await t.request('PUT', `/api/v1/tasks/${task.id}`, { cron_expression: '*/5 * * * * *' });
    assert.equal(updated.body.next_fire_at, '2026-01-05T00:00:05.000Z');
    await advanceAndFire(t, clock, 5000);
    assert.deepEqual(
      (await executions(t, task.id)).map((execution) => execution.scheduled_time),
      ['2026-01-05T00:00:05.000Z'],
    );
  });
});

describe('fire loop and a stored schedule that no longer parses', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('stops firing that task (its cursor is cleared) while the others keep firing', async () => {
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    t = await startTestServer({ clock, executor: false });
    const healthy = await createTask(t, { name: 'healthy', cron_expression: '* * * * * *', command: 'true' });
    const broken = await createTask(t, { name: 'from-older-version', cron_expression: '* * * * * *', command: 'true' });
    // As an older version could have stored it: an expression this one cannot parse.
    await rawDatabase(t.server.store).db.updateTable('tasks').set({ cron_expression: '61 * * * * *' }).where('id', '=', broken.id).execute();
    for (let i = 0; i < 3; i++) await advanceAndFire(t, clock, 1000);
    assert.equal((await executions(t, healthy.id)).length, 3);
    assert.deepEqual(await executions(t, broken.id), []);
    const stored = await t.server.store.tasks.get(broken.id);
    assert.equal(stored?.nextFireAt, null);
  });
});
