// Backfill (issue 19): one execution per scheduled instant of a range, trigger backfill,
// bounded by max_runs, skipping instants already in the fire ledger; a preview creates nothing.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, executions } from '../scheduler/helpers.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-01T12:30:00Z');

describe('backfill', () => {
  let t: TestServer;
  afterEach(() => t.close());

  async function hourlyTask(name: string) {
    t = await startTestServer({ clock: new FakeClock(NOW), executor: false });
    return createTask(t, { name, command: 'true', cron_expression: '0 * * * *' });
  }

  it('creates one backfill execution per instant of the range, and a repeat adds nothing', async () => {
    const task = await hourlyTask('hourly');
    const body = { from: '2026-06-01T07:00:00Z', to: '2026-06-01T11:59:00Z' };
    const first = await t.request('POST', `/api/v1/tasks/${task.id}/backfill`, body);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.deepEqual(
      first.body.instants.map((instant: { scheduled_time: string }) => instant.scheduled_time),
      ['07', '08', '09', '10', '11'].map((hour) => `2026-06-01T${hour}:00:00.000Z`),
    );
    assert.equal(first.body.created, 5);
    assert.equal(first.body.truncated, false);
    const runs = await executions(t, task.id);
    assert.equal(runs.length, 5);
    assert.ok(runs.every((run) => run.trigger === 'backfill' && run.status === 'pending'));
    assert.deepEqual(
      runs.map((run) => run.scheduled_time),
      first.body.instants.map((instant: { scheduled_time: string }) => instant.scheduled_time),
    );

    const again = await t.request('POST', `/api/v1/tasks/${task.id}/backfill`, { ...body, from: '2026-06-01T05:00:00Z' });
    assert.equal(again.status, 202);
    assert.equal(again.body.created, 2, 'only 05:00 and 06:00 are new');
    assert.equal(again.body.existing, 5);
    assert.equal((await executions(t, task.id)).length, 7);
    const repeat = await t.request('POST', `/api/v1/tasks/${task.id}/backfill`, body);
    assert.equal(repeat.body.created, 0);
    assert.equal((await executions(t, task.id)).length, 7, 'a repeated backfill adds nothing');
  });

  it('previews the instants, new and already in the ledger, without creating anything', async () => {
    const task = await hourlyTask('previewed');
    await t.request('POST', `/api/v1/tasks/${task.id}/backfill`, { from: '2026-06-01T10:00:00Z', to: '2026-06-01T10:00:00Z' });
    const preview = await t.request('POST', `/api/v1/tasks/${task.id}/backfill/preview`, { from: '2026-06-01T09:00:00Z', to: '2026-06-01T23:00:00Z' });
    assert.equal(preview.status, 200);
    assert.equal(preview.body.dry_run, true);
    assert.deepEqual(
      preview.body.instants.map((instant: { scheduled_time: string; new: boolean; execution_id: string | null }) => [instant.scheduled_time.slice(11, 13), instant.new, instant.execution_id !== null]),
      [
        ['09', true, false],
        ['10', false, true],
        ['11', true, false],
        ['12', true, false],
      ],
      'instants after now are left to the schedule',
    );
    assert.equal((await executions(t, task.id)).length, 1);
  });

  it('stops at max_runs, oldest first, and says the range holds more', async () => {
    const task = await hourlyTask('bounded');
    const response = await t.request('POST', `/api/v1/tasks/${task.id}/backfill`, { from: new Date(NOW - 48 * HOUR).toISOString(), to: new Date(NOW).toISOString(), max_runs: 3 });
    assert.equal(response.body.created, 3);
    assert.equal(response.body.truncated, true);
    assert.equal(response.body.instants[0].scheduled_time, '2026-05-30T13:00:00.000Z');
  });

  it('refuses a task without a schedule and a range that ends before it starts', async () => {
    t = await startTestServer({ executor: false });
    const manual = await createTask(t, { name: 'manual', command: 'true' });
    const noSchedule = await t.request('POST', `/api/v1/tasks/${manual.id}/backfill`, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    assert.equal(noSchedule.status, 400);
    assert.equal(noSchedule.body.error.details.field, 'cron_expression');
    const backwards = await t.request('POST', `/api/v1/tasks/${manual.id}/backfill`, { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.error.details.field, 'to');
  });
});
