// A workflow's schedule (issue 19): one run per scheduled instant (the runs' fire ledger),
// and backfill of a workflow, idempotent like a task's.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually } from '../scheduler/helpers.ts';
import { createWorkflow } from './helpers.ts';

const NOW = Date.parse('2026-06-01T12:30:00Z');

async function runsOf(t: TestServer, workflowId: string): Promise<Array<Record<string, any>>> {
  return (await t.request('GET', `/api/v1/workflows/${workflowId}/runs?page_size=1000`)).body.items;
}

describe('workflow schedules and backfill', () => {
  let t: TestServer;
  afterEach(() => t.close());

  async function hourlyWorkflow(clock: FakeClock) {
    t = await startTestServer({ clock, executor: false });
    const task = await createTask(t, { name: 'step-task', command: 'true' });
    return createWorkflow(t, { name: 'hourly-flow', cron_expression: '0 * * * *', steps: [{ name: 'only', task_id: task.id }] });
  }

  it('fires once per scheduled instant, its first step pending with trigger dependency', async () => {
    const clock = new FakeClock(NOW);
    const workflow = await hourlyWorkflow(clock);
    assert.equal(workflow.next_fire_at, '2026-06-01T13:00:00.000Z');
    clock.set(Date.parse('2026-06-01T13:00:00Z') - 1);
    await clock.advance(1);
    const runs = await eventually(async () => {
      const list = await runsOf(t, workflow.id);
      return list.length === 1 && list[0]!.steps[0].state === 'pending' ? list : undefined;
    }, 'the scheduled run');
    assert.equal(runs[0]!.trigger, 'schedule');
    assert.equal(runs[0]!.scheduled_time, '2026-06-01T13:00:00.000Z');
    assert.equal(runs[0]!.steps[0].execution_trigger, 'dependency');
    // A backfill over the fired instant adds nothing: it is in the ledger.
    const backfill = await t.request('POST', `/api/v1/workflows/${workflow.id}/backfill`, { from: '2026-06-01T13:00:00Z', to: '2026-06-01T13:00:00Z' });
    assert.equal(backfill.body.created, 0);
    assert.equal(backfill.body.instants[0].workflow_run_id, runs[0]!.id);
    assert.equal((await runsOf(t, workflow.id)).length, 1);
  });

  it('backfills one run per instant, previews without creating, and a repeat adds nothing', async () => {
    const workflow = await hourlyWorkflow(new FakeClock(NOW));
    const body = { from: '2026-06-01T09:00:00Z', to: '2026-06-01T12:00:00Z' };
    const preview = await t.request('POST', `/api/v1/workflows/${workflow.id}/backfill/preview`, body);
    assert.equal(preview.status, 200);
    assert.equal(preview.body.created, 4);
    assert.equal((await runsOf(t, workflow.id)).length, 0, 'a preview creates nothing');
    const first = await t.request('POST', `/api/v1/workflows/${workflow.id}/backfill`, body);
    assert.equal(first.status, 202);
    assert.equal(first.body.created, 4);
    const runs = await runsOf(t, workflow.id);
    assert.equal(runs.length, 4);
    assert.ok(runs.every((run) => run.trigger === 'backfill' && run.steps[0].state === 'pending'));
    const repeat = await t.request('POST', `/api/v1/workflows/${workflow.id}/backfill`, body);
    assert.equal(repeat.body.created, 0);
    assert.equal(repeat.body.existing, 4);
    assert.equal((await runsOf(t, workflow.id)).length, 4);
  });
});
