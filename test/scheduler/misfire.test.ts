import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer } from '../helpers/server.ts';
import { createTask, executions } from './helpers.ts';

/**
 * A task firing every minute is created, the scheduler is down for 10.5 minutes
 * (10 fires missed), then a new scheduler starts on the same database.
 */
async function missTenFires(policy: string): Promise<Array<Record<string, any>>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-misfire-'));
  try {
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    const first = await startTestServer({ clock, executor: false, dataDir });
    const task = await createTask(first, { name: `misfire-${policy}`, cron_expression: '* * * * *', command: 'true', misfire_policy: policy, misfire_grace_seconds: 10 });
    await first.close({ keepData: true });
    clock.set('2026-01-05T00:10:30.000Z');
    const second = await startTestServer({ clock, executor: false, dataDir });
    try {
      // The new leader plans the missed fires as soon as it is elected.
      await second.server.scheduler.fireLoop.settled();
      const recorded = await executions(second, task.id);
      const next = await second.request('GET', `/api/v1/tasks/${task.id}`);
      assert.equal(next.body.next_fire_at, '2026-01-05T00:11:00.000Z');
      return recorded;
    } finally {
      await second.close({ keepData: true });
    }
  } finally {
    await removeTestData(dataDir);
  }
}

const minute = (n: number) => new Date(Date.parse('2026-01-05T00:00:00.000Z') + n * 60_000).toISOString();

describe('misfire policies after a scheduler outage', () => {
  it('run_once runs the most recent missed fire once and records the others as skipped', async () => {
    const recorded = await missTenFires('run_once');
    assert.equal(recorded.length, 10);
    const pending = recorded.filter((execution) => execution.status === 'pending');
    assert.deepEqual(
      pending.map((execution) => execution.scheduled_time),
      [minute(10)],
    );
    const skipped = recorded.filter((execution) => execution.status === 'skipped');
    assert.equal(skipped.length, 9);
    assert.ok(skipped.every((execution) => execution.reason.startsWith('misfire')));
  });

  it('skip records every missed fire as skipped and runs none', async () => {
    const recorded = await missTenFires('skip');
    assert.equal(recorded.length, 10);
    assert.ok(recorded.every((execution) => execution.status === 'skipped'));
    assert.deepEqual(
      recorded.map((execution) => execution.scheduled_time).sort(),
      Array.from({ length: 10 }, (_, i) => minute(i + 1)),
    );
  });

  it('run_all runs every missed fire, each once', async () => {
    const recorded = await missTenFires('run_all');
    assert.equal(recorded.length, 10);
    assert.ok(recorded.every((execution) => execution.status === 'pending'));
    assert.deepEqual(
      recorded.map((execution) => execution.scheduled_time).sort(),
      Array.from({ length: 10 }, (_, i) => minute(i + 1)),
    );
  });
});
