// Statistics endpoints: fixed executions written through the store at fixed times
// (a fake clock), exact expected numbers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { healthScore } from '../../src/api/routes/stats.ts';
import type { ExecutionStatus } from '../../src/domain/execution.ts';
import { executionRow } from '../helpers/execution-rows.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';

const NOW = Date.parse('2026-11-21T12:30:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('statistics', () => {
  let t: TestServer;
  let a: string;
  let b: string;

  before(async () => {
    t = await startTestServer({ clock: new FakeClock(NOW), executor: false });
    const created = await Promise.all(['stats-a', 'stats-b'].map((name) => t.request('POST', '/api/v1/tasks', { name, command: 'true', status: 'paused' })));
    for (const response of created) assert.equal(response.status, 201, JSON.stringify(response.body));
    a = created[0]!.body.id;
    b = created[1]!.body.id;
    const today = NOW - (NOW % DAY);
    await rawDatabase(t.server.store)
      .db.insertInto('executions')
      .values([
        // This hour (12:00–13:00).
        executionRow(a, 'success', today + 12 * HOUR + 60_000, 1000),
        executionRow(a, 'success', today + 12 * HOUR + 120_000, 2000),
        executionRow(a, 'failed', today + 12 * HOUR + 180_000, 3000),
        executionRow(a, 'timeout', today + 12 * HOUR + 240_000, 10_000),
        executionRow(a, 'running', today + 12 * HOUR + 300_000, 0),
        // 10:00–11:00 today.
        executionRow(a, 'success', today + 10 * HOUR + 900_000, 4000),
        executionRow(a, 'cancelled', today + 10 * HOUR + 960_000),
        executionRow(a, 'skipped', today + 10 * HOUR + 1_020_000),
        // Earlier: 3 days, 30 days and 100 days ago; and one due after this hour.
        executionRow(a, 'success', today - 3 * DAY + 5 * HOUR, 5000),
        executionRow(a, 'failed', today - 3 * DAY + 6 * HOUR, 6000),
        executionRow(a, 'success', today - 30 * DAY, 7000),
        executionRow(a, 'success', today - 100 * DAY, 8000),
        executionRow(a, 'pending', today + 13 * HOUR + 60_000),
        // Task b fails more.
        executionRow(b, 'failed', today + 11 * HOUR, 500),
        executionRow(b, 'failed', today + 11 * HOUR + 60_000, 500),
        executionRow(b, 'failed', today + 11 * HOUR + 120_000, 500),
        executionRow(b, 'timeout', today + 9 * HOUR, 500),
      ])
      .execute();
  });
  after(async () => {
    await t.close();
  });

  const zero = { pending: 0, running: 0, success: 0, failed: 0, timeout: 0, skipped: 0, cancelled: 0 };

  it("a task's 24h stats count this hour and the 23 before, by status, with durations and a health score", async () => {
    const response = await t.request('GET', `/api/v1/tasks/${a}/stats?window=24h`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const { trend, ...rest } = response.body;
    assert.deepEqual(rest, {
      task_id: a,
      window: '24h',
      bucket: 'hour',
      from: '2026-11-20T13:00:00.000Z',
      to: '2026-11-21T13:00:00.000Z',
      total: 8,
      by_status: { ...zero, success: 3, failed: 1, timeout: 1, running: 1, cancelled: 1, skipped: 1 },
      success_rate: 0.6,
      avg_duration_ms: 4000,
      p95_duration_ms: 10_000,
      timeouts: 1,
      health_score: 60,
      timezone: 'UTC',
    });
    assert.equal(trend.length, 24);
    assert.deepEqual(trend[0], { bucket: '2026-11-20T13:00:00.000Z', ...zero, total: 0, success_rate: null, avg_duration_ms: null });
    assert.deepEqual(trend[21], { bucket: '2026-11-21T10:00:00.000Z', ...zero, success: 1, cancelled: 1, skipped: 1, total: 3, success_rate: 1, avg_duration_ms: 4000 });
    // The running execution has no end yet: the hour's average is that of its four outcomes.
    assert.deepEqual(trend[23], { bucket: '2026-11-21T12:00:00.000Z', ...zero, success: 2, failed: 1, timeout: 1, running: 1, total: 5, success_rate: 0.5, avg_duration_ms: 4000 });
  });

  it('7d and 90d trends are daily and reach back 7 and 90 days', async () => {
    const week = await t.request('GET', `/api/v1/tasks/${a}/stats?window=7d`);
    assert.equal(week.status, 200);
    assert.equal(week.body.from, '2026-11-15T00:00:00.000Z');
    assert.equal(week.body.to, '2026-11-22T00:00:00.000Z');
    // Today's bucket runs to midnight: it holds the run due at 13:01 too.
    assert.equal(week.body.total, 11);
    assert.deepEqual(
      week.body.trend.map((day: { bucket: string; success: number; failed: number }) => [day.bucket.slice(0, 10), day.success, day.failed]),
      [
        ['2026-11-15', 0, 0],
        ['2026-11-16', 0, 0],
        ['2026-11-17', 0, 0],
        ['2026-11-18', 1, 1],
        ['2026-11-19', 0, 0],
        ['2026-11-20', 0, 0],
        ['2026-11-21', 3, 1],
      ],
    );
    const quarter = await t.request('GET', `/api/v1/tasks/${a}/stats?window=90d`);
    assert.equal(quarter.status, 200);
    assert.equal(quarter.body.trend.length, 90);
    assert.equal(quarter.body.from, '2026-08-24T00:00:00.000Z');
    // The run 100 days ago is outside; 5 successes of 8 outcomes.
    assert.equal(quarter.body.total, 12);
    assert.equal(quarter.body.success_rate, 0.625);
    assert.equal(quarter.body.avg_duration_ms, Math.round((1000 + 2000 + 3000 + 10_000 + 4000 + 5000 + 6000 + 7000) / 8));
    assert.equal(quarter.body.p95_duration_ms, 10_000);
    assert.equal(quarter.body.health_score, 63);
  });

  it('a window with no outcome has null rates and durations', async () => {
    const response = await t.request('GET', `/api/v1/tasks/${b}/stats?window=24h`);
    assert.equal(response.status, 200);
    assert.equal(response.body.success_rate, 0);
    const created = await t.request('POST', '/api/v1/tasks', { name: 'stats-idle', command: 'true', status: 'paused' });
    const idle = await t.request('GET', `/api/v1/tasks/${created.body.id}/stats`);
    assert.equal(idle.status, 200);
    assert.equal(idle.body.window, '24h');
    assert.equal(idle.body.total, 0);
    assert.equal(idle.body.success_rate, null);
    assert.equal(idle.body.avg_duration_ms, null);
    assert.equal(idle.body.p95_duration_ms, null);
    assert.equal(idle.body.health_score, null);
  });

  it('the p95 duration is taken over the latest 10,000 runs of the window; the average over all', async () => {
    const created = await t.request('POST', '/api/v1/tasks', { name: 'stats-busy', command: 'true', status: 'paused' });
    const busy = created.body.id as string;
    const start = NOW - 40 * DAY; // ends 32 days ago: outside the overview windows
    // 1,000 slow runs (50 s), then 10,000 fast ones (1 s), one a minute.
    const rows = Array.from({ length: 11_000 }, (_, index) => executionRow(busy, 'success', start + index * 60_000, index < 1000 ? 50_000 : 1000));
    for (let offset = 0; offset < rows.length; offset += 500)
      await rawDatabase(t.server.store)
        .db.insertInto('executions')
        .values(rows.slice(offset, offset + 500))
        .execute();
    const response = await t.request('GET', `/api/v1/tasks/${busy}/stats?window=90d`);
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 11_000);
    assert.equal(response.body.p95_duration_ms, 1000);
    assert.equal(response.body.avg_duration_ms, Math.round((1000 * 50_000 + 10_000 * 1000) / 11_000));
  });

  it('the health score weighs the window and the latest 10 outcomes half each', () => {
    const latest: ExecutionStatus[] = ['failed', 'failed', 'timeout', 'failed', 'failed', 'success', 'success', 'success', 'success', 'success'];
    assert.equal(healthScore(0.9, latest), 70);
    assert.equal(healthScore(1, ['success']), 100);
    assert.equal(healthScore(null, []), null);
  });

  it('an unknown task is 404 and an unknown window is 400 naming it', async () => {
    const missing = await t.request('GET', '/api/v1/tasks/no-such-task/stats');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'task_not_found');
    const bad = await t.request('GET', `/api/v1/tasks/${a}/stats?window=1y`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_request');
    assert.equal(bad.body.error.details.field, 'window');
    assert.match(bad.body.error.message, /window/);
    const overview = await t.request('GET', '/api/v1/stats/overview?window=90d');
    assert.equal(overview.status, 400);
    assert.equal(overview.body.error.details.field, 'window');
  });

  it('the overview stacks all tasks by status and ranks failing tasks', async () => {
    const response = await t.request('GET', '/api/v1/stats/overview?window=24h');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const body = response.body;
    assert.equal(body.window, '24h');
    assert.equal(body.timezone, 'UTC');
    assert.equal(body.from, '2026-11-20T13:00:00.000Z');
    assert.equal(body.total, 12);
    assert.deepEqual(body.by_status, { ...zero, success: 3, failed: 4, timeout: 2, running: 1, cancelled: 1, skipped: 1 });
    assert.equal(body.success_rate, 3 / 9);
    assert.equal(body.timeline.length, 24);
    assert.deepEqual(body.timeline[22], { bucket: '2026-11-21T11:00:00.000Z', ...zero, failed: 3 });
    assert.deepEqual(body.top_failing, [
      { task_id: b, name: 'stats-b', failures: 4, last_failure_at: '2026-11-21T11:02:00.000Z' },
      { task_id: a, name: 'stats-a', failures: 2, last_failure_at: '2026-11-21T12:04:00.000Z' },
    ]);
    // Running and pending are the cluster's now, whatever their scheduled time.
    assert.equal(body.running, 1);
    assert.equal(body.pending, 1);
    assert.deepEqual(body.executors, { online: 0, healthy: 0, total: 0 });
    assert.deepEqual(body.leader, { instance_id: t.server.instanceId });
    const top = await t.request('GET', '/api/v1/stats/overview?window=7d&top=1');
    assert.equal(top.status, 200);
    assert.equal(top.body.total, 15);
    assert.deepEqual(
      top.body.top_failing.map((task: { name: string; failures: number }) => [task.name, task.failures]),
      [['stats-b', 4]],
    );
  });
});

describe('health over time: the daily trend of a task', () => {
  let t: TestServer;
  let task: string;
  const at = (instant: string) => Date.parse(instant);
  const zero = { pending: 0, running: 0, success: 0, failed: 0, timeout: 0, skipped: 0, cancelled: 0 };
  const empty = { ...zero, total: 0, success_rate: null, avg_duration_ms: null };

  before(async () => {
    t = await startTestServer({ clock: new FakeClock(NOW), executor: false });
    const created = await t.request('POST', '/api/v1/tasks', { name: 'stats-health', command: 'true', status: 'paused', timezone: 'Asia/Shanghai' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    task = created.body.id;
    await rawDatabase(t.server.store)
      .db.insertInto('executions')
      .values([
        // The 90-day window starts at 2026-08-24T00:00Z: the first run is in, the one a millisecond before is out.
        executionRow(task, 'failed', at('2026-08-23T23:59:59.999Z'), 5000),
        executionRow(task, 'success', at('2026-08-24T00:00:00.000Z'), 1000),
        // Two successes whose mean is a half: rounded.
        executionRow(task, 'success', at('2026-11-17T08:00:00.000Z'), 1000),
        executionRow(task, 'success', at('2026-11-17T09:00:00.000Z'), 1001),
        // 23:30 UTC is already the 19th in the task's Shanghai: days are UTC days.
        executionRow(task, 'success', at('2026-11-18T23:30:00.000Z'), 700),
        // Four outcomes (a timeout is a failure); the cancelled and skipped runs count in the total only.
        executionRow(task, 'success', at('2026-11-19T01:00:00.000Z'), 1000),
        executionRow(task, 'success', at('2026-11-19T02:00:00.000Z'), 2000),
        executionRow(task, 'failed', at('2026-11-19T03:00:00.000Z'), 3000),
        executionRow(task, 'timeout', at('2026-11-19T04:00:00.000Z'), 6000),
        executionRow(task, 'cancelled', at('2026-11-19T05:00:00.000Z'), 100_000),
        executionRow(task, 'skipped', at('2026-11-19T06:00:00.000Z')),
        // No outcome at all: a rate and an average of nothing are null, not 0.
        executionRow(task, 'skipped', at('2026-11-20T10:00:00.000Z')),
        executionRow(task, 'cancelled', at('2026-11-20T11:00:00.000Z'), 50_000),
        // Today, from its first to its last millisecond; a running one has no duration yet; tomorrow is outside.
        executionRow(task, 'success', at('2026-11-21T00:00:00.000Z'), 1500),
        executionRow(task, 'success', at('2026-11-21T23:59:59.999Z'), 2500),
        executionRow(task, 'running', at('2026-11-21T12:00:00.000Z'), 0),
        executionRow(task, 'pending', at('2026-11-22T00:00:00.000Z')),
      ])
      .execute();
  });
  after(async () => {
    await t.close();
  });

  it('7d: one entry per UTC day, oldest first, with counts, success rate and average duration; empty days zero and null', async () => {
    const response = await t.request('GET', `/api/v1/tasks/${task}/stats?window=7d`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.timezone, 'UTC');
    assert.equal(response.body.bucket, 'day');
    assert.deepEqual(response.body.trend, [
      { bucket: '2026-11-15T00:00:00.000Z', ...empty },
      { bucket: '2026-11-16T00:00:00.000Z', ...empty },
      { bucket: '2026-11-17T00:00:00.000Z', ...zero, success: 2, total: 2, success_rate: 1, avg_duration_ms: 1001 },
      { bucket: '2026-11-18T00:00:00.000Z', ...zero, success: 1, total: 1, success_rate: 1, avg_duration_ms: 700 },
      { bucket: '2026-11-19T00:00:00.000Z', ...zero, success: 2, failed: 1, timeout: 1, cancelled: 1, skipped: 1, total: 6, success_rate: 0.5, avg_duration_ms: 3000 },
      { bucket: '2026-11-20T00:00:00.000Z', ...empty, skipped: 1, cancelled: 1, total: 2 },
      { bucket: '2026-11-21T00:00:00.000Z', ...zero, success: 2, running: 1, total: 3, success_rate: 1, avg_duration_ms: 2000 },
    ]);
    // The window's own figures are unchanged by the daily ones and agree with them.
    assert.equal(response.body.total, 14);
    assert.equal(response.body.success_rate, 7 / 9);
    assert.equal(response.body.avg_duration_ms, Math.round((1000 + 1001 + 700 + 1000 + 2000 + 3000 + 6000 + 1500 + 2500) / 9));
  });

  it('90d: ninety days from the window edge to today, the run a millisecond before the edge left out', async () => {
    const response = await t.request('GET', `/api/v1/tasks/${task}/stats?window=90d`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const trend = response.body.trend as { bucket: string; total: number; success_rate: number | null; avg_duration_ms: number | null }[];
    assert.equal(trend.length, 90);
    assert.deepEqual(trend[0], { bucket: '2026-08-24T00:00:00.000Z', ...zero, success: 1, total: 1, success_rate: 1, avg_duration_ms: 1000 });
    assert.deepEqual(trend[1], { bucket: '2026-08-25T00:00:00.000Z', ...empty });
    assert.equal(trend[89]!.bucket, '2026-11-21T00:00:00.000Z');
    // Consecutive days, and every execution of the window in exactly one of them.
    trend.forEach((day, index) => assert.equal(day.bucket, new Date(at('2026-08-24T00:00:00.000Z') + index * DAY).toISOString()));
    assert.equal(
      trend.reduce((sum, day) => sum + day.total, 0),
      response.body.total,
    );
    assert.equal(response.body.total, 15);
    assert.deepEqual(
      trend.filter((day) => day.total > 0).map((day) => [day.bucket.slice(0, 10), day.total, day.success_rate, day.avg_duration_ms]),
      [
        ['2026-08-24', 1, 1, 1000],
        ['2026-11-17', 2, 1, 1001],
        ['2026-11-18', 1, 1, 700],
        ['2026-11-19', 6, 0.5, 3000],
        ['2026-11-20', 2, null, null],
        ['2026-11-21', 3, 1, 2000],
      ],
    );
  });

  it('a window other than 24h, 7d or 90d is a 400 naming the parameter', async () => {
    for (const window of ['7', '30d', '']) {
      const response = await t.request('GET', `/api/v1/tasks/${task}/stats?window=${window}`);
      assert.equal(response.status, 400, `window=${window}`);
      assert.equal(response.body.error.code, 'invalid_request');
      assert.equal(response.body.error.details.field, 'window');
    }
  });
});
